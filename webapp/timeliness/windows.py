"""Recording windows: how long a record may take to reach the child's file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from webapp.timeliness.calendar import UTC, WorkingCalendar, require_aware
from webapp.timeliness.errors import MissingAnchorError

HOURS = "hours"
WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
SAME_DAY = "same_day"
SAME_WORKING_DAY = "same_working_day"
WORKING_DAYS_BEFORE = "working_days_before"
HOURS_BEFORE = "hours_before"

# Kinds whose due instant is the exclusive end of a local day: on time when received_at < due.
DAY_KINDS = frozenset({WORKING_DAYS, CALENDAR_DAYS, SAME_DAY, SAME_WORKING_DAY, WORKING_DAYS_BEFORE})
# Kinds whose due instant is a moment: on time when received_at <= due.
INSTANT_KINDS = frozenset({HOURS, WORKING_HOURS, HOURS_BEFORE})
AMOUNT_KINDS = frozenset(
    {HOURS, WORKING_HOURS, WORKING_DAYS, CALENDAR_DAYS, WORKING_DAYS_BEFORE, HOURS_BEFORE}
)
ANCHOR_KINDS = frozenset({WORKING_DAYS_BEFORE, HOURS_BEFORE})
KINDS = DAY_KINDS | INSTANT_KINDS

_UNITS = {
    HOURS: ("hour", "hours"),
    WORKING_HOURS: ("working hour", "working hours"),
    WORKING_DAYS: ("working day", "working days"),
    CALENDAR_DAYS: ("calendar day", "calendar days"),
    WORKING_DAYS_BEFORE: ("working day", "working days"),
    HOURS_BEFORE: ("hour", "hours"),
}


def describe_anchor(anchor: str) -> str:
    """Readable words for an anchor field name: `meeting_at` -> "the meeting"."""
    words = anchor.removesuffix("_at").replace("_", " ").strip()
    return f"the {words}"


@dataclass(frozen=True, slots=True)
class Window:
    """A window kind from timeliness.md with its amount, and the anchor for the *_before kinds."""

    kind: str
    amount: int | None = None
    anchor: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown window kind {self.kind!r}")
        if self.kind in AMOUNT_KINDS:
            if not isinstance(self.amount, int) or isinstance(self.amount, bool) or self.amount < 1:
                raise ValueError(f"{self.kind} needs a whole amount of at least 1")
        elif self.amount is not None:
            raise ValueError(f"{self.kind} takes no amount")
        if (self.kind in ANCHOR_KINDS) != (self.anchor is not None):
            raise ValueError(
                f"{self.kind} needs an anchor"
                if self.kind in ANCHOR_KINDS
                else f"{self.kind} takes no anchor"
            )

    @property
    def exclusive(self) -> bool:
        """Whether due is the exclusive end of a day (on time only when received before it)."""
        return self.kind in DAY_KINDS

    def describe(self) -> str:
        """The window in words, as stored on every verdict: "2 working days", "same day"."""
        if self.kind == SAME_DAY:
            return "same day"
        if self.kind == SAME_WORKING_DAY:
            return "same working day"
        singular, plural = _UNITS[self.kind]
        words = f"{self.amount} {singular if self.amount == 1 else plural}"
        if self.kind in ANCHOR_KINDS:
            words += f" before {describe_anchor(self.anchor)}"
        return words

    def due_at(
        self,
        event_at: datetime,
        calendar: WorkingCalendar,
        anchor_at: datetime | None = None,
    ) -> datetime:
        """The due instant in UTC; exclusive for day kinds (see `exclusive`).

        Raises:
            NaiveDatetimeError: an instant has no UTC offset.
            MissingAnchorError: a *_before window without `anchor_at`.
            OutsideCalendarError: a date outside the precomputed calendar.
        """
        kind = self.kind
        if kind == HOURS:
            # Real elapsed time: UTC arithmetic, so a clock change cannot stretch the window.
            return require_aware(event_at).astimezone(UTC) + timedelta(hours=self.amount)
        if kind == WORKING_DAYS:
            day = calendar.local_date(event_at)
            return calendar.end_of_day(calendar.add_working_days(day, self.amount))
        if kind == CALENDAR_DAYS:
            day = calendar.local_date(event_at)
            return calendar.end_of_day(day + timedelta(days=self.amount))
        if kind == SAME_DAY:
            return calendar.end_of_day(calendar.local_date(event_at))
        if kind == SAME_WORKING_DAY:
            day = calendar.local_date(event_at)
            return calendar.end_of_day(calendar.add_working_days(day, 0))
        if kind == WORKING_HOURS:
            return calendar.add_working_hours(event_at, self.amount)
        if anchor_at is None:
            raise MissingAnchorError(f"{self.describe()} needs {self.anchor}")
        if kind == WORKING_DAYS_BEFORE:
            day = calendar.local_date(anchor_at)
            return calendar.end_of_day(calendar.add_working_days(day, -self.amount))
        # HOURS_BEFORE
        return require_aware(anchor_at).astimezone(UTC) - timedelta(hours=self.amount)
