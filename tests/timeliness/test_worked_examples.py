"""The per-authority tables of worked examples, run through the real policy files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from webapp.timeliness import RecordFacts, evaluate, iso_utc, load_policies, parse_instant
from webapp.timeliness.policy import POLICY_DIR

from .worked_examples import calderdale, havering, lcs_model, norfolk, warwickshire

TABLES = {
    "norfolk": norfolk.EXAMPLES,
    "lcs-model": lcs_model.EXAMPLES,
    "calderdale": calderdale.EXAMPLES,
    "havering": havering.EXAMPLES,
    "warwickshire": warwickshire.EXAMPLES,
}
ROWS = [(authority, example) for authority, examples in TABLES.items() for example in examples]


@pytest.fixture(scope="module")
def policies():
    return load_policies(POLICY_DIR)


@pytest.mark.parametrize(("authority", "example"), ROWS, ids=[f"{a}:{e}" for a, e in ROWS])
def test_worked_example(policies, calendar, authority, example):
    policy = policies[authority]
    facts = dict(example.facts)
    rule = policy.select_rule(
        example.record_type,
        facts.get("child_protection", False),
        facts.get("service"),
        facts.get("section_47", False),
        facts.get("immediate", False),
    )
    assert rule.id == example.rule
    assert example.quote in [source.quote for source in rule.sources]

    anchors = {rule.anchor: parse_instant(example.anchor_at)} if example.anchor_at else {}
    record = RecordFacts(example.record_type, parse_instant(example.event_at), anchors=anchors, **facts)
    due_at = parse_instant(example.due_at)
    just_before = evaluate(policy, record, due_at - timedelta(minutes=1), calendar)
    at_due = evaluate(policy, record, due_at, calendar)
    assert iso_utc(at_due.due_at) == example.due_at, example.why
    assert just_before.verdict == "on_time"
    # A day window's due instant is the exclusive end of the due date; an hour window's is inclusive.
    assert at_due.verdict == ("late" if rule.window.exclusive else "on_time")


@pytest.mark.parametrize("authority", TABLES)
def test_every_rule_has_a_worked_example(policies, authority):
    tabled = {example.rule for example in TABLES[authority]}
    assert [rule.id for rule in policies[authority].all_rules() if rule.id not in tabled] == []
