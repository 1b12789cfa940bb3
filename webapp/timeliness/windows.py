"""Recording windows: how long a record may take to reach the child's file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from webapp.timeliness.calendar import WorkingCalendar
from webapp.timeliness.errors import MissingAnchorError

HOURS = "hours"
WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"
SAME_DAY = "same_day"
SAME_WORKING_DAY = "same_working_day"
WORKING_DAYS_BEFORE = "working_days_before"
HOURS_BEFORE = "hours_before"
CALENDAR_DAYS_BEFORE = "calendar_days_before"

# Kinds whose due instant is the exclusive end of a local day: on time when received_at < due.
DAY_KINDS = frozenset(
    {WORKING_DAYS, CALENDAR_DAYS, SAME_DAY, SAME_WORKING_DAY, WORKING_DAYS_BEFORE, CALENDAR_DAYS_BEFORE}
)
# Kinds whose due instant is a moment: on time when received_at <= due.
INSTANT_KINDS = frozenset({HOURS, WORKING_HOURS, HOURS_BEFORE})
AMOUNT_KINDS = frozenset(
    {HOURS, WORKING_HOURS, WORKING_DAYS, CALENDAR_DAYS, WORKING_DAYS_BEFORE, HOURS_BEFORE, CALENDAR_DAYS_BEFORE}
)
ANCHOR_KINDS = frozenset({WORKING_DAYS_BEFORE, HOURS_BEFORE, CALENDAR_DAYS_BEFORE})
KINDS = DAY_KINDS | INSTANT_KINDS

_UNITS = {
    HOURS: ("hour", "hours"),
    WORKING_HOURS: ("working hour", "working hours"),
    WORKING_DAYS: ("working day", "working days"),
    CALENDAR_DAYS: ("calendar day", "calendar days"),
    WORKING_DAYS_BEFORE: ("working day", "working days"),
    HOURS_BEFORE: ("hour", "hours"),
    CALENDAR_DAYS_BEFORE: ("calendar day", "calendar days"),
}


def describe_anchor(anchor: str) -> str:
    """Readable words for an anchor field name: `meeting_at` -> "the meeting"."""
    words = anchor.removesuffix("_at").replace("_", " ").strip()
    return f"the {words}"


def names_a_day_window(words: str) -> bool:
    """Whether window words, as `Window.describe` writes them, name a day window.

    Stored verdicts keep the words, not the kind; the words of every day kind name days
    ("2 working days", "same day") and those of hour kinds never do, outside the anchor.
    """
    return "day" in words.split(" before ")[0]


@dataclass(frozen=True, slots=True)
class Window:
    """A window kind from timeliness.md with its amount, and the anchor for the *_before kinds."""

    kind: str
    amount: int | None = None
    anchor: str | None = None
    # Worked out once: every verdict carries the words, and hour kinds add the same delta.
    _words: str = field(init=False, repr=False, compare=False)
    _delta: timedelta | None = field(init=False, repr=False, compare=False)
    _exclusive: bool = field(init=False, repr=False, compare=False)

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
        object.__setattr__(self, "_words", self._describe())
        object.__setattr__(self, "_exclusive", self.kind in DAY_KINDS)
        object.__setattr__(
            self, "_delta", timedelta(hours=self.amount) if self.kind in INSTANT_KINDS else None
        )

    @property
    def exclusive(self) -> bool:
        """Whether due is the exclusive end of a day (on time only when received before it)."""
        return self._exclusive

    def describe(self) -> str:
        """The window in words, as stored on every verdict: "2 working days", "same day"."""
        return self._words

    def _describe(self) -> str:
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
        return self.due_at_utc(
            calendar.utc(event_at),
            calendar,
            None if anchor_at is None else calendar.utc(anchor_at),
        )

    def due_at_utc(
        self,
        event_at: datetime,
        calendar: WorkingCalendar,
        anchor_at: datetime | None = None,
    ) -> datetime:
        """`due_at` for instants already in UTC (the engine's hot path)."""
        kind = self.kind
        if kind == WORKING_DAYS:
            return calendar.working_days_end(event_at, self.amount)
        if kind == HOURS:
            # Real elapsed time: UTC arithmetic, so a clock change cannot stretch the window.
            return event_at + self._delta
        if kind == CALENDAR_DAYS:
            return calendar.end_of_index(calendar.day_index(event_at) + self.amount)
        if kind == SAME_DAY:
            return calendar.end_of_index(calendar.day_index(event_at))
        if kind == SAME_WORKING_DAY:
            return calendar.end_of_index(calendar.working_day_index(calendar.day_index(event_at), 0))
        if kind == WORKING_HOURS:
            return calendar.add_working_hours(event_at, self.amount)
        if anchor_at is None:
            raise MissingAnchorError(f"{self.describe()} needs {self.anchor}")
        if kind == WORKING_DAYS_BEFORE:
            index = calendar.working_day_index(calendar.day_index(anchor_at), -self.amount)
            return calendar.end_of_index(index)
        if kind == CALENDAR_DAYS_BEFORE:
            return calendar.end_of_index(calendar.day_index(anchor_at) - self.amount)
        # HOURS_BEFORE
        return anchor_at - self._delta
