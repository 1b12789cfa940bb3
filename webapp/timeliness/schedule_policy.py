"""The `schedules` section of a policy file: validation, loading and catalogue coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, validate, validates_schema

from webapp.timeliness.errors import PolicyIssue
from webapp.timeliness.policy import (
    Ambiguity,
    AmbiguitySchema,
    NotEncodable,
    NotEncodableSchema,
    Source,
    SourceSchema,
    Superseded,
    SupersededSchema,
    _quote_issues,
    _Strict,
    _schema_issues,
)
from webapp.timeliness.schedule import (
    AGE_CONDITIONS,
    EMPTY_SCHEDULE,
    EPISODE_KINDS,
    FACTS,
    FIRST_REVIEW,
    INTERVAL_KINDS,
    QUALIFIERS,
    REQUIREMENTS,
    SAME_DAY,
    START_DATES,
    Interval,
    Phase,
    Schedule,
    ScheduleRule,
)

if TYPE_CHECKING:
    from webapp.timeliness.coverage import Catalogue
    from webapp.timeliness.policy import Policy

class _BareIntervalSchema(_Strict):
    kind = fields.String(required=True, validate=validate.OneOf(INTERVAL_KINDS))
    amount = fields.Integer(strict=True, validate=validate.Range(min=1))

    @validates_schema
    def amount_matches_kind(self, data: dict, **kwargs: Any) -> None:
        if data.get("kind") == SAME_DAY and "amount" in data:
            raise ValidationError("same_day takes no amount", "amount")
        if data.get("kind") in INTERVAL_KINDS and data.get("kind") != SAME_DAY and "amount" not in data:
            raise ValidationError(f"{data['kind']} needs a whole amount of at least 1", "amount")


class _IntervalSchema(_BareIntervalSchema):
    good_practice = fields.Nested(_BareIntervalSchema)


class _UntilField(fields.Field):
    """`first_review`, or an interval counted from the rule's start."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == FIRST_REVIEW:
            return value
        if isinstance(value, dict):
            return _BareIntervalSchema().load(value)
        raise ValidationError(f"must be {FIRST_REVIEW} or an interval such as {{kind: months, amount: 12}}")


class _PhaseSchema(_Strict):
    first = fields.List(fields.Nested(_IntervalSchema), load_default=list)
    every = fields.Nested(_IntervalSchema)
    until = _UntilField()

    @validates_schema
    def says_something(self, data: dict, **kwargs: Any) -> None:
        if not data.get("first") and "every" not in data:
            raise ValidationError("a phase needs first deadlines, an every interval, or both")


class _ConditionsField(fields.Dict):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        conditions = super()._deserialize(value, attr, data, **kwargs)
        for name, wanted in conditions.items():
            if name in AGE_CONDITIONS:
                if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 0:
                    raise ValidationError(f"{name} must be a whole number of years")
                continue
            expected = FACTS.get(name)
            if expected is None or expected is date:
                known = sorted(n for n, t in FACTS.items() if t is not date) + list(AGE_CONDITIONS)
                raise ValidationError(f"{name!r} is not a condition (known: {', '.join(known)})")
            for value_ in wanted if isinstance(wanted, list) else [wanted]:
                if isinstance(expected, tuple) and value_ not in expected:
                    raise ValidationError(f"{name}: {value_!r} is not one of {', '.join(expected)}")
                if expected is bool and not isinstance(value_, bool):
                    raise ValidationError(f"{name} must be true or false")
                if expected is int and (isinstance(value_, bool) or not isinstance(value_, int)):
                    raise ValidationError(f"{name} must be a whole number")
        return conditions


