"""`flask policy ...` commands, run through the app factory's CLI runner."""

from __future__ import annotations

import json

import pytest

from webapp import create_app
from webapp.config import TestConfig


@pytest.fixture
def policy_runner(policy_dir):
    app = create_app(TestConfig, POLICY_DIR=str(policy_dir))
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=["policy", *args], input=input)

    return invoke


@pytest.fixture
def with_testshire(policy_data, write_policy):
    write_policy(policy_data)
    # A second authority, so that coverage is complete for the whole tiny catalogue.
    other = dict(policy_data, authority="otherton", catalogue_authority="otherton", rules=[],
                 service_defaults=[], not_encodable=[], record_types={"visit": "Visit"})
    other["default"] = {"id": "o_default", "window": {"kind": "hours", "amount": 48},
                        "sources": [{"file": "doc.txt", "line": 2, "quote": "All records",
                                     "catalogue_id": "o_default"}]}
    write_policy(other)


# -- due -----------------------------------------------------------------------------------


def test_due_prints_the_due_instant(policy_runner, with_testshire, testshire):
    result = policy_runner("due", "--authority", "testshire", "--record-type", "visit",
                           "--event-at", "2026-12-24T14:00")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "authority": "testshire",
        "policy_version": testshire.version,
        "rule_id": "t_default",
        "window": "2 working days",
        "due_at": "2026-12-31T00:00:00Z",
        "due_exclusive": True,
        "due_by_local_day": "2026-12-30",
    }


def test_due_with_received_at_adds_the_verdict(policy_runner, with_testshire):
    result = policy_runner("due", "--authority", "testshire", "--record-type", "visit", "--child-protection",
                           "--event-at", "2026-12-18T16:00", "--completed-at", "2026-12-19T15:00",
                           "--received-at", "2026-12-19T16:01:00+00:00")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["rule_id"], data["window"], data["due_at"]) == ("t_visit_cp", "24 hours", "2026-12-19T16:00:00Z")
    assert (data["verdict"], data["late_by_seconds"], data["cause"]) == ("late", 60, "synced_late")


