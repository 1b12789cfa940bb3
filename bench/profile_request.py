"""Where one small sync spends its time, end to end through gunicorn.

gunicorn (one sync worker, bench/gunicorn_profile.py) profiles each POST /api/v1/sync with
pyinstrument from the moment gunicorn hands it to the app until the answer is written. A
signed-in device sends N requests of 5 visits, one at a time; the worker's combined profile
is then split into the steps of a request (session, user, CSRF, JSON, policies, each part of
the ingest, commit, answer). Alongside, the client's own latency per request.

Run alone: .venv/bin/python bench/profile_request.py [--database sqlite|postgresql] [--requests N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    GunicornServer,
    SyncClient,
    drop_postgres_database,
    recreate_postgres_database,
    report,
    seed,
    visit_records,
)

RESULTS = Path(__file__).resolve().parent / "results"
CONFIG = Path(__file__).resolve().parent / "gunicorn_profile.py"

# The steps of a request, by the first frame (from the top of the stack) each rule matches:
# (step, function name, path fragment).
STEPS = [
    ("session cookie: open and save", "open_session", "flask/sessions.py"),
    ("session cookie: open and save", "save_session", "flask/sessions.py"),
    ("user load (one SELECT)", "load_user", "webapp/auth/sessions.py"),
    ("CSRF check", "protect", "flask_wtf/csrf.py"),
    ("JSON parse", "get_json", "werkzeug"),
    ("JSON parse", "get_json", "flask"),
    ("policy lookup", "every_policy", "webapp/policies.py"),
    ("ingest: envelope", "read_envelope", "webapp/sync/validation.py"),
    ("ingest: children (one SELECT)", "read_children", "webapp/sync/validation.py"),
    ("ingest: record checks", "check", "webapp/sync/validation.py"),
    ("ingest: stored versions (one SELECT)", "stored_versions", "webapp/sync/storage.py"),
    ("ingest: verdicts and row values", "new_record", "webapp/sync/storage.py"),
    ("ingest: content hash", "content_hash", "webapp/sync/storage.py"),
    ("ingest: INSERT records and verdicts", "insert_new", "webapp/sync/storage.py"),
    ("ingest: tallies (three upserts)", "count", "webapp/manager/tallies.py"),
    ("ingest: due dates (episodes SELECT)", "after_sync", "webapp/visits/schedules.py"),
    ("ingest: audit rows", "insert_rows", "webapp/bulk.py"),
    ("ingest: commit", "commit", "sqlalchemy/orm/scoping.py"),
    ("answer: JSON", "jsonify", "flask"),
    ("answer: JSON", "as_json", "webapp/sync/results.py"),
    ("ingest: sync_request INSERT and UPDATE", "execute", "sqlalchemy/orm/scoping.py"),
    ("security headers", "", "webapp/security.py"),
]


def _leaves(frame):
    if not frame.children:
        yield frame
    for child in frame.children:
        yield from _leaves(child)


def _step_of(leaf) -> str:
    chain = []
    frame = leaf
    while frame is not None:
        chain.append(frame)
        frame = frame.parent
    for frame in reversed(chain):  # outermost first
        path = frame.file_path or ""
        for step, function, fragment in STEPS:
            if fragment in path and (not function or frame.function.endswith(function)):
                return step
    return "Flask, werkzeug and gunicorn: routing, request and response objects"


def steps(session) -> list[dict]:
    totals: Counter = Counter()
    for leaf in _leaves(session.root_frame()):
        totals[_step_of(leaf)] += leaf.time
    whole = sum(totals.values())
    return [{"step": name, "seconds": round(t, 4), "share": round(t / whole, 3)}
            for name, t in totals.most_common()]


def run(database: str = "postgresql", requests: int = 300, size: int = 5) -> dict:
    from pyinstrument.session import Session

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"profile-request-{database}.txt"
    switch = RESULTS / f".profile-on-{database}"
    switch.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        url = (f"sqlite:///{Path(tmp) / 'profile.sqlite'}" if database == "sqlite"
               else recreate_postgres_database("visits_profile"))
        try:
            practitioner = seed(url)[0]
            env = {"PROFILE_OUT": str(out), "PROFILE_ON": str(switch), "PROFILE_REQUESTS": str(requests)}
            with GunicornServer(url, config=CONFIG, env=env,
                                log_path=RESULTS / f"gunicorn-profile-{database}.log") as server:
                client = SyncClient(server.base_url).sign_in(practitioner.email, practitioner.password)
                batches = [visit_records(size, practitioner.child_refs, seed=7000 + n)
                           for n in range(requests + 30)]
                for batch in batches[:30]:  # warm-up, not profiled
                    client.sync("profile-device", batch).raise_for_status()
                switch.touch()
                latencies = []
                for batch in batches[30:]:
                    sent = time.perf_counter()
                    answer = client.sync("profile-device", batch)
                    latencies.append(time.perf_counter() - sent)
                    answer.raise_for_status()
                    assert {r["status"] for r in answer.json()["results"]} == {"accepted"}
                deadline = time.monotonic() + 300
                while not out.exists() and time.monotonic() < deadline:
                    time.sleep(0.2)  # the worker writes the profile after the last answer
            session = Session.load(str(out) + ".pyisession")
        finally:
            switch.unlink(missing_ok=True)
            if database != "sqlite":
                drop_postgres_database("visits_profile")
    per_request = session.duration / requests
    return {
        "database": database,
        "requests": requests,
        "records_per_request": size,
        "client_latency_ms": {
            "median": round(statistics.median(latencies) * 1000, 2),
            "p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))] * 1000, 2),
        },
        "in_worker_ms_per_request": round(per_request * 1000, 2),
        "in_worker_cpu_ms_per_request": round(session.cpu_time / requests * 1000, 2),
        "steps": [dict(step, ms_per_request=round(step["seconds"] / requests * 1000, 3))
                  for step in steps(session)],
        "profile_file": out.name,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    return report(run(args.database, args.requests), args.json)


if __name__ == "__main__":
    raise SystemExit(main())