class _RuleSchema(_Strict):
    id = fields.String(required=True, validate=validate.Length(min=1))
    episode = fields.String(required=True, validate=validate.OneOf(list(EPISODE_KINDS)))
    requirement = fields.String(required=True, validate=validate.OneOf(list(REQUIREMENTS)))
    counts = fields.List(fields.String(validate=validate.OneOf(QUALIFIERS)), load_default=list)
    conditions = _ConditionsField(keys=fields.String(), load_default=dict)
    start = fields.String(load_default="started_on", validate=validate.OneOf(list(START_DATES)))
    phases = fields.List(fields.Nested(_PhaseSchema), required=True, validate=validate.Length(min=1))
    sources = fields.List(fields.Nested(SourceSchema), required=True, validate=validate.Length(min=1))
    note = fields.String()

    @validates_schema
    def phases_chain(self, data: dict, **kwargs: Any) -> None:
        phases = data.get("phases") or []
        for index, phase in enumerate(phases):
            last = index == len(phases) - 1
            if last and "until" in phase:
                raise ValidationError("the last phase runs on and takes no until", f"phases[{index}].until")
            if not last and "until" not in phase:
                raise ValidationError("every phase but the last needs until", f"phases[{index}].until")
            if index and phase.get("first"):
                raise ValidationError(
                    "only the first phase has first deadlines (they count from the start)",
                    f"phases[{index}].first",
                )


class ScheduleSchema(_Strict):
    rules = fields.List(fields.Nested(_RuleSchema), load_default=list)
    superseded = fields.List(fields.Nested(SupersededSchema), load_default=list)
    not_encodable = fields.List(fields.Nested(NotEncodableSchema), load_default=list)
    ambiguities = fields.Dict(keys=fields.String(), values=fields.Nested(AmbiguitySchema), load_default=dict)


def _interval(data: dict) -> Interval:
    practice = data.get("good_practice")
    return Interval(data["kind"], data.get("amount"), _interval(practice) if practice else None)


def _build_rule(data: dict) -> ScheduleRule:
    phases = tuple(
        Phase(
            every=_interval(p["every"]) if "every" in p else None,
            first=tuple(_interval(i) for i in p["first"]),
            until=p.get("until") if p.get("until") in (None, FIRST_REVIEW) else _interval(p["until"]),
        )
        for p in data["phases"]
    )
    return ScheduleRule(
        id=data["id"],
        episode=data["episode"],
        requirement=data["requirement"],
        phases=phases,
        sources=tuple(Source(**source) for source in data["sources"]),
        counts=frozenset(REQUIREMENTS[data["requirement"]]) | frozenset(data["counts"]),
        conditions=dict(data["conditions"]),
        start=data["start"],
        note=data.get("note"),
    )


def _issues_from(file: str, raw: dict, messages: Any) -> list[PolicyIssue]:
    issues = _schema_issues(file, {"rules": raw.get("rules")}, messages)
    # _schema_issues knows the recording sections; say which section these came from.
    return [
        PolicyIssue(i.file, i.rule, f"schedules.{i.field}" if i.field and not i.rule else i.field, i.message)
        for i in issues
    ]


def load_schedule(
    raw: Any, file: str, sources_dir: Path, catalogue: Catalogue | None, catalogue_authority: str
) -> tuple[Schedule, list[PolicyIssue]]:
    """Validate and build the `schedules` section of a policy file (absent: an empty schedule).

    Returns the schedule and every problem found, each naming the file, rule id and field.
    """
    if raw is None:
        return EMPTY_SCHEDULE, []
    if not isinstance(raw, dict):
        return EMPTY_SCHEDULE, [PolicyIssue(file, None, "schedules", "must be a mapping")]
    issues = _quote_issues(file, {"rules": raw.get("rules")}, sources_dir)
    try:
        data = ScheduleSchema().load(raw)
    except ValidationError as exc:
        return EMPTY_SCHEDULE, _issues_from(file, raw, exc.messages) + issues

    rules = [_build_rule(item) for item in data["rules"]]
    schedule = Schedule(
        rules=tuple(rules),
        superseded=tuple(Superseded(**item) for item in data["superseded"]),
        not_encodable=tuple(NotEncodable(**item) for item in data["not_encodable"]),
        ambiguities={name: Ambiguity(**item) for name, item in data["ambiguities"].items()},
    )
    issues.extend(_reference_issues(file, schedule, catalogue, catalogue_authority))
    return schedule, issues


