"""Sync ingest when every child has a visit schedule and a long history, in-process.

bench/ingest.py measures storing records; its children have no episode, so no schedule is
worked out. Here every child of the practitioner has an episode (a child protection or child in
need plan) and about 240 earlier visits, so that each sync also judges its visits against the
schedule and moves the children's due dates, as on a real caseload. Six requests of 500 visits
spread over the 25 children are timed through the Flask test client (no HTTP).

Run: .venv/bin/python bench/ingest_history.py sqlite|postgresql [--profile FILE] [--json FILE]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select  # noqa: E402

from bench.common import (  # noqa: E402
    drop_postgres_database,
    flask_cli,
    iso_now,
    recreate_postgres_database,
    report,
    seed,
    visit_records,
)
from bench.profile_sync import _token  # noqa: E402

HISTORY = 6000  # earlier visits, over the first practitioner's 25 children: 240 each
REQUESTS, SIZE = 6, 500


def load_history(url: str, practitioner) -> None:
    """Every child an episode, and HISTORY visits over the last 400 days, stored directly."""
    from webapp.models import Child, Record, User

    refs = practitioner.child_refs
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "episodes.csv"
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["child_ref", "episode", "started_on"])
            for i, ref in enumerate(refs):
                writer.writerow([ref, "child_protection_plan" if i % 5 == 0 else "child_in_need_plan", "2025-06-02"])
        flask_cli(url, "caseload", "import", str(path))
    engine = create_engine(url)
    with engine.connect() as conn:
        author = conn.scalar(select(User.id).where(User.email == practitioner.email))
        ids = dict(conn.execute(select(Child.reference, Child.id)).all())
    now = datetime.now(timezone.utc)
    rows = []
    for k, record in enumerate(visit_records(HISTORY, refs, seed=7)):
        at = now - timedelta(days=400 * k / HISTORY + 3)
        rows.append({
            "uuid": record["id"], "version": 1, "child_id": ids[record["child_id"]], "author_id": author,
            "record_type": "visit", "child_protection": False, "event_at": at, "completed_at": at + timedelta(hours=2),
            "received_at": at + timedelta(hours=3), "device_id": "history", "fields": record["fields"],
            "content_hash": hashlib.sha256(record["id"].encode()).hexdigest(), "implausible": False,
        })
    with engine.begin() as conn:
        conn.execute(insert(Record.__table__), rows)
    engine.dispose()


def run(database: str, profile_path: Path | None = None) -> dict:
    tmp = tempfile.TemporaryDirectory(prefix="bench-history-")
    url = (f"sqlite:///{Path(tmp.name) / 'history.sqlite'}" if database == "sqlite"
           else recreate_postgres_database("visits_history"))
    try:
        practitioner = seed(url, practitioners=1)[0]
        load_history(url, practitioner)
        from webapp import create_app

        client = create_app(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench-history").test_client()
        token = _token(client.get("/sign-in").get_data(as_text=True))
        answer = client.post("/sign-in", data={"email": practitioner.email, "password": practitioner.password,
                                               "csrf_token": token})
        token = _token(client.get(answer.headers["Location"]).get_data(as_text=True))

        def sync(records):
            reply = client.post("/api/v1/sync", json={"device_id": "bench", "device_now": iso_now(), "records": records},
                                headers={"X-CSRFToken": token})
            if reply.status_code != 200 or any(r["status"] != "accepted" for r in reply.get_json()["results"]):
                raise RuntimeError(f"sync answered {reply.status_code}: {reply.get_data(as_text=True)[:300]}")

        seconds = []
        for i in range(REQUESTS):
            records = visit_records(SIZE, practitioner.child_refs, seed=100 + i)
            started = time.perf_counter()
            sync(records)
            seconds.append(time.perf_counter() - started)
        if profile_path is not None:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            sync(visit_records(SIZE, practitioner.child_refs, seed=999))
            profiler.stop()
            profile_path.write_text(profiler.output_text(unicode=False, color=False))
        median = statistics.median(seconds)
        return {
            "database": database, "history_visits": HISTORY, "children": len(practitioner.child_refs),
            "request_ms": [round(s * 1000) for s in seconds], "median_request_ms": round(median * 1000),
            "records_per_second": round(SIZE / median, 1),
        }
    finally:
        if database != "sqlite":
            drop_postgres_database("visits_history")
        tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", choices=("sqlite", "postgresql"))
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    return report(run(args.database, args.profile), args.json)


if __name__ == "__main__":
    sys.exit(main())
