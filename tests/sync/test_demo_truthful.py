"""Every record `flask demo-data` creates could have happened, and the demo shows every cause.

A record is plausible when, with its request's skew applied, the visit came first, then
finishing it, then its arrival. The one exception is made on purpose and explained.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.factories import AuthActions
from webapp.demo import CLOCK_CHANGED_RECORD_ID, DEMO_PASSWORD, TEAMS
from webapp.extensions import db
from webapp.models import Record, SyncRequest, TimelinessCheck

# A Monday morning, when records finished over the weekend meet a clock that stops at now;
# and a Saturday night in summer time.
NOWS = [datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc), datetime(2027, 7, 3, 22, 15, tzinfo=timezone.utc)]


@pytest.mark.parametrize("now", NOWS, ids=["monday-morning", "saturday-night"])
def test_every_demo_record_is_plausible_and_every_cause_is_shown(app, runner, clock, now):
    clock.set(now)
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        rows = db.session.execute(
            select(Record, SyncRequest.skew_seconds, TimelinessCheck.cause)
            .join(SyncRequest, SyncRequest.id == Record.sync_request_id)
            .join(TimelinessCheck, TimelinessCheck.record_uuid == Record.uuid)
        ).all()
        assert len(rows) == db.session.scalar(select(func.count()).select_from(Record)) > 200
        impossible = []
        for record, skew_seconds, cause in rows:
            finished = record.completed_at + timedelta(seconds=skew_seconds)
            if record.uuid == CLOCK_CHANGED_RECORD_ID:
                continue
            if not (record.event_at <= finished <= record.received_at <= now) or record.implausible:
                impossible.append((record.uuid, record.event_at, finished, record.received_at))
        assert impossible == []

        causes = dict(db.session.execute(
            select(TimelinessCheck.cause, func.count()).group_by(TimelinessCheck.cause)
        ).all())
        assert set(causes) == {None, "synced_late", "recorded_late", "unknown"}
        assert causes["unknown"] == 1
        deliberate = db.session.scalar(select(Record).where(Record.uuid == CLOCK_CHANGED_RECORD_ID))
        assert deliberate.implausible is True
        assert db.session.scalar(
            select(TimelinessCheck.cause).where(TimelinessCheck.record_uuid == CLOCK_CHANGED_RECORD_ID)
        ) == "unknown"


def test_the_deliberate_unknown_is_explained_to_the_manager(app, runner, client):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    AuthActions(client).sign_in(TEAMS[0].manager[0], DEMO_PASSWORD)

    text = " ".join(client.get(f"/manager/records/{CLOCK_CHANGED_RECORD_ID}").get_data(as_text=True).split())

    assert "Cause unknown" in text
    assert (
        "the tablet’s clock could not be believed: it was right to within a minute when the record was"
        " sent, and even allowing for that the tablet said the record was finished before the visit."
    ) in text
