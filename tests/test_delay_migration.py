"""The migration that stores the recording delay backfills it, and the tallies, from the rows already there."""
from __future__ import annotations

import ast
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, select, text

import webapp
from webapp.extensions import db
from webapp.manager import tallies
from webapp.models import TimelinessCheck, delay_seconds

BEFORE = "1e9f9aa40dd4"
UTC = timezone.utc


def test_upgrading_backfills_every_delay_and_counts_every_verdict(app):
    received = datetime(2026, 11, 23, 10, 0, 0, 250_000, tzinfo=UTC)
    midsummer_midnight = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
    rows = [  # event, received, team (and author)
        (received - timedelta(hours=1, microseconds=1), received, 1),  # 3600.000001 s: 3600
        (received - timedelta(hours=1), received, 1),  # exactly 3600 s
        (received - timedelta(hours=1) + timedelta(microseconds=1), received, 1),  # 3599.999999 s: 3599
        (received + timedelta(minutes=4, microseconds=1), received, 1),  # ahead: -240.000001 s: -241
        (datetime(2026, 3, 28, 23, 59, 59, 999_999, tzinfo=UTC), received, 1),  # .999999 must not round up
        (midsummer_midnight - timedelta(seconds=59), midsummer_midnight, 1),  # the first delay bucket
        (midsummer_midnight - timedelta(seconds=60), midsummer_midnight, 2),  # the second, another team
    ]
    with app.app_context():
        db.drop_all()
        forget_migrations()
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            old = MetaData()
            table = {name: Table(name, old, autoload_with=conn)
                     for name in ("team", "user", "child", "record", "timeliness_check")}
            for n in (1, 2):
                conn.execute(table["team"].insert(), {"id": n, "name": f"T{n}", "authority": "norfolk",
                                                      "service": "s"})
                conn.execute(table["user"].insert(), {"id": n, "email": f"{n}@t.test", "name": "A",
                                                      "role": "practitioner", "team_id": n, "active": True})
                conn.execute(table["child"].insert(), {"id": n, "reference": f"C-{n}", "name": "C", "team_id": n,
                                                       "status": ""})
            for n, (event_at, received_at, team) in enumerate(rows, start=1):
                conn.execute(table["record"].insert(), {
                    "id": n, "uuid": f"00000000-0000-4000-8000-00000000000{n}", "version": 1, "child_id": team,
                    "author_id": team, "record_type": "visit", "child_protection": False, "event_at": event_at,
                    "completed_at": event_at, "received_at": received_at, "device_id": "d", "fields": {},
                    "content_hash": "h", "implausible": False,
                })
                conn.execute(table["timeliness_check"].insert(), {
                    "id": n, "record_uuid": f"00000000-0000-4000-8000-00000000000{n}", "record_id": n,
                    "team_id": team, "author_id": team, "child_id": team, "record_type": "visit",
                    "event_at": event_at, "received_at": received_at, "policy_id": "norfolk",
                    "policy_version": "v", "rule_id": "r", "window": "2 working days", "due_at": received_at,
                    "verdict": "late" if n % 2 else "on_time", "late_by_seconds": 0,
                    "cause": "recorded_late" if n % 2 else None, "skew_seconds": 0.0,
                })
        upgrade()

        checks = db.session.scalars(select(TimelinessCheck).order_by(TimelinessCheck.id)).all()
        assert [c.delay_seconds for c in checks] == [
            delay_seconds(c.event_at, c.received_at) for c in checks
        ]
        assert [c.delay_seconds for c in checks][:4] == [3600, 3600, 3599, -241]
        assert [c.delay_seconds for c in checks][5:] == [59, 60]
        connection = db.session.connection()
        stored = tallies.stored(connection)
        # What the migration counted by itself is what the app's recount counts from the rows.
        assert stored == tallies.counted_from_rows(connection)
        assert sum(stored[0].values()) == sum(stored[1].values()) == len(rows)
        july_first = date(2026, 7, 1).toordinal()
        assert stored[1][1, july_first, tallies.delay_bucket(59)] == 1
        assert stored[1][2, july_first, tallies.delay_bucket(60)] == 1
        assert stored[0][1, date(2026, 11, 23).toordinal(), "visit", 1, "on_time", ""] == 2
        db.session.rollback()
        forget_migrations()


def test_no_migration_imports_the_app():
    """A migration runs against the schema of its own revision, whatever the app's models are now."""
    for path in sorted((Path(webapp.__file__).parent / "migrations" / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [name for name in names if name.split(".")[0] == "webapp"], path.name


def forget_migrations() -> None:
    """The PostgreSQL database outlives a test: leave no alembic_version for the next one."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
