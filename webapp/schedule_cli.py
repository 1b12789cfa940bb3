"""`flask schedule ...`: evaluate, explain and count the visit schedules from the command line."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from flask.cli import AppGroup

from webapp import policies
from webapp.policy_cli import answer_lines, authority_policy, run_coverage
from webapp.timeliness import SERVICES, parse_instant
from webapp.timeliness.schedule import (
    FACTS,
    FIRST_REVIEW,
    START_DATES,
    Episode,
    Interval,
    ScheduleRule,
    Visit,
    evaluate_schedule,
)
from webapp.timeliness.schedule_policy import catalogued_schedules, schedule_coverage

schedule_cli = AppGroup("schedule", help="When each child must next be seen: the visit schedules in POLICY_DIR.")


# -- evaluate ------------------------------------------------------------------------------


def _date(value: Any, where: str, required: bool = True) -> date | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where} {value!r} is not a date, YYYY-MM-DD") from None


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a JSON object")
    return value


def _episode(data: Any) -> Episode:
    data = _object(data, "episode")
    unknown = set(data) - {"kind", "started_on", "first_review_on", "details"}
    if unknown:
        raise ValueError(f"episode has unknown fields: {', '.join(sorted(unknown))}")
    if not isinstance(data.get("kind"), str):
        raise ValueError("episode.kind is required")
    # null in the JSON is a fact not known, as if it were left out.
    details = {k: v for k, v in _object(data.get("details") or {}, "episode.details").items() if v is not None}
    for name, value in details.items():
        if FACTS.get(name) is date:
            details[name] = _date(value, f"episode.details.{name}")
    return Episode(
        kind=data["kind"],
        started_on=_date(data.get("started_on"), "episode.started_on"),
        first_review_on=_date(data.get("first_review_on"), "episode.first_review_on", required=False),
        details=details,
    )


def _flag(visit: dict, name: str, where: str, nullable: bool) -> bool | None:
    value = visit.get(name)
    if isinstance(value, bool) or (nullable and value is None):
        return value
    raise ValueError(f"{where}.{name} must be true or false" + (" or null" if nullable else ""))


def _visit(data: Any, where: str) -> Visit:
    data = _object(data, where)
    unknown = set(data) - {"at", "child_seen", "seen_alone", "bedroom_seen", "announced"}
    if unknown:
        raise ValueError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    if not isinstance(data.get("at"), str):
        raise ValueError(f"{where}.at is required: an ISO 8601 date-time")
    try:
        at = parse_instant(data["at"])
    except ValueError as exc:
        raise ValueError(f"{where}.at: {exc}") from None
    return Visit(
        at=at,
        child_seen=_flag(data, "child_seen", where, nullable=False),
        seen_alone=_flag(data, "seen_alone", where, nullable=True),
        bedroom_seen=_flag(data, "bedroom_seen", where, nullable=True),
        announced=_flag(data, "announced", where, nullable=False),
    )


def _evaluate_line(text: str) -> dict:
    request = _object(json.loads(text), "the line")
    if not isinstance(request.get("authority"), str) or not request["authority"]:
        raise ValueError("authority is required")
    service = request.get("service")
    if service is not None and service not in SERVICES:
        raise ValueError(f"service {service!r} is not one of {', '.join(SERVICES)}")
    visits = request.get("visits", [])
    if not isinstance(visits, list):
        raise ValueError("visits must be a list")
    policy = policies.find(request["authority"])
    requirements = evaluate_schedule(
        policy.schedule,
        _episode(request.get("episode")),
        [_visit(visit, f"visits[{index}]") for index, visit in enumerate(visits)],
        _date(request.get("today"), "today"),
        date_of_birth=_date(request.get("date_of_birth"), "date_of_birth", required=False),
    )
    return {
        "authority": policy.authority,
        "policy_version": policy.version,
        "requirements": [requirement.to_dict() for requirement in requirements],
    }


@schedule_cli.command("evaluate")
def evaluate_command() -> None:
    """Read JSON Lines children on stdin; write one JSON result (or {"error": ...}) per line.

    Blank lines are skipped. A bad line answers for itself and the rest still run.
    """
    answer_lines(_evaluate_line)


# -- explain -------------------------------------------------------------------------------


def _interval_words(interval: Interval, prefix: str = "every ") -> str:
    words = prefix + interval.describe()
    if interval.good_practice:
        words += f" (good practice {interval.good_practice.describe()}: due soon from then)"
    return words


def _boundary_words(until: str | Interval, rule: ScheduleRule) -> str:
    if until == FIRST_REVIEW:
        return "the first review"
    return f"{until.describe()} after {START_DATES[rule.start]}"


def _conditions_words(rule: ScheduleRule) -> str:
    parts = []
    for name, wanted in rule.conditions.items():
        if name == "age_from":
            parts.append(f"aged {wanted} or over")
        elif name == "age_below":
            parts.append(f"under {wanted}")
        elif isinstance(wanted, list):
            parts.append(f"{name} is {', '.join(map(str, wanted[:-1]))} or {wanted[-1]}")
        else:
            parts.append(f"{name} is {str(wanted).lower() if isinstance(wanted, bool) else wanted}")
    return " and ".join(parts)


def explain_rule(rule: ScheduleRule) -> list[str]:
    """The rule in words, one line per fact, phases in order, then its quotes."""
    what = {"visit": "visit", "seen_alone": "seen alone", "bedroom_seen": "bedroom seen",
            "unannounced_visit": "unannounced visit"}[rule.requirement]
    counted = ", ".join(sorted(rule.counts)).replace("_", " ")
    lines = [
        f"{rule.id}: {what}, {rule.episode.replace('_', ' ')}"
        + (f" where {_conditions_words(rule)}" if rule.conditions else ""),
        f"    counts a visit where: {counted}; counting from {START_DATES[rule.start]} ({rule.start})",
    ]
    for index, phase in enumerate(rule.phases):
        begins = START_DATES[rule.start] if index == 0 else _boundary_words(rule.phases[index - 1].until, rule)
        span = f"from {begins}" + (f" until {_boundary_words(phase.until, rule)}" if phase.until else "")
        steps = [
            "on the day of " + START_DATES[rule.start] if i.kind == "same_day"
            else _interval_words(i, "within ") + f" of {START_DATES[rule.start]}"
            for i in phase.first
        ]
        if phase.every:
            steps.append(_interval_words(phase.every))
        lines.append(f"    {span}: {', then '.join(steps)}")
    for source in rule.sources:
        lines.append(f'    {source.file}:{source.line} "{source.quote}"')
    if rule.note:
        lines.append(f"    note: {rule.note}")
    return lines


@schedule_cli.command("explain")
@click.option("--authority", required=True, help="Policy id, e.g. norfolk.")
def explain_command(authority: str) -> None:
    """Print the authority's visit schedules in words, each with the source lines it quotes."""
    policy = authority_policy(authority)
    schedule = policy.schedule
    click.echo(f"{policy.name} ({policy.authority}), policy version {policy.version}: visit schedules")
    for rule in schedule.rules:
        click.echo("")
        for line in explain_rule(rule):
            click.echo(line)
    for item in schedule.superseded:
        click.echo(f"\nsuperseded {item.catalogue_id}, covered by {item.by}: {item.why}")
    for item in schedule.not_encodable:
        click.echo(f"\nnot encodable {item.catalogue_id}: {item.reason}")


# -- coverage ------------------------------------------------------------------------------


@schedule_cli.command("coverage")
def coverage_command() -> None:
    """Per authority: catalogued visit-frequency rules encoded, superseded, or not encodable."""
    run_coverage(
        "visit-frequency rules",
        schedule_coverage,
        lambda catalogue, authority: len(catalogued_schedules(catalogue, authority)),
    )
