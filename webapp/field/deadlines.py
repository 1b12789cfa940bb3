"""When a record still being written must reach the file, worked out ahead for the device.

The record forms show "Must reach the file by …" as the worker types, offline too. Rather
than a second engine of working days in JavaScript, the server asks the engine
(webapp/timeliness) for the due instant of every event day in a range and sends the answers;
static/js/deadline.mjs only looks one up. tests/field/deadline_examples.json holds both to the
engine's verdicts.

The table, as JSON:
- `first_day`, `days`: the London dates of events it covers (an event on another day gets no
  deadline on the device; the server's verdict still comes when the record is sent);
- `windows`: per window, its words and either `hours` (elapsed hours: the engine adds them in
  UTC, and so may the device) or `due_at`, one due instant per covered day, for a day window
  (the exclusive midnight ending its last day) or for working hours counted in whole days,
  where `adds_time` says whether the event's time of day carries over (it does on a working
  day; on any other day counting starts at the next working day's midnight);
- `profiles`: per kind of child (authority, service, on a plan), per record type, the window
  for a record outside child protection work and for one inside it; null when the device
  cannot say (a window counted back from a meeting);
- `children`: each child's profile.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable

from webapp.record_forms import AHEAD, PASSED
from webapp.timeliness import LONDON, Policy, TimelinessError, WorkingCalendar, default_calendar, iso_utc
from webapp.timeliness.windows import ANCHOR_KINDS, HOURS, WORKING_HOURS, Window

# Events from this many days before the table was made to this many after it: a visit is
# rarely written up weeks later, and a tablet may stay offline for days on the cached table.
DAYS_BEFORE = 45
DAYS_AFTER = 14


@dataclass(frozen=True)
class ChildFacts:
    """What picks a child's rules: their authority's policy, their team's service, their plan."""

    reference: str
    policy: Policy
    service: str | None
    on_child_protection_plan: bool


def window_key(window: Window) -> str:
    return f"{window.kind}:{window.amount or ''}"


def _window_entry(window: Window, days: list[date], calendar: WorkingCalendar) -> dict[str, Any] | None:
    entry: dict[str, Any] = {"words": window.describe(), "exclusive": window.exclusive}
    if window.kind in ANCHOR_KINDS:
        return None
    if window.kind == HOURS:
        entry["hours"] = window.amount
        return entry
    if window.kind == WORKING_HOURS and window.amount % 24:
        # A part-day count can spill over a midnight; no table of days can hold that.
        return None
    midnights = [datetime.combine(day, time(0), tzinfo=LONDON) for day in days]
    try:
        entry["due_at"] = [iso_utc(window.due_at(midnight, calendar)) for midnight in midnights]
    except TimelinessError:
        return None
    if window.kind == WORKING_HOURS:
        entry["adds_time"] = [calendar.is_working_day(day) for day in days]
    return entry


def deadline_table(
    children: Iterable[ChildFacts], today: date, calendar: WorkingCalendar | None = None
) -> dict[str, Any]:
    """The table the record forms look deadlines up in, for these children, made on `today`."""
    calendar = calendar or default_calendar()
    first_day = today - timedelta(days=DAYS_BEFORE)
    days = [first_day + timedelta(days=n) for n in range(DAYS_BEFORE + DAYS_AFTER + 1)]
    windows: dict[str, Any] = {}
    profiles: dict[str, dict[str, list[str | None]]] = {}
    profile_keys: dict[tuple, str] = {}
    by_child: dict[str, str] = {}

    def key_for(window: Window) -> str | None:
        key = window_key(window)
        if key not in windows:
            windows[key] = _window_entry(window, days, calendar)
        return key if windows[key] is not None else None

    for child in children:
        facts = (child.policy.authority, child.service, child.on_child_protection_plan)
        if facts not in profile_keys:
            profile: dict[str, list[str | None]] = {}
            for record_type in child.policy.record_types:
                try:
                    profile[record_type] = [
                        key_for(child.policy.select_rule(
                            record_type, child.on_child_protection_plan or in_child_protection, child.service
                        ).window)
                        for in_child_protection in (False, True)
                    ]
                except TimelinessError:
                    continue
            profile_keys[facts] = f"p{len(profile_keys)}"
            profiles[profile_keys[facts]] = profile
        by_child[child.reference] = profile_keys[facts]
    return {
        "first_day": first_day.isoformat(),
        "days": len(days),
        "windows": {key: entry for key, entry in windows.items() if entry is not None},
        "profiles": profiles,
        "children": by_child,
    }


def deadline_state(
    child: ChildFacts, record_type: str, child_protection: bool, event_at: datetime, now: datetime,
    calendar: WorkingCalendar | None = None,
) -> str | None:
    """Whether a record's deadline has passed at `now` (PASSED or AHEAD), by the rule the
    table gives the device; None where the table has no deadline (a window counted back from
    a meeting, a record type the policy lacks, a date outside the calendar)."""
    calendar = calendar or default_calendar()
    try:
        window = child.policy.select_rule(
            record_type, child.on_child_protection_plan or child_protection, child.service
        ).window
        if window.kind in ANCHOR_KINDS:
            return None
        due_at = window.due_at(event_at, calendar)
    except TimelinessError:
        return None
    passed = now >= due_at if window.exclusive else now > due_at
    return PASSED if passed else AHEAD