def test_due_uses_service_and_anchor(policy_runner, with_testshire):
    result = policy_runner("due", "--authority", "testshire", "--record-type", "case_note",
                           "--service", "youth_justice", "--event-at", "2026-12-24T14:00")
    assert json.loads(result.output)["due_at"] == "2026-12-30T00:00:00Z"
    result = policy_runner("due", "--authority", "testshire", "--record-type", "review_report",
                           "--event-at", "2026-12-01T09:00", "--anchor-at", "2027-01-05T10:00")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["due_at"] == "2026-12-25T00:00:00Z"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--authority", "nowhere", "--record-type", "visit", "--event-at", "2026-12-24T14:00"], "nowhere"),
        (["--authority", "testshire", "--record-type", "meeting", "--event-at", "2026-12-24T14:00"], "meeting"),
        (["--authority", "testshire", "--record-type", "visit", "--event-at", "yesterday"], "--event-at"),
        (["--authority", "testshire", "--record-type", "review_report", "--event-at", "2026-12-01"], "meeting_at"),
    ],
)
def test_due_errors_are_clear(policy_runner, with_testshire, args, message):
    result = policy_runner("due", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


# -- evaluate ------------------------------------------------------------------------------


def test_evaluate_answers_each_line_in_order(policy_runner, with_testshire):
    lines = [
        {"authority": "testshire", "record_type": "visit", "child_protection": True, "service": None,
         "event_at": "2026-12-18T16:00", "completed_at": "2026-12-19T15:00", "received_at": "2026-12-19T15:59"},
        "this is not json",
        {"authority": "testshire", "record_type": "visit", "child_protection": True, "service": None,
         "event_at": "2026-12-18T16:00", "completed_at": "2026-12-19T17:00", "received_at": "2026-12-19T18:00"},
        {"authority": "testshire", "record_type": "strategy_meeting", "child_protection": False, "service": None,
         "event_at": "2026-12-18T16:00", "completed_at": None, "received_at": "2026-12-19T18:00"},
        {"authority": "testshire", "record_type": "review_report", "child_protection": False, "service": None,
         "event_at": "2026-12-01T09:00", "completed_at": None, "received_at": "2026-12-28T09:00",
         "anchor_at": "2027-01-05T10:00"},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    result = policy_runner("evaluate", input=stdin)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert len(answers) == 5
    assert (answers[0]["verdict"], answers[0]["cause"]) == ("on_time", None)
    assert answers[1] == {"error": answers[1]["error"]} and answers[1]["error"].startswith("line 2:")
    assert (answers[2]["verdict"], answers[2]["cause"], answers[2]["late_by_seconds"]) == ("late", "recorded_late", 7200)
    assert answers[3]["error"].startswith("line 4:") and "strategy_meeting" in answers[3]["error"]
    assert (answers[4]["rule_id"], answers[4]["verdict"], answers[4]["late_by_working_days"]) == ("t_review", "late", 1)


def test_evaluate_without_received_at_answers_like_due(policy_runner, with_testshire):
    line = {"authority": "testshire", "record_type": "visit", "event_at": "2026-12-24T14:00"}
    evaluated = policy_runner("evaluate", input=json.dumps(line) + "\n")
    due = policy_runner("due", "--authority", "testshire", "--record-type", "visit", "--event-at", "2026-12-24T14:00")
    assert evaluated.exit_code == due.exit_code == 0, evaluated.output + due.output
    answer = json.loads(evaluated.output)
    assert answer == json.loads(due.output)
    assert "verdict" not in answer and answer["due_by_local_day"] == "2026-12-30"


def test_evaluate_names_the_bad_field_by_line(policy_runner, with_testshire):
    lines = [
        {"authority": "testshire", "record_type": "visit", "event_at": "2026-12-24T14:00", "section_47": "yes"},
        {"authority": "testshire", "record_type": "visit", "event_at": "2026-12-24T14:00", "service": "socail_care"},
    ]
    result = policy_runner("evaluate", input="\n".join(json.dumps(line) for line in lines) + "\n")
    first, second = (json.loads(line)["error"] for line in result.output.splitlines())
    assert first == "line 1: section_47 must be true or false"
    assert second.startswith("line 2: no service 'socail_care'; the services are children_social_care, early_help")


def test_evaluate_reports_missing_fields_by_line(policy_runner, with_testshire):
    result = policy_runner("evaluate", input=json.dumps({"authority": "testshire", "record_type": "visit"}) + "\n")
    assert json.loads(result.output) == {"error": "line 1: event_at is required"}


# -- check ---------------------------------------------------------------------------------


def test_check_passes_valid_policies(policy_runner, with_testshire):
    result = policy_runner("check")
    assert result.exit_code == 0, result.output
    assert "testshire.yaml: ok" in result.output
    assert "otherton.yaml: ok" in result.output


def test_check_fails_naming_file_rule_and_field(policy_runner, with_testshire, policy_data, write_policy):
    policy_data["rules"][0]["window"]["kind"] = "fortnights"
    policy_data["rules"][1]["sources"][0]["quote"] = "not in the document"
    write_policy(policy_data)
    result = policy_runner("check")
    assert result.exit_code != 0
    assert "testshire.yaml: rule t_visit_cp: field window.kind: Must be one of" in result.output
    assert "testshire.yaml: rule t_review: field sources[0].quote:" in result.output
    assert "otherton.yaml: ok" in result.output


# -- explain -------------------------------------------------------------------------------


def test_explain_lists_rules_with_windows_and_quoted_sources(policy_runner, with_testshire):
    result = policy_runner("explain", "--authority", "testshire")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Testshire County Council" in out
    for rule_id, window in [("t_default", "2 working days"), ("t_default_youth_justice", "1 working day"),
                            ("t_visit_cp", "24 hours"), ("t_review", "5 working days before the meeting")]:
        row = next(line for line in out.splitlines() if line.startswith(rule_id + " "))
        assert window in row
    assert 'doc.txt:3 "within 24 hours of visit"' in out
    assert "child_protection=True" in out


def test_explain_unknown_authority(policy_runner, with_testshire):
    result = policy_runner("explain", "--authority", "nowhere")
    assert result.exit_code != 0
    assert "nowhere" in result.output


# -- coverage ------------------------------------------------------------------------------


def test_coverage_complete(policy_runner, with_testshire):
    result = policy_runner("coverage")
    assert result.exit_code == 0, result.output
    assert "testshire: 5 catalogue recording rules, 4 encoded, 0 superseded, 1 not encodable, 0 missing" in result.output
    assert 'not encodable t_case_notes: "promptly" has no number' in result.output
    assert "all authorities: 6 catalogue recording rules, 5 encoded, 0 superseded, 1 not encodable, 0 missing" in result.output


def test_coverage_names_the_stricter_rule_that_supersedes_an_entry(policy_runner, with_testshire, policy_data, write_policy):
    policy_data["not_encodable"] = []
    policy_data["superseded"] = [
        {"catalogue_id": "t_case_notes", "by": "t_default", "why": "line 2 sets a number for the same record"}
    ]
    write_policy(policy_data)
    result = policy_runner("coverage")
    assert result.exit_code == 0, result.output
    assert "4 encoded, 1 superseded, 0 not encodable, 0 missing" in result.output
    assert "superseded t_case_notes: superseded by t_default (stricter): line 2 sets a number" in result.output


def test_a_superseded_entry_must_name_a_rule_of_the_policy(policy_runner, with_testshire, policy_data, write_policy):
    policy_data["not_encodable"] = []
    policy_data["superseded"] = [{"catalogue_id": "t_case_notes", "by": "t_nothing", "why": "stricter"}]
    write_policy(policy_data)
    result = policy_runner("check")
    assert result.exit_code != 0
    assert "superseded[0].by: 't_nothing' is not a rule in this policy" in result.output


def test_coverage_fails_when_a_rule_is_neither(policy_runner, with_testshire, policy_data, write_policy):
    policy_data["not_encodable"] = []
    write_policy(policy_data)
    result = policy_runner("coverage")
    assert result.exit_code != 0
    assert "4 encoded, 0 superseded, 0 not encodable, 1 missing" in result.output
    assert "MISSING t_case_notes" in result.output


def test_coverage_fails_for_an_authority_without_a_policy(policy_runner, policy_data, write_policy):
    write_policy(policy_data)
    result = policy_runner("coverage")
    assert result.exit_code != 0
    assert "otherton: no policy file" in result.output
