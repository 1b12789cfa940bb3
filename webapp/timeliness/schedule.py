"""Visit schedules: when a child must next be seen, from the policy's `schedules` section.

`evaluate_schedule` is the engine: the authority's schedule, the child's episode, facts and
visits, and today in; one `Requirement` per thing that is due out. No Flask and no database,
so the caseload, the manager's pages and the command line all get the same answer. The
arithmetic is the schedule part of timeliness.md; the format and the episode vocabulary are in
policies/README.md; schedule_policy.py loads the section from a policy file.
"""

from __future__ import annotations

import calendar as month_lengths
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from webapp.timeliness.calendar import LONDON, WorkingCalendar, default_calendar, require_aware
from webapp.timeliness.errors import TimelinessError

if TYPE_CHECKING:
    from webapp.timeliness.policy import Ambiguity, NotEncodable, Source, Superseded

# -- vocabulary ----------------------------------------------------------------------------

# What the schedule hangs on. `started_on` means, for each kind, the date in the description.
EPISODE_KINDS = {
    "early_help": "early help (family support, targeted support): from the contact, referral or allocation",
    "assessment": "a social work assessment: from the contact, referral or allocation",
    "child_protection_enquiry": (
        "the pre-conference period: section 47 enquiries from the contact or concerns that "
        "started them, until the initial child protection conference"
    ),
    "child_in_need_plan": "a child in need plan: from the plan's start",
    "child_protection_plan": (
        "a child protection plan: from the initial conference that made it; "
        "first_review_on is the first review conference"
    ),
    "looked_after": (
        "a looked-after child, placed for adoption included: from the day the child became "
        "looked after; first_review_on is the first looked-after (or adoption) review"
    ),
    "care_leaver": "a care leaver (relevant or former relevant young person): from leaving care",
    "private_fostering": "a private fostering arrangement: from the placement, or the notification if later",
    "youth_justice": "youth justice work: from the case's allocation",
}

# Dates a rule may count from instead of the episode's start. Each one falls back to
# `started_on` when the episode does not carry it: a looked-after child's first placement
# starts the day the child becomes looked after, an allocation on the day of the referral.
START_DATES = {
    "started_on": "the start",
    "contact_on": "the contact",
    "referral_on": "the referral",
    "allocated_on": "allocation",
    "placement_started_on": "the placement",
    "care_order_on": "the care order",
    "accommodation_changed_on": "the change of accommodation",
}

PLACEMENT_TYPES = (
    "foster",
    "kinship",
    "long_term_foster",
    "connected_persons_temporary",
    "connected_persons_not_approved",
    "residential",
    "unregistered",
    "short_breaks",
    "emergency",
    "secure",
    "young_offender_institution",
    "other_organisation",
    "adoption",
    "independent",
)
LEGAL_STATUSES = ("accommodated", "interim_care_order", "care_order", "placement_order")

# The facts an episode's `details` may carry, with their types. Booleans that are not given
# are false; other facts that are not given match no condition.
FACTS: dict[str, Any] = {
    **{name: date for name in START_DATES if name != "started_on"},
    "placement_type": PLACEMENT_TYPES,
    "legal_status": LEGAL_STATUSES,
    "placed_with_parents": bool,
    "permanence_agreed": bool,
    "reduced_visiting_agreed": bool,
    "child_protection_plan": bool,
    "step_down": bool,
    "disability": bool,
    "living_independently": bool,
    "higher_education": bool,
    "cin_level": int,
}
# Conditions may also bound the child's age in whole years on the day evaluated.
AGE_CONDITIONS = ("age_from", "age_below")

# What a visit must have done to count, per requirement. A rule's `counts` may add more.
QUALIFIERS = ("child_seen", "seen_alone", "bedroom_seen", "unannounced")
REQUIREMENTS = {
    "visit": ("child_seen",),
    "seen_alone": ("child_seen", "seen_alone"),
    "bedroom_seen": ("bedroom_seen",),
    "unannounced_visit": ("child_seen", "unannounced"),
}

SAME_DAY = "same_day"
INTERVAL_KINDS = ("working_days", "calendar_days", "weeks", "months", SAME_DAY)
FIRST_REVIEW = "first_review"

# Without a good-practice figure, a requirement is due soon when its date falls within this
# many working days: the span the managers' Visits page looks ahead.
DUE_SOON_WORKING_DAYS = 5

