"""Manager pages at volume: median and p95 server time of the team page and the late list's first page.

Loads 1,000,000 records (bench/load_volume.py) into a SQLite file and a PostgreSQL database
of its own (bench_manager), then renders each page many times through the Flask test client
as the signed-in volume-team manager. Also measures the CSV export's peak Python memory at
10,000 and 100,000 rows (tracemalloc), to show that it streams. Writes
bench/results/manager_pages.json and prints a table.

Run: .venv/bin/python bench/manager_pages.py [--records N] [--iterations N] [--only sqlite|postgresql] [--reuse]
(BENCH_POSTGRES_URL names the server, BENCH_POSTGRES_DB the database, bench_manager by default.)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.load_volume import MANAGER_EMAIL, load_volume  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POSTGRES_DB = os.environ.get("BENCH_POSTGRES_DB", "bench_manager")
SQLITE_FILE = RESULTS / "bench_manager.sqlite"
# The data ends at this instant and the app's clock stands still there, so every run reads
# the same 4 weeks.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def database_url(kind: str, fresh: bool) -> str:
    if kind == "sqlite":
        if fresh and SQLITE_FILE.exists():
            SQLITE_FILE.unlink()
        return f"sqlite:///{SQLITE_FILE}"
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + POSTGRES_DB
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": POSTGRES_DB})
        if fresh or not exists:  # nothing to reuse on a new machine
            conn.execute(text(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{POSTGRES_DB}"'))
    admin.dispose()
    return url


def make_app(url: str):
    from webapp import create_app
    from webapp.clock import FixedClock

    return create_app(SQLALCHEMY_DATABASE_URI=url, CLOCK=FixedClock(NOW), SECRET_KEY="bench", WTF_CSRF_ENABLED=False)


def prepare(kind: str, records: int, reuse: bool):
    from flask_migrate import upgrade
    from sqlalchemy import inspect, select

    from webapp.extensions import db
    from webapp.models import User

    url = database_url(kind, fresh=not reuse)
    app = make_app(url)
    with app.app_context():
        # Nothing to reuse on a new machine: the database is empty, so load it.
        loaded = reuse and inspect(db.engine).has_table("user")
        manager = db.session.scalar(select(User).where(User.email == MANAGER_EMAIL)) if loaded else None
    if manager is None:
        with app.app_context():
            upgrade()
        print(f"Loading {records:,} records into {kind} ...", flush=True)
        info = load_volume(app, records, NOW, log=lambda line: print(line, flush=True) if "00,000 " in line else None)
        print(f"  loaded in {info['seconds']} s", flush=True)
        manager_id = info["manager_id"]
    else:
        manager_id = manager.id
    return app, manager_id


def signed_in_client(app, user_id: int):
    """The team's manager, signed in through the sign-in page (CSRF is off for this app)."""
    from bench.load_volume import PASSWORD

    client = app.test_client()
    answer = client.post("/sign-in", data={"email": MANAGER_EMAIL, "password": PASSWORD})
    assert answer.status_code in (302, 303), answer.status_code
    return client


def time_page(client, url: str, iterations: int, headers=None) -> dict:
    for _ in range(3):  # warm caches: the policy file, SQLAlchemy's statement cache, pages
        assert client.get(url, headers=headers).status_code == 200
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "iterations": iterations,
    }


def csv_peak_memory(app, manager_id: int, rows: int) -> dict:
    """Peak Python allocation while streaming `rows` CSV rows, and the rows seen."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import TimelinessCheck

    with app.app_context():
        # The period, counted back from NOW, that holds at least `rows` entries of any verdict.
        cutoff = db.session.scalar(
            select(TimelinessCheck.received_at).order_by(TimelinessCheck.received_at.desc()).offset(rows - 1).limit(1)
        )
    client = signed_in_client(app, manager_id)
    url = f"/manager/late-entries.csv?verdict=any&from={cutoff.date().isoformat()}&to=2026-11-23"
    tracemalloc.start()
    response = client.get(url)
    lines = 0
    size = 0
    for chunk in response.response:
        lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
        size += len(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": lines - 1, "bytes": size, "peak_python_mib": round(peak / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--reuse", action="store_true", help="keep a database loaded by an earlier run")
    parser.add_argument("--no-csv", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)

    results = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "nproc": os.cpu_count(),
            "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
        },
        "records": args.records,
        "databases": {},
    }
    for kind in args.only or ["sqlite", "postgresql"]:
        app, manager_id = prepare(kind, args.records, args.reuse)
        client = signed_in_client(app, manager_id)
        figures = {
            "team page (last 4 weeks)": time_page(client, "/manager/", args.iterations),
            "late list, first page": time_page(client, "/manager/late-entries", args.iterations),
            "late list, htmx fragment": time_page(client, "/manager/late-entries", args.iterations, {"HX-Request": "true"}),
            "team page (last 52 weeks)": time_page(client, "/manager/?from=2025-11-25&to=2026-11-23", max(5, args.iterations // 5)),
            "team page (last 104 weeks)": time_page(client, "/manager/?from=2024-11-25&to=2026-11-23", max(5, args.iterations // 5)),
        }
        if not args.no_csv:
            for rows in (10_000, 100_000):
                if rows <= args.records:
                    figures[f"csv {rows:,} rows"] = csv_peak_memory(app, manager_id, rows)
        results["databases"][kind] = figures
        with app.app_context():
            from webapp.extensions import db

            db.engine.dispose()

    (RESULTS / "manager_pages.json").write_text(json.dumps(results, indent=2))
    print()
    print(f"{'database':<11} {'page':<28} {'median ms':>10} {'p95 ms':>8}")
    for kind, figures in results["databases"].items():
        for name, figure in figures.items():
            if "median_ms" in figure:
                print(f"{kind:<11} {name:<28} {figure['median_ms']:>10} {figure['p95_ms']:>8}")
            else:
                print(f"{kind:<11} {name:<28} {figure['rows']:>10,} rows, peak {figure['peak_python_mib']} MiB")
    print(f"\n{results['machine']}, {results['date']}; JSON in {RESULTS / 'manager_pages.json'}")


if __name__ == "__main__":
    main()
