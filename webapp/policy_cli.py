"""`flask policy ...`: check, explain and exercise the recording policies from the command line."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.timeliness import (
    POLICY_DIR,
    Policy,
    PolicyError,
    RecordFacts,
    TimelinessError,
    UnknownAuthority,
    coverage,
    default_calendar,
    evaluate,
    iso_utc,
    load_catalogue,
    load_policy,
    parse_instant,
)
from webapp.timeliness.policy import policy_files

policy_cli = AppGroup("policy", help="Check and exercise the recording policies in POLICY_DIR.")


def _policy_dir() -> Path:
    return Path(current_app.config.get("POLICY_DIR") or POLICY_DIR)


def _load_authority(authority: str, cache: dict[str, Policy] | None = None) -> Policy:
    """One authority's policy, loaded from <POLICY_DIR>/<authority>.yaml.

    Raises:
        UnknownAuthority: there is no such file.
        PolicyError: the file is invalid.
    """
    if cache is not None and authority in cache:
        return cache[authority]
    policy_dir = _policy_dir()
    path = policy_dir / f"{authority}.yaml"
    if Path(authority).name != authority or not path.is_file():
        known = ", ".join(p.stem for p in policy_files(policy_dir)) or "none"
        raise UnknownAuthority(f"no policy for authority {authority!r} (known: {known})")
    policy = load_policy(path, policy_dir / "sources")
    if cache is not None:
        cache[authority] = policy
    return policy


def authority_policy(authority: str) -> Policy:
    """The authority's policy, or a command-line error saying what is wrong."""
    try:
        return _load_authority(authority)
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
    policy_dir = _policy_dir()
    files = policy_files(policy_dir)
    if not files:
        raise click.ClickException(f"no policy files in {policy_dir}")
    failed = False
    for path in files:
        try:
            policy = load_policy(path, policy_dir / "sources")
        except PolicyError as exc:
            failed = True
            for issue in exc.errors:
                click.echo(str(issue), err=True)
        else:
            click.echo(f"{path.name}: ok (version {policy.version}, {len(policy.all_rules())} rules)")
    if failed:
        sys.exit(1)


@policy_cli.command("due")
@click.option("--authority", required=True, help="Policy id, e.g. norfolk.")
@click.option("--record-type", required=True, help="A record type the policy lists.")
@click.option("--child-protection", is_flag=True, help="The record is child protection work: the child is on a plan, or the worker marks it so.")
@click.option("--service", default=None, help="Service, e.g. youth_justice.")
@click.option("--event-at", required=True, help="ISO 8601; without an offset it is London time.")
@click.option("--completed-at", default=None, help="Device time the record was finished.")
@click.option("--received-at", default=None, help="Server time the record arrived; adds a verdict.")
@click.option("--anchor-at", default=None, help="The anchor instant for *_before windows.")
def due_command(
    authority: str,
    record_type: str,
    child_protection: bool,
    service: str | None,
    event_at: str,
    completed_at: str | None,
    received_at: str | None,
    anchor_at: str | None,
) -> None:
    """Print the due instant (and, given --received-at, the verdict) as one JSON object."""
    try:
        policy = _load_authority(authority)
        event = _instant(event_at, "--event-at")
        completed = _instant(completed_at, "--completed-at")
        received = _instant(received_at, "--received-at")
        anchor = _instant(anchor_at, "--anchor-at")
        rule = policy.select_rule(record_type, child_protection, service)
        anchors = {rule.anchor: anchor} if rule.anchor and anchor is not None else {}
        if received is None:
            calendar = default_calendar()
            due_at = rule.window.due_at(event, calendar, anchors.get(rule.anchor))
            result = {
                "authority": policy.authority,
                "policy_version": policy.version,
                "rule_id": rule.id,
                "window": rule.window.describe(),
                "due_at": iso_utc(due_at),
            }
        else:
            facts = RecordFacts(record_type, event, completed, child_protection, service, anchors)
            result = evaluate(policy, facts, received).to_dict()
    except (TimelinessError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result))


