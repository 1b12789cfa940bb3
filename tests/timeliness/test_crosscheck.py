"""Working-day arithmetic checked against numpy.busday_offset and GOV.UK's own bank holiday list."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays
from hypothesis import given
from hypothesis import strategies as st

from webapp.timeliness import WorkingCalendar, default_calendar, england_and_wales_holidays

CALENDAR = default_calendar()
NUMPY_CALENDAR = np.busdaycalendar(holidays=england_and_wales_holidays())

# Offsets from late 2028 run past the published horizon; both sides use the same forecast there.
pytestmark = pytest.mark.filterwarnings("ignore::webapp.timeliness.errors.HorizonWarning")

days = st.dates(min_value=date(1991, 1, 1), max_value=date(2028, 12, 1))


def numpy_add_working_days(day: date, n: int, calendar: np.busdaycalendar) -> date:
    """Same definition via numpy: roll to the last working day on or before, then step n."""
    if n > 0:
        return numpy_date(np.busday_offset(np.datetime64(day, "D"), n, roll="backward", busdaycal=calendar))
    return numpy_date(np.busday_offset(np.datetime64(day, "D"), n, roll="forward", busdaycal=calendar))


def numpy_date(value: np.datetime64) -> date:
    return value.astype("datetime64[D]").astype(object)


@given(day=days, n=st.integers(min_value=1, max_value=40))
def test_add_working_days_matches_numpy(day, n):
    assert CALENDAR.add_working_days(day, n) == numpy_add_working_days(day, n, NUMPY_CALENDAR)


@given(day=days, n=st.integers(min_value=-40, max_value=-1))
def test_working_days_before_matches_numpy(day, n):
    assert CALENDAR.add_working_days(day, n) == numpy_add_working_days(day, n, NUMPY_CALENDAR)


@given(day=days)
def test_is_working_day_matches_numpy(day):
    assert CALENDAR.is_working_day(day) == bool(np.is_busday(np.datetime64(day, "D"), busdaycal=NUMPY_CALENDAR))


@given(start=st.dates(min_value=date(1991, 1, 1), max_value=date(2027, 11, 1)),
       span=st.integers(min_value=0, max_value=400))
def test_working_days_between_matches_numpy(start, span):
    end = start + timedelta(days=span)
    expected = int(np.busday_count(np.datetime64(start + timedelta(days=1)), np.datetime64(end + timedelta(days=1)),
                                   busdaycal=NUMPY_CALENDAR))
    assert CALENDAR.working_days_between(start, end) == expected


# -- GOV.UK's published list ------------------------------------------------------------------


@pytest.fixture(scope="module")
def govuk_holidays() -> list[date]:
    """The list bundled with govuk-bank-holidays (no network), England and Wales."""
    bank_holidays = BankHolidays(use_cached_holidays=True)
    return [h["date"] for h in bank_holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)]


def test_govuk_list_covers_the_horizon(govuk_holidays):
    from webapp.timeliness import PUBLISHED_HORIZON

    assert max(govuk_holidays).year == PUBLISHED_HORIZON.year


def test_every_working_day_agrees_with_govuk(govuk_holidays):
    govuk = set(govuk_holidays)
    day, last = min(govuk_holidays), max(govuk_holidays)
    disagreements = []
    while day <= last:
        govuk_working = day.weekday() < 5 and day not in govuk
        if CALENDAR.is_working_day(day) != govuk_working:
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


def test_add_working_days_agrees_with_a_calendar_built_from_govuk(govuk_holidays):
    first, last = min(govuk_holidays), max(govuk_holidays)
    govuk_calendar = WorkingCalendar(govuk_holidays, start=first.replace(month=1, day=1),
                                     end=date(last.year + 1, 12, 31), horizon=None)
    day = first + timedelta(days=30)  # room to count back
    while day <= last - timedelta(days=60):
        for n in (1, 2, 3, 5, 10, -1, -5):
            assert CALENDAR.add_working_days(day, n) == govuk_calendar.add_working_days(day, n), (day, n)
        day += timedelta(days=1)


def test_govuk_includes_the_one_offs_the_engine_knows(govuk_holidays):
    for one_off in (date(2022, 9, 19), date(2023, 5, 8), date(2022, 6, 3)):
        assert one_off in govuk_holidays
        assert not CALENDAR.is_working_day(one_off)
