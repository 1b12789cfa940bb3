"""The manager pages' query strings, validated with marshmallow.

Filters live in the query string so that links can be shared and the back button works. A
value that does not parse, or lies outside what the database and the calendar can hold, is
reported to the manager and otherwise ignored, rather than failing the page.
"""
from __future__ import annotations

from dataclasses import dataclass, fields as dataclass_fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from webapp.field.verdict_words import CAUSES as CAUSE_TAGS
from webapp.sync.schemas import text_problem
from webapp.timeliness import LONDON, SPAN_END, SPAN_START

DEFAULT_PERIOD_DAYS = 28  # the last 4 weeks
LONGEST_PERIOD_DAYS = 2 * 366
PAGE_SIZE = 50
LARGEST_ID = 2**31 - 1  # PostgreSQL's integer: a larger id cannot match, and would not bind

VERDICTS = {"late": "Late", "on_time": "On time", "any": "Late or on time"}
# The causes in the words of their tags (webapp/field/verdict_words.py), in the filter's order.
CAUSES = {cause: words for cause, (words, _colour) in CAUSE_TAGS.items()}
REVIEWED = {"no": "Not reviewed", "yes": "Reviewed"}
SORTS = {
    "received": "Received",
    "event": "Event",
    "due": "Due",
    "late_by": "Late by",
}
ORDERS = {"desc": "Newest or largest first", "asc": "Oldest or smallest first"}


