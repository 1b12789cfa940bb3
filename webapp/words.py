"""Durations, dates and times in words: the one place pages, the CSV export and the CLI take them.

Each use has one format:
- a duration (late by, delay, clock skew): `duration_words`, "2 days 5 hours";
- a wait before trying again: `wait_words`, "30 seconds", rounded up;
- how far a tablet's clock was out: `clock_words`, "2 hours slow";
- an instant (an event, a receipt, a review): `london_datetime`, "Mon 23 Nov 2026, 14:30";
- a day with its weekday (the last day a record is on time): `weekday_date`, "Mon 23 Nov 2026";
- a recording deadline: `deadline_words`, "by the end of Wednesday 8 April" for a day window
  and "by 16:00 on Thursday 9 April" for an hour window;
- a day in prose (a date of birth, a period, a last visit): `long_date`, "23 November 2026";
- a day where room is short (chart axes, week rows): `short_date`, "23 Nov";
- an instant in a spreadsheet a person reads (the managers' CSV): `numeric_datetime`,
  "23/11/2026 14:30", which Excel in a UK locale reads as a date and time;
- an instant for a machine (JSON, CSV): `webapp.timeliness.iso_utc`, "2026-11-23T14:30:00Z".

static/js/words.mjs mirrors `duration_words`, `london_datetime` and `deadline_words` for pages drawn on the
device (the others are written on the server only); tests/field/verdict_words_examples.json
is the table of examples both must produce.
Month and day names are spelt here rather than by the locale, so that the server, whatever
its locale, and every browser write the same words.
"""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from webapp.timeliness import LONDON

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _unit(amount: int, name: str) -> str:
    return f"{amount} {name}" if amount == 1 else f"{amount} {name}s"


def duration_words(seconds: float) -> str:
    """'3 hours 10 minutes', '2 days 5 hours', 'less than a minute'.

    Rounded down: a record 59 seconds late is late by "less than a minute", never "1 minute".
    Past a day, minutes no longer help the reader, so they are left out. A negative duration
    reads as "less than a minute"; callers that mean a direction (a clock ahead or behind) say
    it in their own words.
    """
    seconds = int(max(seconds, 0))
    if seconds < MINUTE:
        return "less than a minute"
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    if days:
        parts = [_unit(days, "day"), _unit(hours, "hour") if hours else ""]
    else:
        parts = [_unit(hours, "hour") if hours else "", _unit(minutes, "minute") if minutes else ""]
    return " ".join(part for part in parts if part)


def _london_day(value: date) -> date:
    """A date as it is, an instant as its day in London."""
    return value.astimezone(LONDON).date() if isinstance(value, datetime) else value


def london_datetime(instant: datetime) -> str:
    """'Mon 23 Nov 2026, 14:30' in London time."""
    local = instant.astimezone(LONDON)
    return f"{weekday_date(local.date())}, {local.hour:02}:{local.minute:02}"


def weekday_date(value: date) -> str:
    """'Mon 23 Nov 2026'; an instant gives its day in London."""
    day = _london_day(value)
    return f"{WEEKDAYS[day.weekday()][:3]} {short_date(day)} {day.year}"


def day_words(value: date) -> str:
    """'Wednesday 8 April'; an instant gives its day in London."""
    day = _london_day(value)
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def deadline_words(due_at: datetime, exclusive: bool) -> str:
    """When a record must reach the file: 'by the end of Wednesday 8 April' or 'by 16:00 on Thursday 9 April'.

    A day window's `due_at` is the exclusive midnight that ends its last day, so the day named
    is the one before it; an hour window's is the last moment that is still on time.
    """
    if exclusive:
        return f"by the end of {day_words(due_at - timedelta(microseconds=1))}"
    local = due_at.astimezone(LONDON)
    return f"by {local.hour:02}:{local.minute:02} on {day_words(local.date())}"


def numeric_datetime(instant: datetime) -> str:
    """'23/11/2026 14:30' in London time."""
    local = instant.astimezone(LONDON)
    return f"{local.day:02}/{local.month:02}/{local.year} {local.hour:02}:{local.minute:02}"


def clock_words(skew_seconds: float) -> str:
    """How far a tablet's clock was out: '2 hours slow', '5 minutes fast', 'right to within a minute'.

    `skew_seconds` is the server's time less the tablet's, so a positive skew is a clock that
    is slow (behind).
    """
    if abs(skew_seconds) < MINUTE:
        return "right to within a minute"
    return f"{duration_words(abs(skew_seconds))} {'slow' if skew_seconds > 0 else 'fast'}"


def long_date(value: date) -> str:
    """'23 November 2026'; an instant gives its day in London."""
    day = _london_day(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(value: date) -> str:
    """'23 Nov'; an instant gives its day in London."""
    day = _london_day(value)
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def wait_words(seconds: float) -> str:
    """How long someone must wait: '30 seconds', '15 minutes'.

    Rounded up, unlike `duration_words`: told to wait 30 seconds, a person who tries again
    after 30 must not be refused. Never "0 seconds".
    """
    seconds = max(1, math.ceil(seconds))
    if seconds < 2 * MINUTE:
        return _unit(seconds, "second")
    return _unit(math.ceil(seconds / MINUTE), "minute")


# -- visit schedules -------------------------------------------------------------------------

REQUIREMENT_LABELS = {
    "visit": "Visit",
    "seen_alone": "Seen alone",
    "bedroom_seen": "Bedroom seen",
    "unannounced_visit": "Unannounced visit",
}
# A visit schedule's status as a GOV.UK tag: its words, then the tag's colour modifier.
DUE_STATUS_TAGS = {
    "overdue": ("Overdue", "govuk-tag--red"),
    "due_soon": ("Due soon", "govuk-tag--yellow"),
    "ok": ("On track", "govuk-tag--green"),
}


def working_days_words(count: int) -> str:
    """'1 working day', '3 working days'."""
    return _unit(count, "working day")


def due_day_words(day: date, today: date) -> str:
    """'Friday 4 December', with the year when it is not this year's: 'Monday 4 January 2027'."""
    words = day_words(day)
    return words if day.year == today.year else f"{words} {day.year}"


def due_words(requirement: str, due_by: date | None, today: date, working_days_between) -> str:
    """When a requirement is next due, as a practitioner reads it on the caseload.

    'Visit due by Friday 4 December (in 3 working days)', 'Overdue by 2 working days',
    'Seen alone due today'. `working_days_between(after, up_to)` is the working calendar's
    count (WorkingCalendar.working_days_between), so weekends and bank holidays do not count.
    """
    label = REQUIREMENT_LABELS.get(requirement, requirement)
    if due_by is None:
        return f"{label}: nothing more due"
    if today > due_by:
        late = working_days_between(due_by, today)
        prefix = "Overdue" if requirement == "visit" else f"{label} overdue"
        if late == 0:
            return f"{prefix} since {due_day_words(due_by, today)}"
        return f"{prefix} by {working_days_words(late)}"
    if today == due_by:
        return f"{label} due today"
    left = working_days_between(today, due_by)
    after = f"in {working_days_words(left)}" if left else "no working days before it"
    return f"{label} due by {due_day_words(due_by, today)} ({after})"
