"""Working-day calendar for England and Wales, precomputed so each lookup is a list index."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from webapp.timeliness.errors import HorizonWarning, NaiveDatetimeError, OutsideCalendarError

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc

# The span every calendar is precomputed for. Records older than 1990 or due after 2045 are
# not something this service will ever see; outside it we refuse rather than guess.
SPAN_START = date(1990, 1, 1)
SPAN_END = date(2045, 12, 31)

# GOV.UK publishes England and Wales bank holidays about two years ahead; the bundled list in
# govuk-bank-holidays ends with Boxing Day 2028. As of November 2026 nothing later is official:
# the `holidays` package extrapolates the usual rules, but a one-off (a state funeral, a
# coronation, a jubilee) can still be declared. Dates after this one get a HorizonWarning so a
# verdict computed against a forecast calendar is never silently presented as settled.
PUBLISHED_HORIZON = date(2028, 12, 31)

_ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Working days (Monday to Friday, not a bank holiday) over a fixed span of dates.

    Everything is precomputed into lists indexed by `ordinal - first ordinal`:
    - `_cumulative[i]`: working days from the start of the span up to and including day i;
    - `_working`: the ordinals of the working days, in order;
    - `_midnight_utc[i]`: the UTC instant of local midnight starting day i (one extra day at
      the end, so the exclusive end of the last day exists).
    Local midnight is never inside a Europe/London clock change (they happen at 01:00 UTC),
    so each day's start is a single, unambiguous instant.

    Raises:
        OutsideCalendarError: when asked about a date outside the span.
    """

    def __init__(
        self,
        holiday_dates: Iterable[date],
        *,
        tz: ZoneInfo = LONDON,
        start: date = SPAN_START,
        end: date = SPAN_END,
        horizon: date | None = PUBLISHED_HORIZON,
    ):
        self.tz = tz
        self.start = start
        self.end = end
        self.horizon = horizon
        self.holidays = frozenset(d for d in holiday_dates if start <= d <= end)
        self._first = start.toordinal()
        self._last = end.toordinal()
        self._horizon_index = horizon.toordinal() - self._first if horizon else None
        self._days = self._last - self._first + 1
        # Indexes up to here need no range check and no horizon warning.
        self._fast_until = min(self._days - 1, self._horizon_index if horizon else self._days - 1)
        holiday_ordinals = {d.toordinal() for d in self.holidays}

        cumulative: list[int] = []
        working: list[int] = []
        is_working: list[bool] = []
        count = 0
        for ordinal in range(self._first, self._last + 1):
            # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is the ISO weekday - 1.
            open_day = (ordinal - 1) % 7 < 5 and ordinal not in holiday_ordinals
            if open_day:
                count += 1
                working.append(ordinal)
            cumulative.append(count)
            is_working.append(open_day)
        self._cumulative = cumulative
        self._working = working
        self._is_working = is_working

        midnights: list[datetime] = []
        for ordinal in range(self._first, self._last + 2):
            local = datetime.fromordinal(ordinal).replace(tzinfo=tz)
            midnights.append(local.astimezone(UTC))
        self._midnight_utc = midnights

    # -- day indexes: the hot path works on positions in the precomputed lists ------------

    def _check(self, index: int) -> int:
        """Return a day index unchanged, refusing it outside the span and warning past the horizon."""
        if index < 0 or index >= len(self._cumulative):
            raise OutsideCalendarError(
                f"{date.fromordinal(index + self._first).isoformat()} is outside the working "
                f"calendar ({self.start.isoformat()} to {self.end.isoformat()})"
            )
        if self._horizon_index is not None and index > self._horizon_index:
            self._warn_horizon(date.fromordinal(index + self._first))
        return index

    def _warn_horizon(self, day: date) -> None:
        warnings.warn(
            f"{day.isoformat()} is beyond the bank holidays GOV.UK has published "
            f"(to {self.horizon.isoformat()}); working days there are a forecast",
            HorizonWarning,
            stacklevel=5,
        )

    def utc(self, instant: datetime) -> datetime:
        """The instant in UTC.

        Raises:
            NaiveDatetimeError: the instant has no UTC offset.
        """
        tz = instant.tzinfo
        if tz is UTC:
            return instant
        if tz is None or instant.utcoffset() is None:
            require_aware(instant)
        return instant.astimezone(UTC)

    def day_index(self, instant_utc: datetime) -> int:
        """Index of the local date of a UTC instant, without a time zone conversion.

        London is UTC or UTC+1, so the local date is the UTC date or the day after; one
        comparison with the precomputed start of the next local day decides which.
        """
        index = instant_utc.toordinal() - self._first
        if 0 <= index < self._days:
            if instant_utc >= self._midnight_utc[index + 1]:
                index += 1
            if index <= self._fast_until:
                return index
        return self._check(index)

    def working_days_end(self, instant_utc: datetime, n: int) -> datetime:
        """The exclusive end of the nth working day (n >= 1) after the instant's local date.

        The same as end_of_index(working_day_index(day_index(instant), n)), fused because it
        is the commonest window and every verdict pays for it.
        """
        index = instant_utc.toordinal() - self._first
        if 0 <= index < self._days:
            if instant_utc >= self._midnight_utc[index + 1]:
                index += 1
            if index < self._days:
                position = self._cumulative[index] + n - 1
                if position < len(self._working):
                    due_index = self._working[position] - self._first
                    if due_index <= self._fast_until:
                        return self._midnight_utc[due_index + 1]
        return self.end_of_index(self.working_day_index(self.day_index(instant_utc), n))

    def working_day_index(self, index: int, n: int) -> int:
        """Day index of the nth working day after day `index` (n > 0), before it (n < 0),
        or for n == 0 the day itself if it is a working day, else the next working day."""
        done = self._cumulative[index]  # working days up to and including the day
        if n > 0:
            position = done + n - 1
        elif n < 0:
            position = done - self._is_working[index] + n
        else:
            position = done - self._is_working[index]
        if position < 0 or position >= len(self._working):
            raise OutsideCalendarError(
                f"{n} working days from {date.fromordinal(index + self._first).isoformat()} "
                "is outside the working calendar"
            )
        return self._check(self._working[position] - self._first)

    def working_days_late(self, due_at: datetime, received_at: datetime) -> int:
        """Working days from the end of a day window's due date to the day received_at falls on.

        `due_at` is an exclusive day end, so its own index is the day after the due date.
        """
        first, midnights, days = self._first, self._midnight_utc, self._days
        received = received_at.toordinal() - first
        due = due_at.toordinal() - first
        if 0 <= received < days and 0 <= due < days:
            # day_index inlined: the UTC date, or the next day once past local midnight.
            if received_at >= midnights[received + 1]:
                received += 1
            if due_at >= midnights[due + 1]:
                due += 1
            if received <= self._fast_until:
                return self._cumulative[received] - self._cumulative[due - 1]
        return self._cumulative[self.day_index(received_at)] - self._cumulative[self.day_index(due_at) - 1]

    def end_of_index(self, index: int) -> datetime:
        """The exclusive end of day `index`: the local midnight starting the next day, in UTC.

        A day ends where the next begins, so that a clock change cannot move the boundary and
        no "23:59:59.999" rounding question arises.
        """
        return self._midnight_utc[self._check(index) + 1]

    # -- date questions -------------------------------------------------------------------

    def _index(self, day: date) -> int:
        return self._check(day.toordinal() - self._first)

    def is_working_day(self, day: date) -> bool:
        """Whether the date is Monday to Friday and not a bank holiday."""
        return self._is_working[self._index(day)]

    def add_working_days(self, day: date, n: int) -> date:
        """The nth working day after `day` (n > 0) or before it (n < 0); `day` itself never counts.

        n == 0 gives `day` if it is a working day, otherwise the next working day.
        """
        return date.fromordinal(self.working_day_index(self._index(day), n) + self._first)

    def working_days_between(self, after: date, up_to: date) -> int:
        """Working days d with after < d <= up_to (negative when up_to is earlier)."""
        return self._cumulative[self._index(up_to)] - self._cumulative[self._index(after)]

    # -- instants -------------------------------------------------------------------------

    def add_working_hours(self, instant: datetime, hours: int) -> datetime:
        """`instant` plus `hours` counted only on working days, each worth its whole 24 hours.

        If the instant is on a non-working day, counting starts at 00:00 of the next working
        day. When the count runs out exactly at midnight the due instant is the start of the
        next working day: time on the non-working days in between does not count, so a record
        arriving then has still used no more than `hours` working hours.
        """
        instant = self.utc(instant)
        i = self.day_index(instant)
        if self._is_working[i]:
            position = self._cumulative[i] - 1
            # Working days are never clock-change days (those are Sundays), so every working
            # day is 86 400 real seconds long and UTC subtraction measures time into the day.
            into_day = instant - self._midnight_utc[i]
        else:
            position = self._cumulative[i]
            into_day = _ZERO
        whole_days, remainder = divmod(into_day + timedelta(hours=hours), _ONE_DAY)
        position += whole_days
        if position >= len(self._working):
            raise OutsideCalendarError(
                f"{hours} working hours from {instant.isoformat()} is outside the working calendar"
            )
        due_index = self._check(self._working[position] - self._first)
        return self._midnight_utc[due_index] + remainder


