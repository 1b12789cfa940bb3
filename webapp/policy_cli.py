"""`flask policy ...`: check, explain and exercise the recording policies from the command line."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

from webapp import policies
from webapp.timeliness import (
    Policy,
    RecordFacts,
    TimelinessError,
    coverage,
    default_calendar,
    due_by_local_day,
    evaluate,
    iso_utc,
    load_catalogue,
    parse_instant,
)

policy_cli = AppGroup("policy", help="Check and exercise the recording policies in POLICY_DIR.")


def authority_policy(authority: str) -> Policy:
    """The authority's policy, or a command-line error saying what is wrong."""
    try:
        return policies.find(authority)
    except TimelinessError as exc:
        raise click.ClickException(str(exc)) from None


def _instant(text: str | None, name: str):
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


@policy_cli.command("check")
def check_command() -> None:
    """Validate every policy file; exit non-zero naming file, rule and field of each problem."""
    found = policies.current()
    if not found.files:
        raise click.ClickException(f"no policy files in {found.directory}")
    for path in found.files:
        if path in found.problems:
            for issue in found.problems[path].errors:
                click.echo(str(issue), err=True)
        else:
            policy = found.policies[path.stem]
            click.echo(f"{path.name}: ok (version {policy.version}, {len(policy.all_rules())} rules)")
    if found.problems:
        sys.exit(1)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _answer(policy: Policy, record: dict, spell=str) -> dict:
    """The due instant for one record; with `received_at`, the whole verdict.

    `record` has the same names as `policy due`'s options, with instants still as text;
    `spell` turns a name into the words an error message uses for it.
    """
    record_type = record["record_type"]
    flags = {}
    for name in ("child_protection", "section_47", "immediate"):
        value = record.get(name, False)
        if not isinstance(value, bool):
            raise ValueError(f"{spell(name)} must be true or false")
        flags[name] = value
    service = record.get("service")
    event = _instant(record["event_at"], spell("event_at"))
    completed = _instant(record.get("completed_at"), spell("completed_at"))
    received = _instant(record.get("received_at"), spell("received_at"))
    anchor = _instant(record.get("anchor_at"), spell("anchor_at"))
    rule = policy.select_rule(record_type, flags["child_protection"], service, flags["section_47"], flags["immediate"])
    anchors = {rule.anchor: anchor} if rule.anchor and anchor is not None else {}
    if received is None:
        due_at = rule.window.due_at(event, default_calendar(), anchor)
        due_by = due_by_local_day(due_at, rule.window.exclusive)
        return {
            "authority": policy.authority,
            "policy_version": policy.version,
            "rule_id": rule.id,
            "window": rule.window.describe(),
            "due_at": iso_utc(due_at),
            "due_exclusive": rule.window.exclusive,
            "due_by_local_day": None if due_by is None else due_by.isoformat(),
        }
    skew = timedelta(seconds=float(record.get("skew_seconds") or 0))
    facts = RecordFacts(
        record_type, event, completed, flags["child_protection"], service, anchors,
        flags["section_47"], flags["immediate"],
    )
    return evaluate(policy, facts, received, skew=skew).to_dict()


@policy_cli.command("due")
@click.option("--authority", required=True, help="Policy id, e.g. norfolk.")
@click.option("--record-type", required=True, help="A record type the policy lists.")
@click.option("--child-protection", is_flag=True, help="The record is child protection work: the child is on a plan, or the worker marks it so.")
@click.option("--section-47", is_flag=True, help="Section 47 enquiries were started.")
@click.option("--immediate", is_flag=True, help="Marked immediate, e.g. an immediate child protection referral.")
@click.option("--service", default=None, help="Service, e.g. youth_justice.")
@click.option("--event-at", required=True, help="ISO 8601; without an offset it is London time.")
@click.option("--completed-at", default=None, help="Device time the record was finished.")
@click.option("--received-at", default=None, help="Server time the record arrived; adds a verdict.")
@click.option("--anchor-at", default=None, help="The anchor instant for *_before windows.")
def due_command(authority: str, **options) -> None:
    """Print the due instant (and, given --received-at, the verdict) as one JSON object."""
    try:
        result = _answer(policies.find(authority), options, _option)
    except (TimelinessError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result))


def _evaluate_line(text: str) -> dict:
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    for name in ("authority", "record_type", "event_at"):
        if not record.get(name):
            raise ValueError(f"{name} is required")
    return _answer(policies.find(str(record["authority"])), record)


@policy_cli.command("evaluate")
def evaluate_command() -> None:
    """Read JSON Lines records on stdin; write one JSON answer (or {"error": ...}) per line.

    Each line has the names of `policy due`'s options (event_at, received_at, ...); as there,
    a line with received_at gets a verdict and one without gets only the due instant. Blank
    lines are skipped. A bad line answers for itself and the rest still run.
    """
    answer_lines(_evaluate_line)


