"""The five authorities' policy files in policies/: valid, and every catalogued rule accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp.timeliness import RecordFacts, coverage, evaluate, load_catalogue, load_policies, load_policy
from webapp.timeliness.policy import POLICY_DIR, SOURCES_DIR

from .helpers import london

AUTHORITIES = ["norfolk", "lcs-model", "calderdale", "havering", "warwickshire"]
CATALOGUE_RECORDING_RULES = 360


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(SOURCES_DIR)


def test_catalogue_has_360_recording_rules(catalogue):
    assert sum(len(catalogue.recording_rules(a)) for a in catalogue.authorities()) == CATALOGUE_RECORDING_RULES


@pytest.mark.parametrize("authority", AUTHORITIES)
def test_policy_encodes_or_declines_every_catalogued_recording_rule(authority, catalogue):
    path = Path(POLICY_DIR) / f"{authority}.yaml"
    assert path.is_file(), f"{path} has not been written yet"
    policy = load_policy(path)
    report = coverage(policy, catalogue)
    assert report.total == len(catalogue.recording_rules(policy.catalogue_authority)) > 0
    assert report.missing == [], f"{authority}: catalogue rules neither encoded, superseded nor not_encodable"
    assert len(report.encoded) + len(report.superseded) + len(report.not_encodable) == report.total
    assert all(reason.startswith("superseded by ") and " (stricter): " in reason for reason in report.superseded.values())


def test_all_five_load_and_cover_the_whole_catalogue(catalogue):
    policies = load_policies(POLICY_DIR)
    assert sorted(policies) == sorted(AUTHORITIES)
    reports = [coverage(policy, catalogue) for policy in policies.values()]
    assert sorted(r.catalogue_authority for r in reports) == catalogue.authorities()
    assert sum(r.total for r in reports) == CATALOGUE_RECORDING_RULES
    assert sum(len(r.encoded) + len(r.superseded) + len(r.not_encodable) for r in reports) == CATALOGUE_RECORDING_RULES


def test_real_worked_examples():
    """timeliness.md's examples, through the authorities' own files."""
    policies = load_policies(POLICY_DIR)
    norfolk, warwickshire = policies["norfolk"], policies["warwickshire"]

    christmas = evaluate(norfolk, RecordFacts("visit", london(2026, 12, 24, 14)), london(2026, 12, 30, 23, 59))
    assert (christmas.window, christmas.verdict, christmas.due_at) == ("2 working days", "on_time", london(2026, 12, 31))

    easter = evaluate(norfolk, RecordFacts("visit", london(2026, 4, 2, 11)), london(2026, 4, 9, 0, 0))
    assert (easter.verdict, easter.due_at) == ("late", london(2026, 4, 9))

    visit = london(2026, 12, 18, 16)
    cp = evaluate(warwickshire, RecordFacts("visit", visit, child_protection=True), london(2026, 12, 19, 16, 1))
    assert (cp.window, cp.verdict, int(cp.late_by.total_seconds())) == ("24 hours", "late", 60)
    other = evaluate(warwickshire, RecordFacts("visit", visit), london(2026, 12, 21, 16))
    assert (other.window, other.verdict, other.due_at) == ("72 hours", "on_time", london(2026, 12, 21, 16))


def test_cli_check_and_coverage_pass_on_the_real_policies():
    from webapp import create_app
    from webapp.config import TestConfig

    runner = create_app(TestConfig, POLICY_DIR=str(POLICY_DIR)).test_cli_runner()
    check = runner.invoke(args=["policy", "check"])
    assert check.exit_code == 0, check.output
    result = runner.invoke(args=["policy", "coverage"])
    assert result.exit_code == 0, result.output
    for authority in AUTHORITIES:
        assert f"{authority}: " in result.output
    assert "MISSING" not in result.output
