"""Judging a record on time: asking the engine, and keeping its verdict as a TimelinessCheck."""
from __future__ import annotations

from typing import Any

from webapp.models import Child, delay_seconds
from webapp.sync.results import Arrival
from webapp.sync.validation import Rejected, anchor_instant, anchor_message
from webapp.timeliness import (
    MissingAnchorError,
    Policy,
    RecordFacts,
    TimelinessError,
    Verdict,
    evaluate,
)


def judge(record: dict[str, Any], child: Child, policy: Policy, child_protection: bool, arrival: Arrival) -> Verdict:
    """The engine's verdict under the child's team's service, received now.

    Raises:
        Rejected: the record cannot be judged (a missing anchor, or dates the calendar lacks).
    """
    service = child.team.service
    section_47, immediate = record["section_47"], record["immediate"]
    rule = policy.select_rule(record["record_type"], child_protection, service, section_47, immediate)
    anchors = {}
    if rule.anchor:
        anchors[rule.anchor] = anchor_instant(record["fields"], rule.anchor)
    facts = RecordFacts(
        record["record_type"], record["event_at"], record["completed_at"],
        child_protection, service, anchors, section_47, immediate,
    )
    try:
        return evaluate(policy, facts, arrival.server_now, skew=arrival.skew)
    except MissingAnchorError:
        raise Rejected({"fields": {rule.anchor: [anchor_message(rule.anchor)]}}) from None
    except TimelinessError as exc:
        raise Rejected({"event_at": [f"Cannot be judged: {exc}"]}) from None


def timeliness_check(row: dict[str, Any], child: Child, verdict: Verdict, arrival: Arrival) -> dict[str, Any]:
    """The verdict on a record's first version, with the columns the team pages filter on:
    the timeliness_check row's values, but for the record's id."""
    return {
        "record_uuid": row["uuid"],
        "team_id": child.team_id,
        "author_id": arrival.user.id,
        "child_id": child.id,
        "record_type": row["record_type"],
        "event_at": row["event_at"],
        "received_at": arrival.server_now,
        "policy_id": verdict.authority,
        "policy_version": verdict.policy_version,
        "rule_id": verdict.rule_id,
        "window": verdict.window,
        "due_at": verdict.due_at,
        "verdict": verdict.verdict,
        "late_by_seconds": int(verdict.late_by.total_seconds()),
        "late_by_working_days": verdict.late_by_working_days,
        "cause": verdict.cause,
        "completed_at_corrected": verdict.completed_at_corrected,
        "skew_seconds": arrival.skew.total_seconds(),
        "delay_seconds": delay_seconds(row["event_at"], arrival.server_now),
    }
