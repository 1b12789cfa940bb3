"""The migration that stores the recording delay backfills it, and the tallies, from the rows already there."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, select, text

from webapp.extensions import db
from webapp.manager import tallies
from webapp.models import TimelinessCheck, delay_seconds

BEFORE = "1e9f9aa40dd4"
UTC = timezone.utc


def test_upgrading_backfills_every_delay_and_counts_every_verdict(app):
    received = datetime(2026, 11, 23, 10, 0, 0, 250_000, tzinfo=UTC)
    events = [
        received - timedelta(hours=1, microseconds=1),  # 3600.000001 s: 3600
        received - timedelta(hours=1),  # exactly 3600 s
        received - timedelta(hours=1) + timedelta(microseconds=1),  # 3599.999999 s: 3599
        received + timedelta(minutes=4, microseconds=1),  # ahead: -240.000001 s: -241
        datetime(2026, 3, 28, 23, 59, 59, 999_999, tzinfo=UTC),  # .999999 must not round up
    ]
    with app.app_context():
        db.drop_all()
        forget_migrations()
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            old = MetaData()
            table = {name: Table(name, old, autoload_with=conn)
                     for name in ("team", "user", "child", "record", "timeliness_check")}
            conn.execute(table["team"].insert(), {"id": 1, "name": "T", "authority": "norfolk", "service": "s"})
            conn.execute(table["user"].insert(), {"id": 1, "email": "a@t.test", "name": "A", "role": "practitioner",
                                                  "team_id": 1, "active": True})
            conn.execute(table["child"].insert(), {"id": 1, "reference": "C-1", "name": "C", "team_id": 1,
                                                   "status": ""})
            for n, event_at in enumerate(events, start=1):
                conn.execute(table["record"].insert(), {
                    "id": n, "uuid": f"00000000-0000-4000-8000-00000000000{n}", "version": 1, "child_id": 1,
                    "author_id": 1, "record_type": "visit", "child_protection": False, "event_at": event_at,
                    "completed_at": event_at, "received_at": received, "device_id": "d", "fields": {},
                    "content_hash": "h", "implausible": False,
                })
                conn.execute(table["timeliness_check"].insert(), {
                    "id": n, "record_uuid": f"00000000-0000-4000-8000-00000000000{n}", "record_id": n,
                    "team_id": 1, "author_id": 1, "child_id": 1, "record_type": "visit", "event_at": event_at,
                    "received_at": received, "policy_id": "norfolk", "policy_version": "v", "rule_id": "r",
                    "window": "2 working days", "due_at": received, "verdict": "late" if n % 2 else "on_time",
                    "late_by_seconds": 0, "cause": "recorded_late" if n % 2 else None, "skew_seconds": 0.0,
                })
        upgrade()

        checks = db.session.scalars(select(TimelinessCheck).order_by(TimelinessCheck.id)).all()
        assert [c.delay_seconds for c in checks] == [
            delay_seconds(c.event_at, c.received_at) for c in checks
        ]
        assert [c.delay_seconds for c in checks][:4] == [3600, 3600, 3599, -241]
        connection = db.session.connection()
        stored = tallies.stored(connection)
        assert stored == tallies.counted_from_rows(connection)
        assert sum(stored[0].values()) == sum(stored[1].values()) == 5
        db.session.rollback()
        forget_migrations()


def forget_migrations() -> None:
    """The PostgreSQL database outlives a test: leave no alembic_version for the next one."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
