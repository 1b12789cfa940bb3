"""Loading, validating and selecting rules from policy files."""

from __future__ import annotations

import hashlib

import pytest

from webapp.timeliness import PolicyError, UnknownRecordType, UnknownService, load_policies, load_policy


def test_loads_a_valid_policy(testshire, policy_dir):
    content = (policy_dir / "testshire.yaml").read_bytes()
    assert testshire.authority == "testshire"
    assert testshire.name == "Testshire County Council"
    assert testshire.version == hashlib.sha256(content).hexdigest()[:12]
    assert testshire.record_types["visit"] == "Visit"
    rule = testshire.select_rule("review_report")
    assert rule.id == "t_review"
    assert rule.anchor == "meeting_at"
    assert rule.window.describe() == "5 working days before the meeting"
    assert rule.sources[0].file == "doc.txt"
    assert rule.sources[0].line == 5
    assert rule.sources[0].catalogue_id == "t_review"


def test_any_edit_changes_the_version(policy_dir, policy_data, write_policy):
    path = write_policy(policy_data)
    before = load_policy(path, policy_dir / "sources").version
    path.write_text(path.read_text() + "# a comment\n")
    assert load_policy(path, policy_dir / "sources").version != before


def test_load_policies_ignores_readme_and_sources(policy_dir, policy_data, write_policy):
    write_policy(policy_data)
    other = dict(policy_data, authority="otherton", catalogue_authority="otherton", rules=[],
                 service_defaults=[], not_encodable=[])
    other["default"] = {"id": "o_default", "window": {"kind": "hours", "amount": 48},
                        "sources": [{"file": "doc.txt", "line": 2, "quote": "All records",
                                     "catalogue_id": "o_default"}]}
    write_policy(other)
    policies = load_policies(policy_dir)
    assert sorted(policies) == ["otherton", "testshire"]


# -- which rule applies ---------------------------------------------------------------------

SELECTION_CASES = [
    # record_type, child_protection, service, expected rule
    ("visit", True, None, "t_visit_cp"),
    ("visit", True, "youth_justice", "t_visit_cp"),  # a specific rule beats the service default
    ("visit", False, "youth_justice", "t_default_youth_justice"),
    ("visit", False, None, "t_default"),
    ("case_note", False, "early_help", "t_default"),  # no default for early help
    ("case_note", True, "youth_justice", "t_default_youth_justice"),
    ("review_report", False, None, "t_review"),
]


@pytest.mark.parametrize(("record_type", "child_protection", "service", "rule_id"), SELECTION_CASES)
def test_rule_selection(testshire, record_type, child_protection, service, rule_id):
    assert testshire.select_rule(record_type, child_protection, service).id == rule_id


def test_most_conditions_win(policy_dir, policy_data, write_policy):
    source = policy_data["rules"][0]["sources"]
    policy_data["rules"] += [
        {"id": "visit_any", "record_type": "visit", "window": {"kind": "hours", "amount": 72}, "sources": source},
        {"id": "visit_cp_yj", "record_type": "visit",
         "conditions": {"child_protection": True, "service": "youth_justice"},
         "window": {"kind": "hours", "amount": 12}, "sources": source},
        {"id": "visit_yj", "record_type": "visit", "conditions": {"service": "youth_justice"},
         "window": {"kind": "hours", "amount": 36}, "sources": source},
    ]
    policy = load_policy(write_policy(policy_data), policy_dir / "sources")
    assert policy.select_rule("visit", True, "youth_justice").id == "visit_cp_yj"
    assert policy.select_rule("visit", True, "early_help").id == "t_visit_cp"
    assert policy.select_rule("visit", False, "youth_justice").id == "visit_yj"
    assert policy.select_rule("visit", False, None).id == "visit_any"


def test_section_47_and_immediate_are_conditions(policy_dir, policy_data, write_policy):
    source = policy_data["rules"][0]["sources"]
    policy_data["record_types"]["assessment"] = "Assessment"
    policy_data["rules"] += [
        {"id": "assessment_s47", "record_type": "assessment", "conditions": {"section_47": True},
         "window": {"kind": "working_days", "amount": 15}, "sources": source},
        {"id": "visit_cp_immediate", "record_type": "visit", "conditions": {"child_protection": True, "immediate": True},
         "window": {"kind": "hours", "amount": 2}, "sources": source},
    ]
    policy = load_policy(write_policy(policy_data), policy_dir / "sources")
    assert policy.select_rule("assessment", child_protection=True).id == "t_default"
    assert policy.select_rule("assessment", section_47=True).id == "assessment_s47"
    assert policy.select_rule("visit", True, None, immediate=True).id == "visit_cp_immediate"
    assert policy.select_rule("visit", True, None).id == "t_visit_cp"
    assert policy.select_rule("visit", False, None, immediate=True).id == "t_default"


