"""Properties of the arithmetic that must hold for any instant, not just the worked examples."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.timeliness import Window, default_calendar

from .helpers import LONDON

CALENDAR = default_calendar()

# Property runs stray past the published horizon; the arithmetic there is still checkable.
pytestmark = pytest.mark.filterwarnings("ignore::webapp.timeliness.errors.HorizonWarning")

# Instants from 1995 to the end of 2028 (the published horizon), any second, as UTC.
instants = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2028, 11, 30), timezones=st.just(timezone.utc)
)
# Local wall-clock times, including ones inside clock-change gaps and folds.
local_instants = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2028, 11, 30), timezones=st.just(LONDON)
)
amounts = st.integers(min_value=1, max_value=60)


@given(event_at=instants, n=amounts)
def test_working_days_due_is_local_midnight_after_a_working_day(event_at, n):
    due = Window("working_days", n).due_at(event_at, CALENDAR)
    local = due.astimezone(LONDON)
    assert local.time() == time(0, 0)
    last_day = local.date() - timedelta(days=1)
    assert CALENDAR.is_working_day(last_day)
    # Exactly n working days after the event's local date, up to and including the last day.
    assert CALENDAR.working_days_between(event_at.astimezone(LONDON).date(), last_day) == n


@given(event_at=instants, n=st.integers(min_value=1, max_value=59))
def test_working_days_due_never_decreases_as_n_grows(event_at, n):
    shorter = Window("working_days", n).due_at(event_at, CALENDAR)
    longer = Window("working_days", n + 1).due_at(event_at, CALENDAR)
    assert longer > shorter


@given(event_at=instants, n=st.integers(min_value=1, max_value=200))
def test_working_hours_due_never_decreases_as_n_grows(event_at, n):
    assert Window("working_hours", n + 1).due_at(event_at, CALENDAR) > Window("working_hours", n).due_at(
        event_at, CALENDAR
    )


@given(event_at=local_instants, n=st.integers(min_value=1, max_value=24 * 30))
def test_hours_window_is_exactly_n_hours_of_elapsed_time(event_at, n):
    due = Window("hours", n).due_at(event_at, CALENDAR)
    assert due - event_at.astimezone(timezone.utc) == timedelta(hours=n)


@given(event_at=instants, n=st.integers(min_value=1, max_value=30))
def test_calendar_days_due_is_local_midnight_n_plus_one_days_on(event_at, n):
    due = Window("calendar_days", n).due_at(event_at, CALENDAR).astimezone(LONDON)
    assert due.time() == time(0, 0)
    assert due.date() - event_at.astimezone(LONDON).date() == timedelta(days=n + 1)


@settings(max_examples=50)
@given(event_at=instants, n=st.integers(min_value=1, max_value=100))
def test_working_hours_count_only_time_on_working_days(event_at, n):
    due = Window("working_hours", n).due_at(event_at, CALENDAR)
    # Walk the interval hour boundary by boundary, adding the part on working days.
    counted = timedelta(0)
    cursor = event_at
    while cursor < due:
        local = cursor.astimezone(LONDON)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), time(0), LONDON).astimezone(timezone.utc)
        step_end = min(next_midnight, due)
        if CALENDAR.is_working_day(local.date()):
            counted += step_end - cursor
        cursor = step_end
    assert counted == timedelta(hours=n)
    # And the due instant is on a working day, or the very start of one.
    due_local = due.astimezone(LONDON)
    assert CALENDAR.is_working_day(due_local.date())


@given(anchor_at=instants, n=st.integers(min_value=1, max_value=30))
def test_working_days_before_is_n_working_days_before_the_anchor(anchor_at, n):
    due = Window("working_days_before", n, "meeting_at").due_at(anchor_at, CALENDAR, anchor_at)
    last_day = due.astimezone(LONDON).date() - timedelta(days=1)
    anchor_day = anchor_at.astimezone(LONDON).date()
    assert CALENDAR.is_working_day(last_day)
    # The last day and the anchor day bracket n - 1 working days strictly between them.
    between = CALENDAR.working_days_between(last_day, anchor_day) - CALENDAR.is_working_day(anchor_day)
    assert between == n - 1


@given(anchor_at=instants, n=st.integers(min_value=1, max_value=60))
def test_calendar_days_before_ends_the_local_date_n_days_before_the_anchor(anchor_at, n):
    due = Window("calendar_days_before", n, "meeting_at").due_at(anchor_at, CALENDAR, anchor_at)
    local = due.astimezone(LONDON)
    # A local midnight, whatever the clock changes between the due date and the anchor.
    assert local.time() == time(0, 0)
    assert local.date() - timedelta(days=1) == anchor_at.astimezone(LONDON).date() - timedelta(days=n)