def answer_lines(answer) -> None:
    """One JSON answer per non-blank line of stdin, in order: `answer(text)`, or
    {"error": ...} naming the line, so that one bad line never stops the rest."""
    for number, text in enumerate(sys.stdin, start=1):
        if not text.strip():
            continue
        try:
            result = answer(text)
        except json.JSONDecodeError as exc:
            result = {"error": f"line {number}: not JSON: {exc.msg}"}
        except (TimelinessError, ValueError, TypeError) as exc:
            result = {"error": f"line {number}: {exc}"}
        click.echo(json.dumps(result))


def _applies_to(policy: Policy, rule) -> str:
    if rule is policy.default:
        return "default (everything else)"
    if rule.service is not None:
        return f"default for service {rule.service}"
    conditions = ", ".join(f"{key}={value}" for key, value in rule.conditions.items())
    label = policy.record_types.get(rule.record_type, rule.record_type)
    return f"{label} ({rule.record_type})" + (f" where {conditions}" if conditions else "")


@policy_cli.command("explain")
@click.option("--authority", required=True, help="Policy id, e.g. norfolk.")
def explain_command(authority: str) -> None:
    """Print the authority's rules, each with its window and the source line it quotes."""
    policy = authority_policy(authority)
    click.echo(f"{policy.name} ({policy.authority}), policy version {policy.version}")
    # Rule id and window first: they are short, so the long "applies to" text can run on.
    rows = [(rule.id, rule.window.describe(), _applies_to(policy, rule), rule) for rule in policy.all_rules()]
    headings = ("rule", "window", "applies to")
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headings[:2])]
    click.echo("")
    click.echo(f"{headings[0].ljust(widths[0])}  {headings[1].ljust(widths[1])}  {headings[2]}")
    click.echo(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(headings[2])}")
    for rule_id, window, applies_to, rule in rows:
        click.echo(f"{rule_id.ljust(widths[0])}  {window.ljust(widths[1])}  {applies_to}")
        for source in rule.sources:
            click.echo(f'    {source.file}:{source.line} "{source.quote}"')


@policy_cli.command("coverage")
def coverage_command() -> None:
    """Per authority: catalogued recording rules encoded, superseded by a stricter line, or not encodable."""
    run_coverage("recording rules", coverage, lambda catalogue, authority: len(catalogue.recording_rules(authority)))


def run_coverage(noun: str, report_for, catalogued) -> None:
    """Per policy file, then for all, how much of the catalogue is accounted for; exit 1 unless all.

    Shared by `policy coverage` and `schedule coverage`: `report_for(policy, catalogue)` gives
    a report with total, encoded, superseded, not_encodable, missing and complete, and
    `catalogued(catalogue, authority)` counts the entries of an authority with no policy file.
    """
    found = policies.current()
    sources_dir = found.directory / "sources"
    try:
        catalogue = load_catalogue(sources_dir)
    except FileNotFoundError:
        raise click.ClickException(f"no catalogue in {sources_dir}") from None
    incomplete = False
    covered: set[str] = set()
    totals = {"total": 0, "encoded": 0, "superseded": 0, "not_encodable": 0, "missing": 0}
    for path in found.files:
        if path in found.problems:
            incomplete = True
            click.echo(f"{path.stem}: invalid policy, run `flask policy check`", err=True)
            for issue in found.problems[path].errors:
                click.echo(f"  {issue}", err=True)
            continue
        policy = found.policies[path.stem]
        report = report_for(policy, catalogue)
        covered.add(policy.catalogue_authority)
        totals["total"] += report.total
        for name in ("encoded", "superseded", "not_encodable", "missing"):
            totals[name] += len(getattr(report, name))
        click.echo(
            f"{policy.authority}: {report.total} catalogue {noun}, "
            f"{len(report.encoded)} encoded, {len(report.superseded)} superseded, "
            f"{len(report.not_encodable)} not encodable, {len(report.missing)} missing"
        )
        for catalogue_id, reason in report.superseded.items():
            click.echo(f"  superseded {catalogue_id}: {reason}")
        for catalogue_id, reason in report.not_encodable.items():
            click.echo(f"  not encodable {catalogue_id}: {reason}")
        for catalogue_id in report.missing:
            click.echo(f"  MISSING {catalogue_id}")
        incomplete = incomplete or not report.complete
    for catalogue_authority in catalogue.authorities():
        if catalogue_authority in covered:
            continue
        count = catalogued(catalogue, catalogue_authority)
        if count:
            incomplete = True
            click.echo(f"{catalogue_authority}: no policy file; {count} catalogue {noun} missing")
    click.echo(
        f"all authorities: {totals['total']} catalogue {noun}, {totals['encoded']} encoded, "
        f"{totals['superseded']} superseded, {totals['not_encodable']} not encodable, {totals['missing']} missing"
    )
    if incomplete:
        sys.exit(1)