@dataclass(frozen=True)
class Period:
    """Whole local (London) days, first and last inclusive."""

    first_day: date
    last_day: date

    @classmethod
    def last_weeks(cls, today: date, days: int = DEFAULT_PERIOD_DAYS) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.first_day)

    @property
    def end_at(self) -> datetime:
        """Exclusive: the midnight that starts the day after the last day."""
        return local_midnight(self.last_day + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def weeks(self) -> list[tuple[date, date]]:
        """(first day, last day) of each week, counted back from the last day, oldest first.

        The oldest week is short when the period is not a whole number of weeks.
        """
        weeks = []
        last = self.last_day
        while last >= self.first_day:
            first = max(self.first_day, last - timedelta(days=6))
            weeks.append((first, last))
            last = first - timedelta(days=1)
        return weeks[::-1]


def local_midnight(day: date) -> datetime:
    """The instant a London day starts, so that weeks follow the clocks the team works by."""
    return datetime.combine(day, time(0), tzinfo=LONDON)


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


# The working calendar's years: no record can be judged outside them, and the first and last
# midnights of any period inside them can always be computed.
_CALENDAR_DATE = validate.Range(
    min=SPAN_START, max=SPAN_END,
    error=f"Enter a date between {SPAN_START:%-d %B %Y} and {SPAN_END:%-d %B %Y}",
)
_ID = validate.Range(min=1, max=LARGEST_ID, error="Choose one from the list")


def _storable(text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise ValidationError(problem)


class PeriodSchema(_Lenient):
    from_ = fields.Date(data_key="from", validate=_CALENDAR_DATE)
    to = fields.Date(validate=_CALENDAR_DATE)

    @validates_schema
    def first_before_last(self, data: dict, **kwargs: Any) -> None:
        first, last = data.get("from_"), data.get("to")
        if first and last and first > last:
            raise ValidationError("The start date must be on or before the end date", "from")


class TeamSchema(_Lenient):
    team = fields.Integer(validate=_ID)


class LateEntryFilterSchema(PeriodSchema):
    practitioner = fields.Integer(validate=_ID)
    record_type = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$"))
    verdict = fields.String(validate=validate.OneOf(list(VERDICTS)))
    cause = fields.String(validate=validate.OneOf(list(CAUSES)))
    child = fields.String(validate=[validate.Length(max=200), _storable])
    reviewed = fields.String(validate=validate.OneOf(list(REVIEWED)))
    sort = fields.String(validate=validate.OneOf(list(SORTS)))
    order = fields.String(validate=validate.OneOf(list(ORDERS)))
    page = fields.Integer(validate=validate.Range(min=1, max=100_000))


@dataclass(frozen=True)
class LateEntryFilters:
    period: Period
    practitioner: int | None = None
    record_type: str | None = None
    verdict: str = "late"
    cause: str | None = None
    child: str | None = None
    reviewed: str | None = None
    sort: str = "received"
    order: str = "desc"
    page: int = 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The query string that reproduces these filters, with `changes` applied."""
        current = replace(self, **changes) if changes else self
        args: dict[str, Any] = {
            "from": current.period.first_day.isoformat(),
            "to": current.period.last_day.isoformat(),
        }
        defaults = LateEntryFilters(current.period)
        for item in dataclass_fields(self):
            if item.name == "period":
                continue
            value = getattr(current, item.name)
            if value is not None and value != getattr(defaults, item.name):
                args[item.name] = value
        return args


# The period's dates as the pages ask for them: GOV.UK date inputs, "from-day", "from-month"
# and "from-year" (and the same for "to"). Links carry them as "from=2026-11-23".
DATE_PARTS = ("day", "month", "year")
DATE_NAMES = {"from": "start date", "to": "end date"}


def _present(args: Mapping[str, str]) -> dict[str, str]:
    """Form fields left blank mean "no filter"."""
    return {key: value.strip() for key, value in args.items() if value and value.strip()}


def _dates_from_parts(data: dict[str, str]) -> dict[str, str]:
    """Put each date typed in parts into `data` as "from" or "to" (they win over the link's),
    and return a message for each date whose parts do not make one."""
    errors = {}
    for key, name in DATE_NAMES.items():
        parts = {part: data.pop(f"{key}-{part}", "") for part in DATE_PARTS}
        if not any(parts.values()):
            continue
        data.pop(key, None)
        missing = [part for part in DATE_PARTS if not parts[part]]
        if missing:
            errors[key] = f"The {name} must include a {' and '.join(missing)}"
            continue
        try:
            if not all(parts[part].isascii() and parts[part].isdigit() for part in DATE_PARTS):
                raise ValueError
            typed = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except (ValueError, OverflowError):
            errors[key] = f"The {name} must be a real date, like 23 11 2026"
        else:
            data[key] = typed.isoformat()
    return errors


def _load(schema: Schema, args: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """Valid fields, and a message for each field that was dropped."""
    data = _present(args)
    typed_errors = _dates_from_parts(data)
    loaded, errors = _load_present(schema, data)
    return loaded, {**typed_errors, **errors}


def _load_present(schema: Schema, data: dict[str, str]) -> tuple[dict, dict[str, str]]:
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        errors = {
            key: "; ".join(value) if isinstance(value, list) else str(value)
            for key, value in exc.normalized_messages().items()
        }
        for key in errors:
            data.pop(key, None)
        if "from" in errors:
            data.pop("to", None)
        try:
            return schema.load(data), errors
        except ValidationError:
            return {}, errors


def parse_period(args: Mapping[str, str], today: date) -> tuple[Period, dict[str, str]]:
    loaded, errors = _load(PeriodSchema(), args)
    return _period(loaded, today, errors), errors


def parse_team(args: Mapping[str, str]) -> tuple[int | None, str | None]:
    """The team an admin chose (?team=), and what is wrong with it if it cannot be one."""
    loaded, errors = _load(TeamSchema(), args)
    return loaded.get("team"), errors.get("team")


def _period(loaded: dict, today: date, errors: dict[str, str]) -> Period:
    """The period asked for, or the default one, with a message in `errors`, if it is too long.

    The cap applies however the period was given: "from" alone runs to today.
    """
    first, last = loaded.get("from_"), loaded.get("to")
    if first and last:
        period = Period(first, last)
    elif last:
        period = Period.last_weeks(last)
    elif first:
        period = Period(first, max(first, today))
    else:
        period = Period.last_weeks(today)
    if period.days > LONGEST_PERIOD_DAYS:
        errors["from"] = "Choose a period of 2 years or less"
        return Period.last_weeks(today)
    return period


def parse_late_entry_filters(
    args: Mapping[str, str], today: date
) -> tuple[LateEntryFilters, dict[str, str]]:
    loaded, errors = _load(LateEntryFilterSchema(), args)
    period = _period(loaded, today, errors)
    loaded.pop("from_", None)
    loaded.pop("to", None)
    return LateEntryFilters(period=period, **loaded), errors


class VisitFilterSchema(PeriodSchema):
    practitioner = fields.Integer(validate=_ID)
    page = fields.Integer(validate=validate.Range(min=1, max=100_000))


@dataclass(frozen=True)
class VisitFilters:
    """The Visits page's filters: whose children, the period for the share within timescale, the page."""

    period: Period
    practitioner: int | None = None
    page: int = 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        current = replace(self, **changes) if changes else self
        args: dict[str, Any] = {
            "from": current.period.first_day.isoformat(),
            "to": current.period.last_day.isoformat(),
        }
        if current.practitioner is not None:
            args["practitioner"] = current.practitioner
        if current.page != 1:
            args["page"] = current.page
        return args


def parse_visit_filters(args: Mapping[str, str], today: date) -> tuple[VisitFilters, dict[str, str]]:
    loaded, errors = _load(VisitFilterSchema(), args)
    period = _period(loaded, today, errors)
    loaded.pop("from_", None)
    loaded.pop("to", None)
    return VisitFilters(period=period, **loaded), errors
