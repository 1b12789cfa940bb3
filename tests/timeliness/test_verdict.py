"""Verdicts: on time or late, by how much, and why."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from webapp.timeliness import (
    MissingAnchorError,
    NaiveDatetimeError,
    RecordFacts,
    UnknownRecordType,
    Window,
    evaluate,
    parse_instant,
)

from .helpers import london, one_rule_policy, utc

HOURS_24 = one_rule_policy(Window("hours", 24), "cp_24h")
WORKING_DAYS_2 = one_rule_policy(Window("working_days", 2), "visit_2wd")
VISIT = london(2026, 12, 18, 16, 0)  # Friday; 24h due Saturday 16:00
RECEIVED_LATE = london(2026, 12, 19, 18, 0)

CAUSE_CASES = [
    # completed_at (device clock), skew, cause
    (None, timedelta(0), "unknown"),
    (london(2026, 12, 19, 15, 0), timedelta(0), "synced_late"),
    (london(2026, 12, 19, 16, 0), timedelta(0), "synced_late"),  # at due is still in time
    (london(2026, 12, 19, 16, 1), timedelta(0), "recorded_late"),
    # The device clock ran 2 hours fast: 17:00 on the device was 15:00 on the server.
    (london(2026, 12, 19, 17, 0), timedelta(hours=-2), "synced_late"),
    # The device clock ran 2 hours slow: 15:00 on the device was 17:00 on the server.
    (london(2026, 12, 19, 15, 0), timedelta(hours=2), "recorded_late"),
    (london(2026, 12, 18, 15, 0), timedelta(0), "unknown"),  # finished before the visit
    (london(2026, 12, 18, 17, 0), timedelta(hours=-2), "unknown"),  # corrected: before the visit
    (london(2026, 12, 19, 18, 5), timedelta(0), "recorded_late"),  # within the 5-minute tolerance
    (london(2026, 12, 19, 18, 6), timedelta(0), "unknown"),  # after it reached the server
    (london(2026, 12, 19, 19, 0), timedelta(hours=-1), "recorded_late"),  # corrected back into range
]


@pytest.mark.parametrize(("completed_at", "skew", "cause"), CAUSE_CASES)
def test_cause_of_lateness(calendar, completed_at, skew, cause):
    facts = RecordFacts("visit", VISIT, completed_at=completed_at)
    verdict = evaluate(HOURS_24, facts, RECEIVED_LATE, calendar, skew=skew)
    assert verdict.verdict == "late"
    assert verdict.cause == cause
    assert verdict.completed_at_corrected == (None if completed_at is None else completed_at + skew)


def test_cause_for_a_day_window_uses_the_exclusive_end(calendar):
    facts = RecordFacts("visit", london(2026, 12, 24, 14), completed_at=london(2026, 12, 31, 0, 0))
    verdict = evaluate(WORKING_DAYS_2, facts, london(2026, 12, 31, 9), calendar)
    assert verdict.cause == "recorded_late"  # finished at the stroke of midnight: too late

    facts = RecordFacts("visit", london(2026, 12, 24, 14), completed_at=london(2026, 12, 30, 23, 59))
    assert evaluate(WORKING_DAYS_2, facts, london(2026, 12, 31, 9), calendar).cause == "synced_late"


def test_on_time_has_no_cause_and_no_lateness(calendar):
    facts = RecordFacts("visit", VISIT, completed_at=london(2027, 1, 1))  # absurd device time
    verdict = evaluate(HOURS_24, facts, london(2026, 12, 19, 9), calendar)
    assert verdict.verdict == "on_time"
    assert verdict.on_time
    assert verdict.cause is None
    assert verdict.late_by == timedelta(0)
    assert verdict.late_by_working_days is None


LATE_DAYS_CASES = [
    # received (London), working days late; due by the end of Wed 30 Dec 2026
    (london(2026, 12, 31, 0, 0), 1),
    (london(2026, 12, 31, 17, 0), 1),
    (london(2027, 1, 1, 10, 0), 1),  # New Year's Day is not a working day
    (london(2027, 1, 4, 10, 0), 2),
    (london(2027, 1, 8, 10, 0), 6),
]


@pytest.mark.parametrize(("received_at", "working_days"), LATE_DAYS_CASES)
def test_late_by_working_days(calendar, received_at, working_days):
    facts = RecordFacts("visit", london(2026, 12, 24, 14))
    verdict = evaluate(WORKING_DAYS_2, facts, received_at, calendar)
    assert verdict.verdict == "late"
    assert verdict.late_by_working_days == working_days
    assert verdict.late_by == received_at - london(2026, 12, 31)


def test_verdict_names_policy_version_rule_and_window(calendar):
    verdict = evaluate(WORKING_DAYS_2, RecordFacts("visit", london(2026, 12, 24, 14)), london(2027, 1, 4, 10), calendar)
    assert (verdict.authority, verdict.policy_version, verdict.rule_id, verdict.window) == (
        "example", "0123456789ab", "visit_2wd", "2 working days"
    )


def test_to_dict_is_json_with_utc_instants(calendar):
    facts = RecordFacts("visit", london(2026, 12, 24, 14), completed_at=london(2026, 12, 30, 9))
    verdict = evaluate(WORKING_DAYS_2, facts, london(2027, 1, 4, 10, 0, 30), calendar)
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data == {
        "authority": "example",
        "policy_version": "0123456789ab",
        "rule_id": "visit_2wd",
        "window": "2 working days",
        "due_at": "2026-12-31T00:00:00Z",
        "due_exclusive": True,
        "due_by_local_day": "2026-12-30",
        "received_at": "2027-01-04T10:00:30Z",
        "verdict": "late",
        "late_by_seconds": 4 * 86400 + 10 * 3600 + 30,
        "late_by_working_days": 2,
        "cause": "synced_late",
    }


@pytest.mark.parametrize(
    ("window", "event_at", "due_by_local_day"),
    [
        # Summer: the due date's end is 23:00 UTC, still the London date before midnight.
        (Window("same_day"), london(2026, 7, 1, 10), "2026-07-01"),
        (Window("calendar_days", 7), london(2026, 10, 20, 10), "2026-10-27"),  # across the clock change
        (Window("hours", 24), london(2026, 7, 1, 10), None),
    ],
)
def test_due_by_local_day_names_the_last_date_on_time(calendar, window, event_at, due_by_local_day):
    verdict = evaluate(one_rule_policy(window), RecordFacts("visit", event_at), event_at, calendar)
    assert verdict.to_dict()["due_by_local_day"] == due_by_local_day
    assert verdict.to_dict()["due_exclusive"] is (due_by_local_day is not None)


def test_received_at_is_stored_in_utc(calendar):
    verdict = evaluate(HOURS_24, RecordFacts("visit", VISIT), london(2026, 7, 1, 10), calendar)
    assert verdict.received_at.utcoffset() == timedelta(0)
    assert verdict.received_at == utc(2026, 7, 1, 9)


def test_anchor_comes_from_the_record(calendar):
    policy = one_rule_policy(Window("working_days_before", 5, "meeting_at"), "review_5wd_before")
    facts = RecordFacts("visit", london(2026, 12, 1), anchors={"meeting_at": london(2027, 1, 5, 10)})
    verdict = evaluate(policy, facts, london(2026, 12, 24, 18), calendar)
    assert verdict.due_at == london(2026, 12, 25)
    assert verdict.verdict == "on_time"
    assert verdict.window == "5 working days before the meeting"
    with pytest.raises(MissingAnchorError, match="meeting_at"):
        evaluate(policy, RecordFacts("visit", london(2026, 12, 1)), london(2026, 12, 24, 18), calendar)


@pytest.mark.parametrize("naive", ["event_at", "completed_at", "received_at"])
def test_naive_instants_are_refused(calendar, naive):
    values = {"event_at": VISIT, "completed_at": london(2026, 12, 19), "received_at": RECEIVED_LATE}
    values[naive] = values[naive].replace(tzinfo=None)
    facts = RecordFacts("visit", values["event_at"], completed_at=values["completed_at"])
    with pytest.raises(NaiveDatetimeError):
        evaluate(HOURS_24, facts, values["received_at"], calendar)


def test_unknown_record_type_is_refused(calendar):
    with pytest.raises(UnknownRecordType):
        evaluate(HOURS_24, RecordFacts("strategy_meeting", VISIT), RECEIVED_LATE, calendar)


def test_evaluate_with_the_real_policy_rule_selection(testshire, calendar):
    facts = RecordFacts("visit", VISIT, child_protection=True)
    assert evaluate(testshire, facts, london(2026, 12, 19, 16, 1)).rule_id == "t_visit_cp"
    facts = RecordFacts("visit", VISIT, service="youth_justice")
    verdict = evaluate(testshire, facts, london(2026, 12, 21, 12))
    assert (verdict.rule_id, verdict.window, verdict.verdict) == ("t_default_youth_justice", "1 working day", "on_time")


# -- parse_instant ------------------------------------------------------------------------

PARSE_CASES = [
    ("2026-12-18T16:00:00Z", utc(2026, 12, 18, 16)),
    ("2026-12-18T16:00:00+00:00", utc(2026, 12, 18, 16)),
    ("2026-07-01T10:00:00+01:00", utc(2026, 7, 1, 9)),
    ("2026-12-18T16:00", utc(2026, 12, 18, 16)),  # GMT
    ("2026-07-01T10:00", utc(2026, 7, 1, 9)),  # BST
    ("2026-07-01", utc(2026, 6, 30, 23)),  # local midnight
    ("2026-03-29T01:30", utc(2026, 3, 29, 1, 30)),  # in the spring gap: read as GMT
    ("2026-10-25T01:30", utc(2026, 10, 25, 0, 30)),  # in the autumn fold: first (BST) reading
]


@pytest.mark.parametrize(("text", "instant"), PARSE_CASES)
def test_parse_instant(text, instant):
    parsed = parse_instant(text)
    assert parsed == instant
    assert parsed.utcoffset() == timedelta(0)


def test_parse_instant_refuses_nonsense():
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant("next Tuesday")


def test_parse_instant_result_is_accepted_by_the_engine(calendar):
    facts = RecordFacts("visit", parse_instant("2026-12-18T16:00"))
    assert evaluate(HOURS_24, facts, parse_instant("2026-12-19T16:01"), calendar).late_by == timedelta(minutes=1)


