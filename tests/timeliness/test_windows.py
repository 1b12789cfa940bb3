"""Window kinds and the worked examples of timeliness.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from webapp.timeliness import MissingAnchorError, NaiveDatetimeError, RecordFacts, Window, evaluate
from webapp.timeliness.calendar import PUBLISHED_HORIZON

from .helpers import london, one_rule_policy, utc

FRIDAY_VISIT = london(2026, 12, 18, 16, 0)


# -- worked examples ------------------------------------------------------------------------


def test_warwickshire_child_protection_visit_24_hours(calendar):
    policy = one_rule_policy(Window("hours", 24), "warwickshire_cp_records_24h")
    facts = RecordFacts("visit", FRIDAY_VISIT, child_protection=True)

    assert Window("hours", 24).due_at(FRIDAY_VISIT, calendar) == london(2026, 12, 19, 16, 0)
    on_time = evaluate(policy, facts, london(2026, 12, 19, 15, 59), calendar)
    late = evaluate(policy, facts, london(2026, 12, 19, 16, 1), calendar)

    assert on_time.verdict == "on_time"
    assert on_time.late_by == timedelta(0)
    assert on_time.cause is None
    assert late.verdict == "late"
    assert late.late_by == timedelta(minutes=1)
    assert late.late_by_working_days is None  # an hours window has no working-day count


def test_hours_window_is_inclusive_at_the_due_instant(calendar):
    policy = one_rule_policy(Window("hours", 24))
    verdict = evaluate(policy, RecordFacts("visit", FRIDAY_VISIT), london(2026, 12, 19, 16, 0), calendar)
    assert verdict.verdict == "on_time"


def test_warwickshire_other_visit_72_hours_runs_through_the_weekend(calendar):
    assert Window("hours", 72).due_at(FRIDAY_VISIT, calendar) == london(2026, 12, 21, 16, 0)


def test_clock_change_neither_stretches_nor_shrinks_24_hours(calendar):
    event = london(2026, 10, 24, 10, 0)  # BST
    assert event == utc(2026, 10, 24, 9, 0)
    policy = one_rule_policy(Window("hours", 24))

    verdict = evaluate(policy, RecordFacts("visit", event), london(2026, 10, 25, 9, 30), calendar)

    assert verdict.due_at == utc(2026, 10, 25, 9, 0)
    assert verdict.due_at == london(2026, 10, 25, 9, 0)  # GMT now, so the same wall clock
    assert verdict.verdict == "late"
    assert verdict.late_by == timedelta(minutes=30)


def test_norfolk_christmas_2026_two_working_days(calendar):
    due = Window("working_days", 2).due_at(london(2026, 12, 24, 14, 0), calendar)
    # End of Wednesday 30 Dec: stored as the start of Thursday 31 Dec, exclusive.
    assert due == london(2026, 12, 31, 0, 0)


def test_norfolk_easter_2026_two_working_days(calendar):
    due = Window("working_days", 2).due_at(london(2026, 4, 2, 11, 0), calendar)
    assert due == london(2026, 4, 9, 0, 0)
    assert due == utc(2026, 4, 8, 23, 0)  # BST, so the day ends at 23:00 UTC


def test_boxing_day_substitute_is_not_a_working_day(calendar):
    assert not calendar.is_working_day(date(2026, 12, 28))
    assert calendar.is_working_day(date(2026, 12, 29))
    # Christmas Eve + 1 working day skips Fri 25, the weekend and the Monday substitute.
    assert Window("working_days", 1).due_at(london(2026, 12, 24, 9), calendar) == london(2026, 12, 30)


def test_state_funeral_2022_is_a_one_off_bank_holiday(calendar):
    assert not calendar.is_working_day(date(2022, 9, 19))
    # Friday 16 Sep 2022 + 1 working day: Monday 19 is the state funeral, so Tuesday 20.
    assert Window("working_days", 1).due_at(london(2022, 9, 16, 12), calendar) == london(2022, 9, 21)


def test_working_days_from_saturday_counts_from_monday(calendar):
    assert Window("working_days", 1).due_at(london(2026, 11, 21, 12), calendar) == london(2026, 11, 24)
    # Saturday before the Easter Monday: due by the end of Tuesday.
    assert Window("working_days", 1).due_at(london(2026, 4, 4, 12), calendar) == london(2026, 4, 8)


def test_a_day_window_is_exclusive_at_local_midnight(calendar):
    policy = one_rule_policy(Window("working_days", 2))
    facts = RecordFacts("visit", london(2026, 12, 24, 14, 0))

    last_moment = evaluate(policy, facts, london(2026, 12, 30, 23, 59, 59), calendar)
    stroke_of_midnight = evaluate(policy, facts, london(2026, 12, 31, 0, 0), calendar)

    assert last_moment.verdict == "on_time"
    assert last_moment.due_exclusive
    assert stroke_of_midnight.verdict == "late"


# -- every kind, in a table ------------------------------------------------------------------

KIND_CASES = [
    # window, event (London), anchor, due (London), words
    (Window("hours", 1), london(2026, 3, 29, 0, 30), None, london(2026, 3, 29, 2, 30), "1 hour"),
    (Window("working_hours", 24), london(2026, 12, 24, 14), None, london(2026, 12, 29, 14), "24 working hours"),
    (Window("working_hours", 24), london(2026, 11, 21, 14), None, london(2026, 11, 24, 0), "24 working hours"),
    (Window("working_hours", 72), london(2026, 11, 20, 16), None, london(2026, 11, 25, 16), "72 working hours"),
    (Window("working_hours", 1), london(2026, 11, 20, 23, 30), None, london(2026, 11, 23, 0, 30), "1 working hour"),
    (Window("working_days", 1), london(2026, 11, 23, 9), None, london(2026, 11, 25), "1 working day"),
    (Window("working_days", 5), london(2026, 11, 23, 9), None, london(2026, 12, 1), "5 working days"),
    (Window("calendar_days", 10), london(2026, 12, 24, 14), None, london(2027, 1, 4), "10 calendar days"),
    (Window("calendar_days", 7), london(2026, 3, 25, 23, 30), None, london(2026, 4, 2), "7 calendar days"),
    (Window("same_day"), london(2026, 12, 25, 10), None, london(2026, 12, 26), "same day"),
    (Window("same_working_day"), london(2026, 12, 23, 10), None, london(2026, 12, 24), "same working day"),
    (Window("same_working_day"), london(2026, 12, 25, 10), None, london(2026, 12, 30), "same working day"),
    (Window("working_days_before", 5, "meeting_at"), london(2026, 12, 1), london(2027, 1, 5, 10),
     london(2026, 12, 25), "5 working days before the meeting"),
    (Window("working_days_before", 1, "scheduled_review_at"), london(2026, 11, 1), london(2026, 11, 23, 10),
     london(2026, 11, 21), "1 working day before the scheduled review"),
    (Window("hours_before", 72, "meeting_at"), london(2026, 10, 1), london(2026, 10, 27, 10),
     london(2026, 10, 24, 11), "72 hours before the meeting"),  # across the clock change
    # "10 calendar days prior to the meeting" on Thursday 5 Nov 2026: due by the end of Monday 26 Oct,
    # the day after the clock change (the end of the day is midnight GMT, 00:00 UTC).
    (Window("calendar_days_before", 10, "meeting_at"), london(2026, 10, 1), london(2026, 11, 5, 10),
     london(2026, 10, 27), "10 calendar days before the meeting"),
    # Weekends and bank holidays count: 3 days before Tuesday 29 Dec is Saturday 26 Dec (Boxing Day).
    (Window("calendar_days_before", 3, "meeting_at"), london(2026, 12, 1), london(2026, 12, 29, 9, 30),
     london(2026, 12, 27), "3 calendar days before the meeting"),
]


@pytest.mark.parametrize(("window", "event_at", "anchor_at", "due_at", "words"), KIND_CASES)
def test_window_kinds(calendar, window, event_at, anchor_at, due_at, words):
    assert window.due_at(event_at, calendar, anchor_at) == due_at
    assert window.describe() == words


def test_due_at_is_utc(calendar):
    due = Window("working_days", 2).due_at(london(2026, 7, 1, 12), calendar)
    assert due.utcoffset() == timedelta(0)
    assert due == utc(2026, 7, 3, 23)  # end of Friday 3 July, BST


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "fortnights", "amount": 1}, "unknown window kind"),
        ({"kind": "hours"}, "amount"),
        ({"kind": "hours", "amount": 0}, "amount"),
        ({"kind": "same_day", "amount": 1}, "no amount"),
        ({"kind": "hours_before", "amount": 72}, "needs an anchor"),
        ({"kind": "hours", "amount": 3, "anchor": "meeting_at"}, "no anchor"),
    ],
)
def test_window_rejects_bad_shapes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Window(**kwargs)


def test_before_windows_need_the_anchor_instant(calendar):
    with pytest.raises(MissingAnchorError):
        Window("hours_before", 72, "meeting_at").due_at(london(2026, 10, 1), calendar)


def test_naive_datetimes_are_refused(calendar):
    from datetime import datetime

    with pytest.raises(NaiveDatetimeError):
        Window("hours", 24).due_at(datetime(2026, 12, 18, 16), calendar)
    with pytest.raises(ValueError):
        Window("working_days", 2).due_at(datetime(2026, 12, 18, 16), calendar)


def test_dates_beyond_the_published_horizon_warn(calendar):
    from webapp.timeliness import HorizonWarning

    assert PUBLISHED_HORIZON == date(2028, 12, 31)
    with pytest.warns(HorizonWarning, match="2029-01"):
        Window("working_days", 2).due_at(london(2028, 12, 29, 12), calendar)


def test_dates_within_the_horizon_do_not_warn(calendar, recwarn):
    Window("working_days", 2).due_at(london(2028, 12, 20, 12), calendar)
    assert not [w for w in recwarn if w.category.__name__ == "HorizonWarning"]


def test_day_windows_of_every_kind_warn_beyond_the_horizon(calendar):
    from webapp.timeliness import HorizonWarning

    for window in (Window("calendar_days", 3), Window("same_day"), Window("working_hours", 8)):
        with pytest.warns(HorizonWarning):
            window.due_at(london(2029, 2, 1, 12), calendar)


@pytest.mark.filterwarnings("ignore::webapp.timeliness.errors.HorizonWarning")
def test_dates_outside_the_calendar_span_are_refused(calendar):
    from webapp.timeliness import OutsideCalendarError

    with pytest.raises(OutsideCalendarError, match="outside the working calendar"):
        Window("working_days", 2).due_at(london(1985, 1, 1), calendar)
    with pytest.raises(OutsideCalendarError):
        Window("calendar_days", 10).due_at(london(2045, 12, 30), calendar)