def _evaluate_line(text: str, cache: dict[str, Policy]) -> dict:
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    for name in ("authority", "record_type", "event_at", "received_at"):
        if not record.get(name):
            raise ValueError(f"{name} is required")
    policy = _load_authority(str(record["authority"]), cache)
    child_protection = record.get("child_protection", False)
    if not isinstance(child_protection, bool):
        raise ValueError("child_protection must be true or false")
    service = record.get("service")
    event = _instant(record["event_at"], "event_at")
    completed = _instant(record.get("completed_at"), "completed_at")
    received = _instant(record["received_at"], "received_at")
    anchor = _instant(record.get("anchor_at"), "anchor_at")
    rule = policy.select_rule(record["record_type"], child_protection, service)
    anchors = {rule.anchor: anchor} if rule.anchor and anchor is not None else {}
    skew = timedelta(seconds=float(record.get("skew_seconds") or 0))
    facts = RecordFacts(record["record_type"], event, completed, child_protection, service, anchors)
    return evaluate(policy, facts, received, skew=skew).to_dict()


@policy_cli.command("evaluate")
def evaluate_command() -> None:
    """Read JSON Lines records on stdin; write one JSON verdict (or {"error": ...}) per line.

    Blank lines are skipped. A bad line answers for itself and the rest still run.
    """
    answer_lines(_evaluate_line)


def answer_lines(answer) -> None:
    """One JSON answer per non-blank line of stdin, in order: `answer(text, policy cache)`,
    or {"error": ...} naming the line, so that one bad line never stops the rest."""
    cache: dict[str, Policy] = {}
    for number, text in enumerate(sys.stdin, start=1):
        if not text.strip():
            continue
        try:
            result = answer(text, cache)
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


def run_coverage(report, catalogued) -> None:
    """Per policy file, one summary line and its details; exit 1 unless every entry is accounted for.

    Shared by `policy coverage` and `schedule coverage`: `report(policy, catalogue)` gives
    (summary, detail lines, complete), `catalogued(catalogue, authority)` names what an
    authority without a policy file leaves missing.
    """
    policy_dir = _policy_dir()
    sources_dir = policy_dir / "sources"
    try:
        catalogue = load_catalogue(sources_dir)
    except FileNotFoundError:
        raise click.ClickException(f"no catalogue in {sources_dir}") from None
    incomplete = False
    covered: set[str] = set()
    for path in policy_files(policy_dir):
        try:
            policy = load_policy(path, sources_dir)
        except PolicyError as exc:
            incomplete = True
            click.echo(f"{path.stem}: invalid policy, run `flask policy check`", err=True)
            for issue in exc.errors:
                click.echo(f"  {issue}", err=True)
            continue
        summary, details, complete = report(policy, catalogue)
        covered.add(policy.catalogue_authority)
        click.echo(f"{policy.authority}: {summary}")
        for line in details:
            click.echo(f"  {line}")
        incomplete = incomplete or not complete
    for catalogue_authority in catalogue.authorities():
        if catalogue_authority in covered:
            continue
        missing = catalogued(catalogue, catalogue_authority)
        if missing:
            incomplete = True
            click.echo(f"{catalogue_authority}: no policy file; {missing} missing")
    if incomplete:
        sys.exit(1)


@policy_cli.command("coverage")
def coverage_command() -> None:
    """Per authority, how many catalogued recording rules are encoded or not encodable."""

    def report(policy: Policy, catalogue) -> tuple[str, list[str], bool]:
        found = coverage(policy, catalogue)
        summary = (
            f"{found.total} catalogue recording rules, {len(found.encoded)} encoded, "
            f"{len(found.not_encodable)} not encodable, {len(found.missing)} missing"
        )
        details = [f"not encodable {catalogue_id}: {reason}" for catalogue_id, reason in found.not_encodable.items()]
        details += [f"MISSING {catalogue_id}" for catalogue_id in found.missing]
        return summary, details, found.complete

    def catalogued(catalogue, authority: str) -> str:
        count = len(catalogue.recording_rules(authority))
        return f"{count} catalogue recording rules" if count else ""

    run_coverage(report, catalogued)