def _reference_issues(
    file: str, schedule: Schedule, catalogue: Catalogue | None, catalogue_authority: str
) -> list[PolicyIssue]:
    issues: list[PolicyIssue] = []
    ids: set[str] = set()
    encoded: set[str] = set()
    for rule in schedule.rules:
        if rule.id in ids:
            issues.append(PolicyIssue(file, rule.id, "id", "schedule rule id is used twice"))
        ids.add(rule.id)
        for index, source in enumerate(rule.sources):
            encoded.add(source.catalogue_id)
            if catalogue is None:
                continue
            entry = catalogue.entry(catalogue_authority, source.catalogue_id)
            where = f"sources[{index}].catalogue_id"
            if entry is None or entry.section != "visit_frequency":
                issues.append(
                    PolicyIssue(file, rule.id, where, f"{source.catalogue_id!r} is not a visit-frequency "
                                f"entry for {catalogue_authority} in the catalogue")
                )
                continue
            for ambiguity in entry.ambiguity_refs:
                if ambiguity not in schedule.ambiguities:
                    issues.append(
                        PolicyIssue(file, rule.id, where, f"{entry.id} depends on {ambiguity}, "
                                    "which is not resolved under schedules.ambiguities")
                    )
    accounted: dict[str, str] = {catalogue_id: "encoded" for catalogue_id in encoded}
    decisions = [(item.catalogue_id, "superseded", f"superseded[{i}]") for i, item in enumerate(schedule.superseded)]
    decisions += [(item.catalogue_id, "not_encodable", f"not_encodable[{i}]") for i, item in enumerate(schedule.not_encodable)]
    for catalogue_id, how, where in decisions:
        if catalogue_id in accounted:
            issues.append(PolicyIssue(file, None, f"schedules.{where}.catalogue_id",
                                      f"{catalogue_id} is already {accounted[catalogue_id]}"))
        accounted.setdefault(catalogue_id, how)
        if catalogue is not None:
            entry = catalogue.entry(catalogue_authority, catalogue_id)
            if entry is None or entry.section != "visit_frequency":
                issues.append(PolicyIssue(file, None, f"schedules.{where}.catalogue_id",
                                          f"{catalogue_id!r} is not a visit-frequency entry for {catalogue_authority}"))
    for index, item in enumerate(schedule.superseded):
        if item.by not in ids:
            issues.append(PolicyIssue(file, None, f"schedules.superseded[{index}].by",
                                      f"{item.by!r} is not a schedule rule in this file"))
    if catalogue is not None:
        for name in schedule.ambiguities:
            if name not in catalogue.ambiguities:
                issues.append(PolicyIssue(file, None, f"schedules.ambiguities.{name}", "not an ambiguity in the catalogue"))
    return issues


# -- coverage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleCoverage:
    """How many of an authority's catalogued visit-frequency rules a policy accounts for."""

    authority: str
    total: int
    encoded: list[str]
    superseded: dict[str, str]  # catalogue id -> the rule that covers it, and why
    not_encodable: dict[str, str]  # catalogue id -> reason
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


def catalogued_schedules(catalogue: Catalogue, catalogue_authority: str) -> list:
    """The catalogue's visit-frequency entries for one authority."""
    return [e for e in catalogue.entries.get(catalogue_authority, {}).values() if e.section == "visit_frequency"]


def schedule_coverage(policy: Policy, catalogue: Catalogue) -> ScheduleCoverage:
    """Which catalogued visit-frequency rules the policy encodes, supersedes, declines, or misses."""
    schedule = policy.schedule
    cited = {source.catalogue_id for rule in schedule.rules for source in rule.sources}
    superseded = {item.catalogue_id: f"covered by {item.by}: {item.why}" for item in schedule.superseded}
    declined = {item.catalogue_id: item.reason for item in schedule.not_encodable}
    entries = catalogued_schedules(catalogue, policy.catalogue_authority)
    return ScheduleCoverage(
        authority=policy.authority,
        total=len(entries),
        encoded=[e.id for e in entries if e.id in cited],
        superseded={e.id: superseded[e.id] for e in entries if e.id in superseded},
        not_encodable={e.id: declined[e.id] for e in entries if e.id in declined},
        missing=[e.id for e in entries if e.id not in cited | superseded.keys() | declined.keys()],
    )
