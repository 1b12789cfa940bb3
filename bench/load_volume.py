"""Bulk-load a team with N records and their timeliness verdicts, fast, for the manager benchmark.

One team (Warwickshire's policy) of 12 practitioners and a manager, 800 children (a quarter on
child protection plans), and N records spread over the 730 days before `--now`:

- record types weighted as a team writes them (visits and case notes most);
- events in working hours, London time;
- writing delay lognormal (median about 6 hours), slower for some practitioners;
- most records sync within minutes, one in eight waits hours or days for signal;
- device clocks mostly right, a few minutes or hours out;
- every verdict from the timeliness engine itself, so the figures are truthful.

Rows go in through SQLAlchemy Core's connection: executemany on SQLite, COPY on PostgreSQL.
Run: .venv/bin/python bench/load_volume.py --database-url URL --records 1000000
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

UTC = timezone.utc
TEAM_NAME = "Volume Team"
AUTHORITY = "warwickshire"
PRACTITIONERS = 12
CHILDREN = 800
DAYS = 730
MANAGER_EMAIL = "volume.manager@example.test"
PASSWORD = "volume-manager-password"

RECORD_TYPES = {  # share of a team's records
    "visit": 0.34,
    "case_note": 0.30,
    "chronology": 0.08,
    "supervision": 0.07,
    "management_decision": 0.06,
    "case_summary": 0.04,
    "assessment": 0.04,
    "care_plan": 0.03,
    "section_47_enquiry": 0.02,
    "strategy_discussion": 0.02,
}


def _sqlite_text(instant: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DateTime stores (naive UTC), so range comparisons hold."""
    if instant is None:
        return None
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_volume(app, records: int, now: datetime, seed: int = 5, batch: int = 50_000, log=print) -> dict:
    """Add the volume team and its records; returns the ids a benchmark needs."""
    from webapp.extensions import db
    from webapp.manager import tallies
    from webapp.models import Child, Role, Team, User, delay_seconds
    from webapp.timeliness import RecordFacts, default_calendar, evaluate, load_policy

    rng = random.Random(seed)
    policy = load_policy(Path(app.config["POLICY_DIR"]) / f"{AUTHORITY}.yaml")
    calendar = default_calendar()
    with app.app_context():
        team = Team(name=TEAM_NAME, authority=AUTHORITY)
        db.session.add(team)
        db.session.flush()
        manager = User(email=MANAGER_EMAIL, name="Volume Manager", role=Role.MANAGER.value, team_id=team.id)
        manager.set_password(PASSWORD)
        db.session.add(manager)
        people = [
            User(email=f"volume.practitioner{i}@example.test", name=f"Practitioner {i:02d}",
                 role=Role.PRACTITIONER.value, team_id=team.id)
            for i in range(PRACTITIONERS)
        ]
        db.session.add_all(people)
        db.session.flush()
        children = [
            Child(reference=f"VOL-{i:05d}", name=f"Child {i:05d}", team_id=team.id,
                  practitioner_id=people[i % PRACTITIONERS].id,
                  status="child_protection" if i % 4 == 0 else "child_in_need")
            for i in range(CHILDREN)
        ]
        db.session.add_all(children)
        db.session.commit()
        team_id, manager_id = team.id, manager.id
        child_rows = [(c.id, c.practitioner_id, c.status == "child_protection") for c in children]
        person_ids = [p.id for p in people]
        first_record_id = (db.session.scalar(select(func.max(text("id"))).select_from(text("record"))) or 0) + 1
        first_check_id = (db.session.scalar(select(func.max(text("id"))).select_from(text("timeliness_check"))) or 0) + 1
        dialect = db.engine.dialect.name

    # Some practitioners write up promptly, some don't.
    slowness = {pid: rng.choice([0.6, 0.8, 1.0, 1.0, 1.3, 1.8]) for pid in person_ids}
    types, weights = zip(*RECORD_TYPES.items())
    start = now - timedelta(days=DAYS)
    stamp = lambda value: value if dialect == "postgresql" else _sqlite_text(value)  # noqa: E731

    def rows(n: int, record_id: int, check_id: int):
        record_batch, check_batch = [], []
        for _ in range(n):
            child_id, owner_id, cp = child_rows[rng.randrange(CHILDREN)]
            author_id = owner_id if rng.random() < 0.85 else person_ids[rng.randrange(PRACTITIONERS)]
            record_type = rng.choices(types, weights)[0]
            day = start + timedelta(days=rng.randrange(DAYS))
            event_at = day.replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(minutes=rng.randrange(10 * 60))
            write_hours = rng.lognormvariate(math.log(6), 1.3) * slowness[author_id]
            completed_at = event_at + timedelta(hours=write_hours)
            signal_wait = (
                timedelta(hours=rng.lognormvariate(math.log(20), 1.0))
                if rng.random() < 0.125
                else timedelta(seconds=rng.randrange(5, 600))
            )
            received_at = completed_at + signal_wait
            if received_at > now:  # nothing arrives from the future
                received_at = now - timedelta(seconds=rng.randrange(1, 3600))
                completed_at = min(completed_at, received_at)
            skew = rng.choice([0.0] * 17 + [rng.uniform(-900, 900), rng.uniform(-7200, 7200), 3600.0])
            # One in a hundred comes from an app version that sent no completion time.
            device_completed = None if rng.random() < 0.01 else completed_at - timedelta(seconds=skew)
            verdict = evaluate(
                policy,
                RecordFacts(record_type, event_at, device_completed, cp, "children_social_care"),
                received_at,
                calendar,
                timedelta(seconds=skew),
            )
            record_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            record_batch.append((
                record_id, record_uuid, 1, child_id, author_id, record_type, cp, stamp(event_at),
                stamp(device_completed), stamp(received_at), f"tablet-{author_id}", "{}", "0" * 64, False,
            ))
            check_batch.append((
                check_id, record_uuid, record_id, team_id, author_id, child_id, record_type,
                stamp(event_at), stamp(received_at), AUTHORITY, verdict.policy_version, verdict.rule_id,
                verdict.window, stamp(verdict.due_at), verdict.verdict,
                int(verdict.late_by.total_seconds()), verdict.late_by_working_days, verdict.cause,
                stamp(verdict.completed_at_corrected), skew, delay_seconds(event_at, received_at),
            ))
            record_id += 1
            check_id += 1
        return record_batch, check_batch

    record_columns = ("id, uuid, version, child_id, author_id, record_type, child_protection, event_at, "
                      "completed_at, received_at, device_id, fields, content_hash, implausible")
    check_columns = ("id, record_uuid, record_id, team_id, author_id, child_id, record_type, event_at, "
                     "received_at, policy_id, policy_version, rule_id, \"window\", due_at, verdict, "
                     "late_by_seconds, late_by_working_days, cause, completed_at_corrected, skew_seconds, "
                     "delay_seconds")
    started = time.perf_counter()
    done = 0
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            while done < records:
                n = min(batch, records - done)
                record_batch, check_batch = rows(n, first_record_id + done, first_check_id + done)
                if dialect == "postgresql":
                    cursor = conn.connection.driver_connection.cursor()
                    with cursor.copy(f"COPY record ({record_columns}) FROM STDIN") as copy:
                        for row in record_batch:
                            copy.write_row(row)
                    with cursor.copy(f"COPY timeliness_check ({check_columns}) FROM STDIN") as copy:
                        for row in check_batch:
                            copy.write_row(row)
                else:
                    conn.exec_driver_sql(
                        f"INSERT INTO record ({record_columns}) VALUES ({', '.join('?' * 14)})", record_batch
                    )
                    conn.exec_driver_sql(
                        f"INSERT INTO timeliness_check ({check_columns}) VALUES ({', '.join('?' * 21)})",
                        check_batch,
                    )
                done += n
                log(f"  {done:,} records ({time.perf_counter() - started:.0f} s)")
            # The team pages' daily tallies, counted from the rows just as the migration does.
            tallies.recount(conn)
            log(f"  tallies counted ({time.perf_counter() - started:.0f} s)")
            if dialect == "postgresql":
                for table in ("record", "timeliness_check"):
                    conn.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # Fresh statistics (and, on PostgreSQL, the visibility map for index-only scans).
            conn.exec_driver_sql("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE")
    return {"team_id": team_id, "manager_id": manager_id, "manager_email": MANAGER_EMAIL,
            "records": records, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--now", default=None, help="ISO instant the data ends at (default: now)")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from webapp import create_app

    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    app = create_app(SQLALCHEMY_DATABASE_URI=args.database_url)
    with app.app_context():
        upgrade()
    print(json.dumps(load_volume(app, args.records, now, args.seed)))


if __name__ == "__main__":
    main()
