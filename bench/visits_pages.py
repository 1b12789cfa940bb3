"""Visit schedules at volume: the managers' Visits page and a practitioner's 200-child caseload.

Loads one Warwickshire team of 50 practitioners and 10,000 children (200 each, every one with
an episode: a child in need plan, a child protection plan or a looked-after placement) and
1,000,000 visit records (100 a child over two years) into a SQLite file and a PostgreSQL
database of its own (bench_visits). The stored due dates (`visit_due`) are worked out by the
schedule engine through `webapp.visits.schedules.refresh`, as an import does, and timed.
Each visit's within-timescale row (`visit_check`) is written directly, from the gap since the
child's previous visit, since replaying each visit through the engine would take an hour here
and the page's query time does not depend on the values. Then each page is rendered many times
through the Flask test client; server time only. Writes bench/results/visits_pages.json.

Run: .venv/bin/python bench/visits_pages.py [--children N] [--visits-per-child N] [--iterations N] [--only sqlite|postgresql] [--reuse]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from bench.manager_pages import signed_in_client, time_page  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
POSTGRES_DB = "bench_visits"
SQLITE_FILE = RESULTS / "bench_visits.sqlite"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 23)
PRACTITIONERS = 50
MANAGER_EMAIL = "manager@visits-volume.example"
KINDS = ("child_in_need_plan", "child_protection_plan", "looked_after")


def database_url(kind: str, fresh: bool) -> str:
    if kind == "sqlite":
        RESULTS.mkdir(parents=True, exist_ok=True)
        if fresh and SQLITE_FILE.exists():
            SQLITE_FILE.unlink()
        return f"sqlite:///{SQLITE_FILE}"
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + "/" + POSTGRES_DB
    if fresh:
        admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{POSTGRES_DB}"'))
        admin.dispose()
    return url


def make_app(url: str):
    from webapp import create_app
    from webapp.clock import FixedClock

    return create_app(SQLALCHEMY_DATABASE_URI=url, CLOCK=FixedClock(NOW), SECRET_KEY="bench", WTF_CSRF_ENABLED=False)


def load(app, children: int, per_child: int) -> dict:
    from webapp.extensions import db
    from webapp.models import Child, ChildEpisode, Record, Team, User, VisitCheck
    from webapp.visits import schedules

    rng = random.Random(13)
    started = time.perf_counter()
    with app.app_context():
        team = Team(name="Visits Volume Team", authority="warwickshire")
        db.session.add(team)
        manager = User(email=MANAGER_EMAIL, name="Volume Manager", role="manager", team=team)
        practitioners = [User(email=f"p{n}@visits-volume.example", name=f"Practitioner {n:02d}", role="practitioner",
                              team=team) for n in range(PRACTITIONERS)]
        db.session.add_all([manager, *practitioners])
        db.session.flush()
        ids = {"team": team.id, "manager": manager.id, "practitioner": practitioners[0].id}
        child_rows = [
            {"reference": f"VV-{n:05d}", "name": f"Child {n:05d}", "date_of_birth": date(2010, 1, 1) + timedelta(days=n % 4000),
             "team_id": team.id, "practitioner_id": practitioners[n % PRACTITIONERS].id, "status": "child_in_need"}
            for n in range(children)
        ]
        db.session.execute(insert(Child), child_rows)
        child_ids = list(db.session.scalars(select(Child.id).order_by(Child.id)))
        practitioner_of = dict(db.session.execute(select(Child.id, Child.practitioner_id)).all())
        episodes = []
        for n, child_id in enumerate(child_ids):
            kind = KINDS[n % len(KINDS)]
            start = TODAY - timedelta(days=rng.randrange(740, 1100))
            details = {"placement_type": "foster", "placement_started_on": start.isoformat()} if kind == "looked_after" else {}
            episodes.append({"child_id": child_id, "kind": kind, "started_on": start,
                             "first_review_on": start + timedelta(days=90), "ended_on": None, "details": details})
        db.session.execute(insert(ChildEpisode), episodes)
        db.session.commit()
        print(f"  {children:,} children and episodes in {time.perf_counter() - started:.0f} s", flush=True)

        span = 730 * 24 * 3600
        batch, checks = [], []
        written = 0
        for child_id in child_ids:
            author = practitioner_of[child_id]
            moments = sorted(rng.randrange(span) for _ in range(per_child))
            previous = None
            for moment in moments:
                at = NOW - timedelta(seconds=span - moment) - timedelta(days=1)
                seen = rng.random() < 0.92
                fields = {"visit_type": "child_in_need", "announced": "announced" if rng.random() < 0.8 else "unannounced",
                          "child_seen": seen}
                if seen:
                    fields["seen_alone"] = rng.random() < 0.7
                    fields["bedroom_seen"] = rng.random() < 0.5
                record_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                batch.append({"uuid": record_uuid, "version": 1, "child_id": child_id, "author_id": author,
                              "record_type": "visit", "child_protection": False, "event_at": at, "completed_at": at,
                              "received_at": at + timedelta(hours=2), "device_id": "bench", "fields": fields,
                              "content_hash": "0" * 64, "implausible": False})
                if seen:
                    visited_on = at.date()
                    due_by = (previous or visited_on - timedelta(days=14)) + timedelta(days=14)
                    checks.append({"record_uuid": record_uuid, "child_id": child_id, "team_id": ids["team"],
                                   "author_id": author, "visited_on": visited_on, "due_by": due_by,
                                   "within": visited_on <= due_by})
                    previous = visited_on
            if len(batch) >= 20_000:
                db.session.execute(insert(Record), batch)
                db.session.execute(insert(VisitCheck), checks)
                db.session.commit()
                written += len(batch)
                batch, checks = [], []
                if written % 200_000 == 0:
                    print(f"  {written:,} visits ({time.perf_counter() - started:.0f} s)", flush=True)
        if batch:
            db.session.execute(insert(Record), batch)
            db.session.execute(insert(VisitCheck), checks)
            db.session.commit()
        loaded = time.perf_counter() - started
        print(f"  visits loaded in {loaded:.0f} s; working out due dates ...", flush=True)

        refresh_started = time.perf_counter()
        for start in range(0, len(child_ids), 500):
            schedules.refresh(child_ids[start:start + 500], TODAY)
            db.session.commit()
        refresh_seconds = time.perf_counter() - refresh_started
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return {**ids, "load_seconds": round(loaded), "refresh_seconds": round(refresh_seconds, 1),
            "refresh_ms_per_child": round(1000 * refresh_seconds / len(child_ids), 2)}


def run(kind: str, args) -> dict:
    from flask_migrate import upgrade

    from webapp.extensions import db
    from webapp.models import User

    url = database_url(kind, fresh=not args.reuse)
    app = make_app(url)
    info: dict = {}
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == MANAGER_EMAIL)) if args.reuse else None
        practitioner = db.session.scalar(select(User).where(User.email == "p0@visits-volume.example")) if args.reuse else None
    if manager is None:
        with app.app_context():
            upgrade()
        print(f"Loading {args.children:,} children and {args.children * args.visits_per_child:,} visits into {kind} ...", flush=True)
        info = load(app, args.children, args.visits_per_child)
        manager_id, practitioner_id = info["manager"], info["practitioner"]
    else:
        manager_id, practitioner_id = manager.id, practitioner.id
    manager_client = signed_in_client(app, manager_id)
    practitioner_client = signed_in_client(app, practitioner_id)
    pages = {
        "Visits page (manager, 10,000 children)": time_page(manager_client, "/manager/visits", args.iterations),
        "Visits page, htmx fragment": time_page(manager_client, "/manager/visits", args.iterations, {"HX-Request": "true"}),
        "caseload page (200 children)": time_page(practitioner_client, "/", args.iterations),
        "child page": time_page(practitioner_client, "/children/VV-00000", args.iterations),
        "GET /api/v1/caseload (200 children)": time_page(practitioner_client, "/api/v1/caseload", args.iterations),
    }
    with app.app_context():
        db.engine.dispose()
    return {"load": {k: v for k, v in info.items() if k.endswith(("seconds", "per_child"))}, "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--visits-per-child", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--reuse", action="store_true", help="Use the databases a previous run loaded.")
    args = parser.parse_args()
    results = {
        "date": NOW.date().isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()},
        "children": args.children,
        "visits": args.children * args.visits_per_child,
    }
    for kind in ("sqlite", "postgresql"):
        if args.only and args.only != kind:
            continue
        results[kind] = run(kind, args)
    results["machine"]["load_average_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "visits_pages.json").write_text(json.dumps(results, indent=2))
    print(f"\nload average before {results['machine']['load_average']}, after {results['machine']['load_average_after']}")
    print(f"{'page':45} {'SQLite median':>14} {'p95':>8} {'PostgreSQL median':>18} {'p95':>8}")
    names = next(results[k]["pages"] for k in ("sqlite", "postgresql") if k in results)
    for name in names:
        cells = []
        for kind in ("sqlite", "postgresql"):
            page = results.get(kind, {}).get("pages", {}).get(name)
            cells += [f"{page['median_ms']} ms" if page else "-", f"{page['p95_ms']} ms" if page else "-"]
        print(f"{name:45} {cells[0]:>14} {cells[1]:>8} {cells[2]:>18} {cells[3]:>8}")
    for kind in ("sqlite", "postgresql"):
        if kind in results and results[kind]["load"]:
            print(f"{kind}: {results[kind]['load']}")


if __name__ == "__main__":
    main()
