"""The verdicts sync stores, and those `flask policy due` prints, are the ones worked out by hand.

Each case's due instant, rule and verdict come from the policy files and the worked examples in
timeliness.md, not from the engine. So the test fails when sync passes the engine the wrong
facts: another team's service, a child protection plan left out, the wrong received instant.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.factories import Factory, iso, new_record, visit_fields
from webapp.extensions import db
from webapp.models import TimelinessCheck

UTC = timezone.utc


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    authority: str
    service: str
    statuses: tuple[str, ...]
    record_type: str
    flagged_child_protection: bool  # as the practitioner marked the record
    event_at: datetime
    completed_at: datetime
    received_at: datetime
    # Worked out by hand:
    child_protection: bool  # marked, or the child is on a plan
    rule_id: str
    window: str
    due_at: datetime
    verdict: str
    late_by_seconds: int
    cause: str | None


CASES = {
    # Norfolk visits: 2 working days. 24 Dec 2026: Christmas, the weekend and Boxing Day's
    # substitute (Mon 28) are skipped; working days 1 and 2 are Tue 29 and Wed 30, so it is due
    # by the end of Wednesday 30 December (stored as the start of the 31st).
    "norfolk-christmas-on-time": Case(
        "norfolk", "children_social_care", ("child_in_need",), "visit", False,
        utc(2026, 12, 24, 14), utc(2026, 12, 24, 18), utc(2026, 12, 30, 23, 59),
        False, "norfolk_visit", "2 working days", utc(2026, 12, 31), "on_time", 0, None,
    ),
    # Received Monday 4 January 09:00: late by 4 days 9 hours; finished on time, so held up.
    "norfolk-christmas-late": Case(
        "norfolk", "children_social_care", ("child_in_need",), "visit", False,
        utc(2026, 12, 24, 14), utc(2026, 12, 24, 18), utc(2027, 1, 4, 9),
        False, "norfolk_visit", "2 working days", utc(2026, 12, 31), "late", 4 * 86400 + 9 * 3600,
        "synced_late",
    ),
    # Warwickshire, marked child protection: 24 hours from Friday 18 Dec 16:00; a minute late.
    "warwickshire-marked-cp-late": Case(
        "warwickshire", "children_social_care", ("child_in_need",), "visit", True,
        utc(2026, 12, 18, 16), utc(2026, 12, 19, 16, 1), utc(2026, 12, 19, 16, 1),
        True, "warwickshire_visit_child_protection", "24 hours", utc(2026, 12, 19, 16), "late", 60,
        "recorded_late",
    ),
    # Not marked, but the child is on a child protection plan: still 24 hours.
    "warwickshire-on-plan-on-time": Case(
        "warwickshire", "children_social_care", ("child_protection",), "visit", False,
        utc(2026, 12, 18, 16), utc(2026, 12, 18, 20), utc(2026, 12, 19, 15, 59),
        True, "warwickshire_visit_child_protection", "24 hours", utc(2026, 12, 19, 16), "on_time", 0, None,
    ),
    # Neither: the default 72 hours, due Monday 21 Dec 16:00.
    "warwickshire-72-hours": Case(
        "warwickshire", "children_social_care", ("child_in_need",), "visit", False,
        utc(2026, 12, 18, 16), utc(2026, 12, 18, 20), utc(2026, 12, 21, 16, 0),
        False, "warwickshire_default", "72 hours", utc(2026, 12, 21, 16), "on_time", 0, None,
    ),
    # Across the clocks going back: 24 hours from Saturday 24 Oct 10:00 BST (09:00 UTC) ends
    # Sunday 09:00 GMT; received 09:30, 30 minutes late.
    "warwickshire-clock-change": Case(
        "warwickshire", "children_social_care", ("child_protection",), "visit", False,
        utc(2026, 10, 24, 9), utc(2026, 10, 24, 12), utc(2026, 10, 25, 9, 30),
        True, "warwickshire_visit_child_protection", "24 hours", utc(2026, 10, 25, 9), "late", 1800,
        "synced_late",
    ),
    # Havering, by the team's service: a youth justice visit has 24 hours...
    "havering-youth-justice": Case(
        "havering", "youth_justice", ("child_in_need",), "visit", False,
        utc(2026, 11, 16, 10), utc(2026, 11, 16, 12), utc(2026, 11, 17, 10, 30),
        False, "havering_youth_justice_visit", "24 hours", utc(2026, 11, 17, 10), "late", 1800,
        "synced_late",
    ),
    # ... and an early help visit 72 hours, so the same facts are on time.
    "havering-early-help": Case(
        "havering", "early_help", ("early_help",), "visit", False,
        utc(2026, 11, 16, 10), utc(2026, 11, 16, 12), utc(2026, 11, 17, 10, 30),
        False, "havering_early_help_visit", "72 hours", utc(2026, 11, 19, 10), "on_time", 0, None,
    ),
    # A Norfolk case note: the default 2 working days. Friday 20 Nov 09:00 is due by the end of
    # Tuesday 24 Nov; received the Friday after, late by 3 days 9:05, and finished late too.
    "norfolk-case-note": Case(
        "norfolk", "children_social_care", ("child_in_need",), "case_note", False,
        utc(2026, 11, 20, 9), utc(2026, 11, 27, 9), utc(2026, 11, 27, 9, 5),
        False, "norfolk_default", "2 working days", utc(2026, 11, 25), "late", 2 * 86400 + 9 * 3600 + 300,
        "recorded_late",
    ),
}


HAND_WORKED = ("authority", "rule_id", "window", "due_at", "received_at", "verdict", "late_by_seconds", "cause")


def expected_timeliness(case: Case) -> dict:
    return {
        "authority": case.authority,
        "rule_id": case.rule_id,
        "window": case.window,
        "due_at": iso(case.due_at),
        "received_at": iso(case.received_at),
        "verdict": case.verdict,
        "late_by_seconds": case.late_by_seconds,
        "cause": case.cause,
    }


def _compared(timeliness: dict) -> dict:
    """The parts of a verdict worked out by hand (not the policy's content hash, say)."""
    return {key: timeliness[key] for key in HAND_WORKED}


@pytest.fixture
def practitioner(app, request):
    """A practitioner of a team in the case's authority and service, with one allocated child."""
    case = request.param
    with app.app_context():
        make = Factory()
        team = make.team(f"{case.authority} {case.service}", case.authority, case.service)
        user = make.user(team, email="worker@council.test")
        make.child(team, reference="CHILD-1", practitioner=user, statuses=case.statuses)
    return case


@pytest.mark.parametrize("practitioner", CASES.values(), ids=CASES.keys(), indirect=True)
def test_stored_verdict_is_the_hand_worked_one(app, auth, clock, practitioner):
    case = practitioner
    clock.set(case.received_at)
    auth.sign_in("worker@council.test")
    fields = visit_fields() if case.record_type == "visit" else {"note_type": "email", "text": "Emailed the school."}
    record = new_record("CHILD-1", case.event_at, case.completed_at, record_type=case.record_type,
                        fields=fields, child_protection=case.flagged_child_protection)

    [result] = auth.sync([record], case.received_at).get_json()["results"]

    assert result["status"] == "accepted", result
    assert _compared(result["timeliness"]) == expected_timeliness(case)
    with app.app_context():
        stored = db.session.scalar(select(TimelinessCheck).where(TimelinessCheck.record_uuid == record["id"]))
        assert _compared(stored.as_timeliness()) == expected_timeliness(case)
        assert stored.record.child_protection is case.child_protection


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_flask_policy_due_gives_the_hand_worked_verdict(runner, case):
    args = [
        "policy", "due", "--authority", case.authority, "--record-type", case.record_type,
        "--service", case.service, "--event-at", iso(case.event_at),
        "--completed-at", iso(case.completed_at), "--received-at", iso(case.received_at),
    ]
    if case.child_protection:
        args.append("--child-protection")
    cli = runner.invoke(args=args)
    assert cli.exit_code == 0, cli.output
    assert _compared(json.loads(cli.output)) == expected_timeliness(case)