def test_no_service_names_the_service_a_record_without_one_follows(policy_dir, policy_data, write_policy):
    policy_data["no_service"] = "youth_justice"
    policy = load_policy(write_policy(policy_data), policy_dir / "sources")
    assert policy.select_rule("case_note", False, None).id == "t_default_youth_justice"
    assert policy.select_rule("case_note", False, "early_help").id == "t_default"


def test_unknown_service_names_the_valid_ones(testshire):
    with pytest.raises(UnknownService) as error:
        testshire.select_rule("visit", False, "youth_justise")
    assert str(error.value) == (
        "no service 'youth_justise'; the services are children_social_care, early_help, youth_justice, "
        "targeted_youth_support, placements, family_support"
    )


def test_unknown_record_type(testshire):
    with pytest.raises(UnknownRecordType, match="strategy_meeting"):
        testshire.select_rule("strategy_meeting")


# -- validation: every error names the file, the rule and the field --------------------------


def _error(policy_dir, path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(path, policy_dir / "sources")
    return caught.value


def _set(data, dotted, value):
    *parents, last = dotted
    for key in parents:
        data = data[key]
    if value is _DELETE:
        del data[last]
    else:
        data[last] = value


_DELETE = object()

INVALID_CASES = [
    # path into the data, new value, rule named, field named, words in the message
    (("rules", 0, "window", "kind"), "fortnights", "t_visit_cp", "window.kind", "Must be one of"),
    (("rules", 0, "window", "amount"), 0, "t_visit_cp", "window.amount", "greater than or equal to 1"),
    (("rules", 0, "window", "amount"), "24", "t_visit_cp", "window.amount", "integer"),
    (("rules", 0, "window", "amount"), _DELETE, "t_visit_cp", "window.amount", "needs a whole amount"),
    (("rules", 1, "anchor"), _DELETE, "t_review", "anchor", "needs an anchor"),
    (("rules", 0, "conditions", "service"), "social_work", "t_visit_cp", "conditions.service", "Must be one of"),
    (("rules", 0, "conditions", "child_protection"), "yes", "t_visit_cp", "conditions.child_protection", "boolean"),
    (("rules", 0, "record_type"), "meeting", "t_visit_cp", "record_type", "not listed in record_types"),
    (("rules", 0, "sources", 0, "quote"), "within 12 hours", "t_visit_cp", "sources[0].quote", "not on line 3"),
    (("rules", 0, "sources", 0, "line"), 99, "t_visit_cp", "sources[0].line", "only"),
    (("rules", 0, "sources", 0, "file"), "missing.txt", "t_visit_cp", "sources[0].file", "no source document"),
    (("rules", 0, "sources", 0, "catalogue_id"), "t_nonsense", "t_visit_cp", "sources[0].catalogue_id",
     "not a catalogue entry"),
    (("rules", 0, "sources", 0, "catalogue_id"), "o_default", "t_visit_cp", "sources[0].catalogue_id",
     "not a catalogue entry for testshire"),
    (("rules", 0, "colour"), "red", "t_visit_cp", "colour", "Unknown field"),
    (("default", "window", "kind"), "weeks", "t_default", "window.kind", "Must be one of"),
    (("service_defaults", 0, "service"), "probation", "t_default_youth_justice", "service", "Must be one of"),
    (("ambiguities",), {}, "t_default", "sources[0].catalogue_id", "AMB_END_OF_DAY"),
    (("not_encodable", 0, "catalogue_id"), "t_visit_cp", None, "not_encodable[0].catalogue_id",
     "both encoded"),
    (("authority",), "elsewhere", None, "authority", "file stem"),
    (("timezone",), "Europe/Paris", None, "timezone", "Must be one of"),
    (("catalogue_authority",), "nowhere", None, "catalogue_authority", "not in the catalogue"),
    (("name",), _DELETE, None, "name", "required"),
]


@pytest.mark.parametrize(("path", "value", "rule", "field", "words"), INVALID_CASES)
def test_invalid_policy_names_file_rule_and_field(policy_dir, policy_data, write_policy, path, value, rule, field, words):
    _set(policy_data, path, value)
    error = _error(policy_dir, write_policy(policy_data, stem="testshire"))
    assert any(
        issue.file == "testshire.yaml" and issue.rule == rule and issue.field == field and words in issue.message
        for issue in error.errors
    ), str(error)
    text = str(error)
    assert "testshire.yaml" in text and field in text
    if rule:
        assert f"rule {rule}" in text


def test_identical_conditions_for_one_record_type_are_rejected(policy_dir, policy_data, write_policy):
    twin = dict(policy_data["rules"][0], id="t_visit_cp_again")
    policy_data["rules"].append(twin)
    error = _error(policy_dir, write_policy(policy_data))
    assert (error.rule, error.field) == ("t_visit_cp_again", "conditions")
    assert "same conditions as rule t_visit_cp" in error.message


def test_equally_specific_overlapping_rules_are_rejected(policy_dir, policy_data, write_policy):
    source = policy_data["rules"][0]["sources"]
    policy_data["rules"].append(
        {"id": "visit_yj", "record_type": "visit", "conditions": {"service": "youth_justice"},
         "window": {"kind": "hours", "amount": 36}, "sources": source}
    )
    error = _error(policy_dir, write_policy(policy_data))
    assert (error.rule, error.field) == ("visit_yj", "conditions")
    assert "ties with rule t_visit_cp" in error.message


def test_a_more_specific_rule_settles_an_overlap(policy_dir, policy_data, write_policy):
    source = policy_data["rules"][0]["sources"]
    policy_data["rules"] += [
        {"id": "visit_yj", "record_type": "visit", "conditions": {"service": "youth_justice"},
         "window": {"kind": "hours", "amount": 36}, "sources": source},
        {"id": "visit_cp_yj", "record_type": "visit",
         "conditions": {"child_protection": True, "service": "youth_justice"},
         "window": {"kind": "hours", "amount": 12}, "sources": source},
    ]
    assert load_policy(write_policy(policy_data), policy_dir / "sources").select_rule(
        "visit", True, "youth_justice"
    ).id == "visit_cp_yj"


def test_duplicate_rule_ids_are_rejected(policy_dir, policy_data, write_policy):
    policy_data["rules"][1]["id"] = "t_visit_cp"
    error = _error(policy_dir, write_policy(policy_data))
    assert (error.rule, error.field) == ("t_visit_cp", "id")


def test_every_problem_is_reported_not_just_the_first(policy_dir, policy_data, write_policy):
    policy_data["rules"][0]["window"]["kind"] = "fortnights"
    policy_data["rules"][1]["window"]["amount"] = -1
    error = _error(policy_dir, write_policy(policy_data))
    assert {(issue.rule, issue.field) for issue in error.errors} == {
        ("t_visit_cp", "window.kind"),
        ("t_review", "window.amount"),
    }


def test_a_quote_must_match_byte_for_byte(policy_dir, policy_data, write_policy):
    # The source has a curly quote and a non-breaking space; straight ones do not match.
    policy_data["not_encodable"] = []
    policy_data["rules"].append(
        {"id": "t_notes", "record_type": "case_note", "window": {"kind": "same_day"},
         "sources": [{"file": "doc.txt", "line": 6, "quote": '"promptly" (no number given)',
                      "catalogue_id": "t_case_notes"}]}
    )
    error = _error(policy_dir, write_policy(policy_data))
    assert (error.rule, error.field) == ("t_notes", "sources[0].quote")

    policy_data["rules"][-1]["sources"][0]["quote"] = "“promptly”\u00a0(no number given)"
    assert load_policy(write_policy(policy_data), policy_dir / "sources").select_rule("case_note").id == "t_notes"


def test_not_yaml(policy_dir):
    path = policy_dir / "testshire.yaml"
    path.write_text("authority: [unclosed\n")
    error = _error(policy_dir, path)
    assert error.file == "testshire.yaml"
    assert "not valid YAML" in error.message


def test_load_policies_reports_every_broken_file(policy_dir, policy_data, write_policy):
    policy_data["rules"][0]["window"]["kind"] = "fortnights"
    write_policy(policy_data)
    (policy_dir / "otherton.yaml").write_text("authority: otherton\n")
    with pytest.raises(PolicyError) as caught:
        load_policies(policy_dir)
    assert {issue.file for issue in caught.value.errors} == {"testshire.yaml", "otherton.yaml"}