OVERDUE, DUE_SOON, OK = "overdue", "due_soon", "ok"


class ScheduleInputError(TimelinessError, ValueError):
    """An episode, fact or visit given to the engine is not one it understands."""


# -- intervals -----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day number `months` later, or that month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_lengths.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Interval:
    """A schedule interval from timeliness.md; `good_practice` is the optional earlier figure."""

    kind: str
    amount: int | None = None
    good_practice: Interval | None = None

    def after(self, day: date, calendar: WorkingCalendar) -> date:
        """The last date this interval allows, counted from `day`."""
        if self.kind == SAME_DAY:
            return day
        if self.kind == "working_days":
            return calendar.add_working_days(day, self.amount)
        if self.kind == "calendar_days":
            return date.fromordinal(day.toordinal() + self.amount)
        if self.kind == "weeks":
            return date.fromordinal(day.toordinal() + 7 * self.amount)
        return add_months(day, self.amount)

    def practice(self) -> Interval:
        """The good-practice figure, or this one where the text gives only one."""
        return self.good_practice or self

    def describe(self) -> str:
        """'10 working days', '6 weeks', '1 month', '7 days', 'the same day'."""
        if self.kind == SAME_DAY:
            return "the same day"
        unit = {"working_days": "working day", "calendar_days": "day", "weeks": "week", "months": "month"}[self.kind]
        return f"{self.amount} {unit}" + ("" if self.amount == 1 else "s")


@dataclass(frozen=True)
class Phase:
    """One stretch of a schedule: its first deadlines (from the start), then its interval.

    `until` ends the phase: FIRST_REVIEW (the episode's first review; open while there is
    none) or an Interval counted from the rule's start. The last phase has none.
    """

    every: Interval | None = None
    first: tuple[Interval, ...] = ()
    until: str | Interval | None = None


@dataclass(frozen=True)
class ScheduleRule:
    """A visit-frequency rule: which episode and facts it applies to, and its phases."""

    id: str
    episode: str
    requirement: str
    phases: tuple[Phase, ...]
    sources: tuple[Source, ...]
    counts: frozenset[str] = frozenset()
    conditions: dict[str, Any] = field(default_factory=dict)
    start: str = "started_on"
    note: str | None = None

    @property
    def catalogue_id(self) -> str:
        return self.sources[0].catalogue_id

    def qualifies(self, visit: Visit) -> bool:
        """Whether the visit did everything this requirement counts."""
        return all(visit.has(qualifier) for qualifier in self.counts)

    def matches(self, facts: dict[str, Any], age: int | None) -> bool:
        """Whether every condition agrees with the child's facts and age."""
        for name, wanted in self.conditions.items():
            if name == "age_from":
                if age is None or age < wanted:
                    return False
            elif name == "age_below":
                if age is None or age >= wanted:
                    return False
            else:
                value = facts.get(name, False if FACTS[name] is bool else None)
                if value not in (wanted if isinstance(wanted, list) else [wanted]):
                    return False
        return True


@dataclass(frozen=True)
class Schedule:
    """An authority's visit schedules, as loaded from its policy's `schedules` section."""

    rules: tuple[ScheduleRule, ...] = ()
    superseded: tuple[Superseded, ...] = ()
    not_encodable: tuple[NotEncodable, ...] = ()
    ambiguities: dict[str, Ambiguity] = field(default_factory=dict)

    def rule_by_id(self, rule_id: str) -> ScheduleRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


EMPTY_SCHEDULE = Schedule()

# -- the child -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """What the child's schedule hangs on: the kind, its dates, and the facts rules depend on."""

    kind: str
    started_on: date
    first_review_on: date | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in EPISODE_KINDS:
            raise ScheduleInputError(
                f"episode.kind {self.kind!r} is not one of {', '.join(EPISODE_KINDS)}"
            )
        for name, value in self.details.items():
            expected = FACTS.get(name)
            if expected is None:
                raise ScheduleInputError(
                    f"episode.details.{name} is not a fact the schedules use "
                    f"(known: {', '.join(sorted(FACTS))})"
                )
            if isinstance(expected, tuple):
                if value not in expected:
                    raise ScheduleInputError(
                        f"episode.details.{name} {value!r} is not one of {', '.join(expected)}"
                    )
            elif expected is int:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ScheduleInputError(f"episode.details.{name} must be a whole number")
            elif not isinstance(value, expected) or (expected is date and isinstance(value, datetime)):
                raise ScheduleInputError(f"episode.details.{name} must be a {expected.__name__}")

    def date_for(self, name: str) -> date:
        """The named date, or the episode's start where the episode does not carry it."""
        if name == "started_on":
            return self.started_on
        return self.details.get(name) or self.started_on


