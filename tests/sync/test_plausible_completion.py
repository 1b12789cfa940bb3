"""A completed_at the device could not have stamped is stored, flagged, and never explains a verdict.

A record cannot have been finished before the event it records, nor after the device sent it:
more than 5 minutes after the request's own `device_now`.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import DEFAULT_NOW
from tests.factories import new_record
from webapp.extensions import db
from webapp.models import Record, TimelinessCheck

# A Norfolk visit two weeks before the sync: 2 working days, so late whatever its cause.
LATE_EVENT = DEFAULT_NOW - timedelta(days=14)
# A visit an hour before the sync: on time.
RECENT_EVENT = DEFAULT_NOW - timedelta(hours=1)


def synced(auth, record, device_now):
    [result] = auth.sync([record], device_now).get_json()["results"]
    assert result["status"] == "accepted", result
    return result


@pytest.mark.parametrize(
    ("device_offset", "completed_after_device_now", "implausible"),
    [
        (timedelta(0), timedelta(minutes=-1), False),
        (timedelta(0), timedelta(minutes=5), False),  # the tolerance, as for event_at
        (timedelta(0), timedelta(minutes=6), True),
        (timedelta(0), timedelta(hours=13), True),
        # The device's clock is 2 hours slow: 20 minutes after its own reading is still before
        # the server's clock, and impossible all the same.
        (timedelta(hours=-2), timedelta(minutes=20), True),
        # The device's clock is 3 hours fast: an hour after the server's clock is before its own.
        (timedelta(hours=3), timedelta(hours=-2), False),
    ],
)
def test_a_completed_at_after_device_now_is_stored_as_implausible_with_an_unknown_cause(
    app, asha, device_offset, completed_after_device_now, implausible
):
    device_now = DEFAULT_NOW + device_offset
    record = new_record("NOR-1", LATE_EVENT, device_now + completed_after_device_now)

    result = synced(asha, record, device_now)

    assert result["implausible"] is implausible
    assert result["timeliness"]["verdict"] == "late"
    if implausible:
        assert result["timeliness"]["cause"] == "unknown"
    else:
        # Finished well after the due date, by a believable clock: written late.
        assert result["timeliness"]["cause"] == "recorded_late"
    with app.app_context():
        assert db.session.scalar(select(Record.implausible)) is implausible
        assert db.session.scalar(select(TimelinessCheck.cause)) == result["timeliness"]["cause"]
    [stored] = asha._client.get("/api/v1/records").get_json()["records"]
    assert stored["implausible"] is implausible


def test_an_on_time_record_is_flagged_too(asha):
    record = new_record("NOR-1", RECENT_EVENT, DEFAULT_NOW + timedelta(hours=13))
    result = synced(asha, record, DEFAULT_NOW)
    assert result["implausible"] is True
    assert (result["timeliness"]["verdict"], result["timeliness"]["cause"]) == ("on_time", None)


def test_a_new_version_is_judged_on_its_own_completed_at(asha):
    record = new_record("NOR-1", RECENT_EVENT, RECENT_EVENT + timedelta(minutes=30))
    assert synced(asha, record, DEFAULT_NOW)["implausible"] is False
    corrected = dict(record, supersedes=1, completed_at="2026-11-24T10:00:00Z")
    assert synced(asha, corrected, DEFAULT_NOW)["implausible"] is True


def test_the_manager_reads_why_the_cause_is_unknown(app, client, asha, auth):
    record = new_record("NOR-1", LATE_EVENT, DEFAULT_NOW + timedelta(hours=13))
    synced(asha, record, DEFAULT_NOW)
    auth.sign_out()
    auth.sign_in("grace@norfolk.test")

    text = " ".join(client.get(f"/manager/records/{record['id']}").get_data(as_text=True).split())

    assert "Cause unknown" in text
    assert "the tablet said the record was finished 13 hours after the tablet sent it." in text


def test_the_openapi_document_says_what_implausible_means(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for schema in ("RecordResult", "StoredRecord"):
        words = spec["components"]["schemas"][schema]["properties"]["implausible"]["description"]
        assert "more than 5 minutes after device_now" in words
        assert "before event_at" in words
        assert "cause is unknown" in words
