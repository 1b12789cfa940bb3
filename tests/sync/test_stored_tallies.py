"""The stored recording delay and the team pages' daily tallies always agree with a recount from the raw rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text

from tests.conftest import DEFAULT_NOW
from tests.factories import new_record, visit_fields
from webapp.extensions import db
from webapp.manager import tallies
from webapp.models import Record, TimelinessCheck, delay_seconds


def sync_at(asha, clock, now: datetime, records: list[dict]) -> list[dict]:
    clock.set(now)
    asha.sign_in("asha@norfolk.test")  # a session ends when idle: sign in at each moment
    response = asha.sync(records, now)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def test_stored_delays_and_tallies_agree_with_a_recount_from_the_rows(app, asha, clock):
    micro = timedelta(microseconds=250_001)
    # Either side of the clocks changing on the last Sunday of March, a Sunday just before
    # midnight and Monday 23 November, with delays of every sign and fraction.
    arrivals = [
        datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc),
        datetime(2026, 3, 29, 1, 30, 0, 1, tzinfo=timezone.utc),
        datetime(2026, 11, 22, 23, 59, 59, 999_999, tzinfo=timezone.utc),
        DEFAULT_NOW + micro,
    ]
    statuses = []
    first = None
    for n, now in enumerate(arrivals):
        records = [
            new_record("NOR-1", now - timedelta(hours=1, microseconds=1)),  # just over an hour
            new_record("NOR-2", now - timedelta(days=9), fields=visit_fields(visit_type="statutory_child_protection")),
            new_record("NOR-1", now + timedelta(minutes=4, seconds=59)),  # a clock ahead: negative delay
            new_record("NOR-1", now - timedelta(seconds=59, microseconds=999_999)),
            new_record("WAR-1", now - timedelta(hours=2)),  # not Asha's child: rejected, not counted
        ]
        if first is None:
            first = records[0]
        else:
            records.append(first)  # a resend: a duplicate, counted once
        statuses += [result["status"] for result in sync_at(asha, clock, now, records)]
    changed = dict(first, supersedes=1, fields=visit_fields(observations="Changed"))
    statuses += [result["status"] for result in sync_at(asha, clock, arrivals[-1] + timedelta(days=1), [changed])]
    assert statuses.count("accepted") == 17 and statuses.count("duplicate") == 3
    assert statuses.count("rejected") == 4

    with app.app_context():
        # A verdict written through the ORM (as tests and tools do) is counted too.
        record = db.session.scalars(select(Record).order_by(Record.id)).first()
        other = TimelinessCheck(
            record=record, record_uuid="00000000-0000-4000-8000-000000000001", team_id=1,
            author_id=record.author_id, child_id=record.child_id, record_type="case_note",
            event_at=DEFAULT_NOW - timedelta(days=3), received_at=DEFAULT_NOW, policy_id="norfolk",
            policy_version="v", rule_id="r", window="2 working days", due_at=DEFAULT_NOW,
            verdict="late", late_by_seconds=60, cause=None,
        )
        db.session.add(other)
        db.session.commit()

        checks = db.session.scalars(select(TimelinessCheck)).all()
        assert len(checks) == 17  # 16 first versions and the ORM one; a new version keeps its verdict
        recounted = dict(db.session.execute(
            text(f"SELECT id, {tallies.DELAY_SQL[db.engine.dialect.name]} FROM timeliness_check")
        ).all())
        for check in checks:
            assert check.delay_seconds == delay_seconds(check.event_at, check.received_at)
            assert check.delay_seconds == recounted[check.id]
        assert sorted({c.delay_seconds for c in checks}) == [-299, 59, 3600, 3 * 86400, 9 * 86400]

        connection = db.session.connection()
        stored = tallies.stored(connection)
        assert stored == tallies.counted_from_rows(connection)
        assert sum(stored[0].values()) == sum(stored[1].values()) == 17
        # The two arrivals either side of the clock change fall on the same London day.
        days = {day for (_, day, *_rest) in stored[0]}
        assert tallies.day_number(arrivals[0]) == tallies.day_number(arrivals[1])
        assert len(days) == 3  # 29 March, 22 and 23 November (a new version adds no verdict)

        # Rebuilt from nothing, the tallies come out the same.
        tallies.recount(connection)
        assert tallies.stored(connection) == stored
