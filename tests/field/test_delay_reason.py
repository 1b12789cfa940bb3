"""The delay question applies only once a record's deadline has passed: an answer typed while
it was late, then left behind when the date changed, is neither stored nor shown.

The clock reads Mon 23 Nov 2026 10:00 (GMT). Ben (WK-2) is looked after: 72 hours for a visit.
"""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.field.deadlines import ChildFacts, deadline_state
from webapp.models import Record
from webapp.policies import policy
from webapp.record_forms import AHEAD, PASSED

REASON = "The tablet was broken for a week."


def _visit(day: str, time: str, token: str, **extra) -> dict[str, str]:
    return {
        "child_id": "WK-2", "event_at-day": day, "event_at-month": "11", "event_at-year": "2026",
        "event_at-time": time, "visit_type": "looked_after", "announced": "announced",
        "child_seen": "yes", "seen_alone": "yes", "bedroom_seen": "yes",
        "observations": "Tidy.", "analysis": "Settled.", "actions": "Visit again.",
        "delay_reason": REASON, "csrf_token": token, **extra,
    }


@pytest.mark.parametrize(
    "day, time, stored",
    [
        ("10", "09:00", {"delay_reason": REASON}),  # due Fri 13 Nov: passed, the reason is kept
        ("22", "09:00", {}),  # due Wed 25 Nov: ahead, the reason typed earlier is dropped
        ("20", "10:00", {}),  # due exactly now: on time, so not late either
    ],
)
def test_a_plain_form_stores_a_delay_reason_only_once_the_deadline_has_passed(
    app, client, people, auth, day, time, stored
):
    auth.sign_in(people.practitioner)
    response = client.post("/visits/new", data=_visit(day, time, auth.token, confirm="yes"))
    assert response.status_code == 303
    with app.app_context():
        fields = db.session.scalar(select(Record)).fields
    assert {key: value for key, value in fields.items() if key == "delay_reason"} == stored


def test_check_your_answers_leaves_out_the_delay_question_while_the_deadline_is_ahead(client, people, auth):
    auth.sign_in(people.practitioner)
    ahead = client.post("/visits/new", data=_visit("22", "09:00", auth.token)).get_data(as_text=True)
    assert "Check your answers" in ahead
    assert "Why is this record late?" not in ahead
    passed = client.post("/visits/new", data=_visit("10", "09:00", auth.token)).get_data(as_text=True)
    assert "Why is this record late?" in passed and f'app-answer">{REASON}<' in passed


@pytest.mark.parametrize(
    "record_type, event_at, expected",
    [
        ("visit", datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc), AHEAD),  # due exactly now
        ("visit", datetime(2026, 11, 20, 9, 59, tzinfo=timezone.utc), PASSED),
        ("no_such_record_type", datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc), None),
    ],
)
def test_the_deadline_state_is_the_engines(app, record_type, event_at, expected):
    with app.app_context():
        facts = ChildFacts("WK-2", policy("warwickshire"), None, False)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    assert deadline_state(facts, record_type, False, event_at, now) == expected