def require_aware(instant: datetime) -> datetime:
    """Return the instant unchanged if it carries a UTC offset.

    Raises:
        NaiveDatetimeError: it does not; the engine never guesses a time zone.
    """
    if not isinstance(instant, datetime):
        raise TypeError(f"expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{instant.isoformat()} has no UTC offset; localise it before calling the engine"
        )
    return instant


def england_and_wales_holidays(start: date = SPAN_START, end: date = SPAN_END) -> list[date]:
    """Bank holidays in England and Wales from the `holidays` package, one-offs included."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, end.year + 1))
    return sorted(d for d in calendar if start <= d <= end)


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """The shared England and Wales calendar in Europe/London, built once per process."""
    return WorkingCalendar(england_and_wales_holidays())


def parse_instant(text: str, tz: ZoneInfo = LONDON) -> datetime:
    """Parse ISO 8601 text into an aware UTC datetime; without an offset it is local time.

    A local time inside the spring-forward gap (e.g. 01:30 on the last Sunday of March) is
    read with the offset in force before the change, so it lands one hour later on the
    clock (01:30 GMT = 02:30 BST). A local time repeated in the autumn fold is read as the
    first occurrence (BST). Both follow zoneinfo's fold=0 and never depend on the machine.

    Raises:
        ValueError: the text is not an ISO 8601 date or date-time.
    """
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz, fold=0)
    return parsed.astimezone(UTC)