@dataclass(frozen=True)
class Visit:
    """One visit: when it started and what it did. None means not recorded, which never counts."""

    at: datetime
    child_seen: bool
    seen_alone: bool | None = None
    bedroom_seen: bool | None = None
    announced: bool = True

    def __post_init__(self) -> None:
        require_aware(self.at)

    def has(self, qualifier: str) -> bool:
        if qualifier == "unannounced":
            return self.announced is False
        return getattr(self, qualifier) is True

    def local_date(self) -> date:
        return self.at.astimezone(LONDON).date()


# -- the answer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """When one requirement is next met, and how things stand today.

    `due_by` is the last local date on which a qualifying visit meets it; None once a
    one-off requirement (an initial visit) has been met and nothing recurs.
    """

    rule: ScheduleRule
    requirement: str
    window: str
    due_by: date | None
    good_practice_by: date | None
    status: str
    last_met_on: date | None
    # The first day it is due soon (see `due_soon_from`): with `due_by`, all a page needs to
    # work out the status on another day.
    soon_from: date | None = None

    def to_dict(self) -> dict:
        """The shape `flask schedule evaluate` writes."""
        return {
            "rule_id": self.rule.id,
            "catalogue_id": self.rule.catalogue_id,
            "requirement": self.requirement,
            "window": self.window,
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "status": self.status,
            "last_met_on": self.last_met_on.isoformat() if self.last_met_on else None,
        }


# -- the engine ----------------------------------------------------------------------------


def age_on(date_of_birth: date | None, day: date) -> int | None:
    """Whole years of age on `day`; a 29 February birthday falls on 28 February."""
    if date_of_birth is None:
        return None
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)


def _phase_bounds(rule: ScheduleRule, start: date, episode: Episode, calendar: WorkingCalendar) -> list[date | None]:
    """The day each phase after the first begins (None: not reached while there is no review)."""
    bounds: list[date | None] = []
    previous: date | None = start
    for phase in rule.phases[:-1]:
        if previous is None:
            bounds.append(None)
            continue
        if phase.until == FIRST_REVIEW:
            end = episode.first_review_on
        else:
            end = phase.until.after(start, calendar)
        # A review held before the start (or a phase shorter than an earlier one) leaves this
        # phase empty rather than running the schedule backwards.
        previous = None if end is None else max(end, previous)
        bounds.append(previous)
    return bounds


def _phase_at(rule: ScheduleRule, bounds: list[date | None], day: date) -> Phase:
    for phase, begins_next in zip(rule.phases, bounds):
        if begins_next is None or day < begins_next:
            return phase
    return rule.phases[-1]


def _next_due(
    rule: ScheduleRule, start: date, bounds: list[date | None], visits: Sequence[date],
    calendar: WorkingCalendar, practice: bool,
) -> tuple[date | None, int]:
    """The due date after these qualifying visits, and how many first deadlines are used up.

    Visit k (counting from 0) meets the phase's k-th first deadline; a deadline already past
    on the day of a late visit can no longer be met and is skipped. After the first deadlines,
    the interval of the phase containing the last visit applies. A visit never brings the
    due date forward: the later of the date already set and the new one stands, so that
    seeing a child early is never punished with an earlier deadline.
    """
    first = tuple(interval.practice() if practice else interval for interval in rule.phases[0].first)
    deadlines = [interval.after(start, calendar) for interval in first]

    def due_after(k: int, reference: date) -> date | None:
        if k < len(deadlines):
            return deadlines[k]
        every = _phase_at(rule, bounds, reference).every
        if every is None:
            return None
        return (every.practice() if practice else every).after(reference, calendar)

    k = 0
    due = due_after(0, start)
    for visit_on in visits:
        k += 1
        while k < len(deadlines) and deadlines[k] < visit_on:
            k += 1
        new_due = due_after(k, visit_on)
        due = None if new_due is None else max(new_due, due) if due is not None else new_due
    return due, k


def _window_words(rule: ScheduleRule, bounds: list[date | None], used: int, reference: date) -> str:
    """The deadline or interval in force for the next visit, in words."""
    first = rule.phases[0].first
    if used < len(first):
        start_words = START_DATES[rule.start]
        if first[used].kind == SAME_DAY:
            return f"on the day of {start_words}"
        return f"within {first[used].describe()} of {start_words}"
    every = _phase_at(rule, bounds, reference).every
    return "met" if every is None else f"every {every.describe()}"


def due_soon_from(due_by: date | None, practice_by: date | None, calendar: WorkingCalendar) -> date | None:
    """The first day a requirement is due soon: its good-practice date, or the first day from
    which `due_by` lies within DUE_SOON_WORKING_DAYS working days, whichever is earlier.

    It does not depend on the day evaluated, so it can be stored with `due_by` and the status
    worked out on any later day by `status_on`, without the engine.
    """
    if due_by is None:
        return None
    # add_working_days(day, n) never decreases as the day moves on: walk forward from a day
    # too early (its window ends on the working day before due_by) to the first that reaches it.
    day = calendar.add_working_days(due_by, -DUE_SOON_WORKING_DAYS - 1)
    while calendar.add_working_days(day, DUE_SOON_WORKING_DAYS) < due_by:
        day = date.fromordinal(day.toordinal() + 1)
    return day if practice_by is None else min(day, practice_by)


def status_on(due_by: date | None, soon_from: date | None, today: date) -> str:
    """`overdue`, `due_soon` or `ok` on `today`, from the stored due date and due-soon date."""
    if due_by is None:
        return OK
    if today > due_by:
        return OVERDUE
    if soon_from is not None and today >= soon_from:
        return DUE_SOON
    return OK


def _evaluate_rule(
    rule: ScheduleRule, episode: Episode, visits: Sequence[tuple[date, Visit]], today: date, calendar: WorkingCalendar
) -> Requirement:
    start = episode.date_for(rule.start)
    # Visits after today are not known on the day evaluated: an answer "as of" a date never
    # depends on what happened later.
    counted = sorted(day for day, visit in visits if start <= day <= today and rule.qualifies(visit))
    bounds = _phase_bounds(rule, start, episode, calendar)
    due_by, used = _next_due(rule, start, bounds, counted, calendar, practice=False)
    practice_by, _ = _next_due(rule, start, bounds, counted, calendar, practice=True)
    soon_from = due_soon_from(due_by, practice_by, calendar)
    return Requirement(
        rule=rule,
        requirement=rule.requirement,
        window=_window_words(rule, bounds, used, counted[-1] if counted else start),
        due_by=due_by,
        good_practice_by=practice_by if practice_by != due_by else None,
        status=status_on(due_by, soon_from, today),
        last_met_on=counted[-1] if counted else None,
        soon_from=soon_from,
    )


def _sort_key(requirement: Requirement) -> tuple:
    return (requirement.due_by is None, requirement.due_by or date.max)


def evaluate_schedule(
    schedule: Schedule,
    episode: Episode,
    visits: Iterable[Visit],
    today: date,
    date_of_birth: date | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Requirement]:
    """Each requirement that applies to the child today, in the order of REQUIREMENTS.

    For each requirement the rule for the episode with the most conditions that all hold
    wins; among equally specific rules, the one due first (the stricter) applies.

    Raises:
        OutsideCalendarError: a date falls outside the working calendar.
    """
    calendar = calendar or default_calendar()
    # Each visit's London date once, not once per rule.
    visits = tuple((visit.local_date(), visit) for visit in visits)
    age = age_on(date_of_birth, today)
    best: dict[str, tuple[int, Requirement]] = {}
    for rule in schedule.rules:
        if rule.episode != episode.kind or not rule.matches(episode.details, age):
            continue
        specificity = len(rule.conditions)
        held = best.get(rule.requirement)
        if held is not None and held[0] > specificity:
            continue
        result = _evaluate_rule(rule, episode, visits, today, calendar)
        if held is None or specificity > held[0] or _sort_key(result) < _sort_key(held[1]):
            best[rule.requirement] = (specificity, result)
    return [best[name][1] for name in REQUIREMENTS if name in best]
