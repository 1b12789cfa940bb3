"""The verdicts sync stores are the ones `flask policy due` gives for the same facts."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.factories import iso, new_record
from webapp.extensions import db
from webapp.models import TimelinessCheck

UTC = timezone.utc

CASES = [
    # (child, practitioner, record_type, child_protection, event_at, completed_at, received_at)
    ("NOR-1", "asha@norfolk.test", "visit", False, datetime(2026, 12, 24, 14, 0, tzinfo=UTC),
     datetime(2026, 12, 24, 18, 0, tzinfo=UTC), datetime(2026, 12, 30, 23, 59, tzinfo=UTC)),
    ("NOR-1", "asha@norfolk.test", "visit", False, datetime(2026, 12, 24, 14, 0, tzinfo=UTC),
     datetime(2026, 12, 24, 18, 0, tzinfo=UTC), datetime(2027, 1, 4, 9, 0, tzinfo=UTC)),
    ("NOR-1", "asha@norfolk.test", "case_note", False, datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
     datetime(2026, 11, 27, 9, 0, tzinfo=UTC), datetime(2026, 11, 27, 9, 5, tzinfo=UTC)),
    ("WAR-1", "maya@warwickshire.test", "visit", True, datetime(2026, 12, 18, 16, 0, tzinfo=UTC),
     datetime(2026, 12, 18, 20, 0, tzinfo=UTC), datetime(2026, 12, 19, 16, 1, tzinfo=UTC)),
    ("WAR-2", "maya@warwickshire.test", "visit", True, datetime(2026, 12, 18, 16, 0, tzinfo=UTC),
     datetime(2026, 12, 18, 20, 0, tzinfo=UTC), datetime(2026, 12, 19, 15, 59, tzinfo=UTC)),
    ("WAR-1", "maya@warwickshire.test", "visit", False, datetime(2026, 10, 24, 9, 0, tzinfo=UTC),
     datetime(2026, 10, 29, 9, 0, tzinfo=UTC), datetime(2026, 10, 29, 9, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("child", "email", "record_type", "child_protection", "event_at", "completed_at", "received_at"), CASES)
def test_stored_verdict_matches_flask_policy_due(
    app, world, auth, clock, runner, child, email, record_type, child_protection, event_at, completed_at, received_at
):
    from tests.factories import visit_fields

    clock.set(received_at)
    auth.sign_in(email)
    fields = visit_fields() if record_type == "visit" else {"note_type": "email", "text": "Emailed the school."}
    record = new_record(child, event_at, completed_at, record_type=record_type, fields=fields,
                        child_protection=child_protection)
    [result] = auth.sync([record], received_at).get_json()["results"]
    assert result["status"] == "accepted", result

    on_plan = child == "WAR-2"
    args = [
        "policy", "due", "--authority", result["timeliness"]["authority"], "--record-type", record_type,
        "--service", "children_social_care", "--event-at", iso(event_at),
        "--completed-at", iso(completed_at), "--received-at", iso(received_at),
    ]
    if child_protection or on_plan:
        args.append("--child-protection")
    cli = runner.invoke(args=args)
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)

    assert result["timeliness"] == expected
    with app.app_context():
        stored = db.session.scalar(select(TimelinessCheck).where(TimelinessCheck.record_uuid == record["id"]))
        assert stored.as_timeliness() == expected
