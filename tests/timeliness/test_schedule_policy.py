"""Loading the `schedules` section of a policy file: every problem named by file, rule and field."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import yaml

from webapp.timeliness import PolicyError, load_catalogue, load_policy
from webapp.timeliness import Episode, evaluate_schedule, schedule_coverage

from .conftest import CATALOGUE, SOURCE_FILE, SOURCE_LINES

VISIT_LINES = [
    "Child protection visits: minimum 2 weekly (10 working days)",
    "Looked after children: on the day of placement, then 6 weekly",
    "Foster carers are visited 4 times a year",
    "Children subject to a plan are visited every 10 working days",
]
LINES = SOURCE_LINES + VISIT_LINES
CP_LINE, LAC_LINE, CARERS_LINE, PLAN_LINE = (len(SOURCE_LINES) + i for i in range(1, 5))

SCHEDULE_CATALOGUE = copy.deepcopy(CATALOGUE)
SCHEDULE_CATALOGUE["visit_frequency"] = [
    {"authority": "testshire", "id": "t_cp_visits", "quote": VISIT_LINES[0], "line": CP_LINE,
     "ambiguity_refs": ["AMB_HOURS_WEEKENDS"]},
    {"authority": "testshire", "id": "t_lac_visits", "quote": VISIT_LINES[1], "line": LAC_LINE},
    {"authority": "testshire", "id": "t_carer_visits", "quote": VISIT_LINES[2], "line": CARERS_LINE},
    {"authority": "testshire", "id": "t_plan_visits", "quote": VISIT_LINES[3], "line": PLAN_LINE},
]

SCHEDULES = {
    "rules": [
        {"id": "t_sched_cp", "episode": "child_protection_plan", "requirement": "visit",
         "phases": [{"every": {"kind": "working_days", "amount": 10, "good_practice": {"kind": "weeks", "amount": 2}}}],
         "sources": [{"file": SOURCE_FILE, "line": CP_LINE, "quote": "minimum 2 weekly (10 working days)",
                      "catalogue_id": "t_cp_visits"}]},
        {"id": "t_sched_lac", "episode": "looked_after", "requirement": "visit", "start": "placement_started_on",
         "conditions": {"placement_type": ["foster", "kinship"], "age_from": 4},
         "phases": [{"until": {"kind": "months", "amount": 12}, "first": [{"kind": "same_day"}],
                     "every": {"kind": "weeks", "amount": 6}},
                    {"every": {"kind": "weeks", "amount": 6}}],
         "sources": [{"file": SOURCE_FILE, "line": LAC_LINE, "quote": VISIT_LINES[1], "catalogue_id": "t_lac_visits"}]},
    ],
    "superseded": [{"catalogue_id": "t_plan_visits", "by": "t_sched_cp", "why": "The same 10 working days."}],
    "not_encodable": [{"catalogue_id": "t_carer_visits", "reason": "Visits to carers, not to a child."}],
    "ambiguities": {"AMB_HOURS_WEEKENDS": {"resolution": "Dates only.", "why": "Schedules have no times."}},
}


@pytest.fixture
def schedule_dir(policy_dir):
    sources = policy_dir / "sources"
    (sources / SOURCE_FILE).write_text("\n".join(LINES) + "\n", encoding="utf-8")
    (sources / "seed-rules.yaml").write_text(yaml.safe_dump(SCHEDULE_CATALOGUE, allow_unicode=True), encoding="utf-8")
    return policy_dir


@pytest.fixture
def with_schedules(policy_data):
    policy_data["schedules"] = copy.deepcopy(SCHEDULES)
    return policy_data


def load(schedule_dir, write_policy, data):
    return load_policy(write_policy(data), schedule_dir / "sources")


def test_loads_the_schedules_section(schedule_dir, write_policy, with_schedules):
    policy = load(schedule_dir, write_policy, with_schedules)
    cp, lac = policy.schedule.rules
    assert (cp.id, cp.catalogue_id, cp.phases[0].every.good_practice.describe()) == ("t_sched_cp", "t_cp_visits", "2 weeks")
    assert lac.conditions == {"placement_type": ["foster", "kinship"], "age_from": 4}
    assert lac.counts == {"child_seen"}
    [result] = evaluate_schedule(policy.schedule, Episode("child_protection_plan", date(2026, 12, 23)), [], date(2026, 12, 24))
    assert (result.due_by, result.good_practice_by) == (date(2027, 1, 11), date(2027, 1, 6))


def test_a_policy_without_schedules_has_none(schedule_dir, write_policy, policy_data):
    policy = load(schedule_dir, write_policy, policy_data)
    assert policy.schedule.rules == ()
    assert evaluate_schedule(policy.schedule, Episode("looked_after", date(2026, 1, 1)), [], date(2026, 2, 1)) == []


def test_schedule_coverage(schedule_dir, write_policy, with_schedules):
    policy = load(schedule_dir, write_policy, with_schedules)
    report = schedule_coverage(policy, load_catalogue(schedule_dir / "sources"))
    assert (report.total, report.encoded, report.missing) == (4, ["t_cp_visits", "t_lac_visits"], [])
    assert report.superseded == {"t_plan_visits": "covered by t_sched_cp: The same 10 working days."}
    assert report.not_encodable == {"t_carer_visits": "Visits to carers, not to a child."}
    with_schedules["schedules"]["not_encodable"] = []
    report = schedule_coverage(load(schedule_dir, write_policy, with_schedules), load_catalogue(schedule_dir / "sources"))
    assert (report.missing, report.complete) == (["t_carer_visits"], False)


def _set(data: dict, path: str, value) -> None:
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    target = data
    for key in keys[:-1]:
        target = target[key]
    if value is DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value


DELETE = object()


@pytest.mark.parametrize(
    "path, value, rule, field, words",
    [
        ("rules.0.episode", "holiday", "t_sched_cp", "episode", "Must be one of"),
        ("rules.0.requirement", "phone_call", "t_sched_cp", "requirement", "Must be one of"),
        ("rules.0.phases.0.every.kind", "fortnights", "t_sched_cp", "phases[0].every.kind", "Must be one of"),
        ("rules.0.phases.0.every.amount", DELETE, "t_sched_cp", "phases[0].every.amount", "needs a whole amount"),
        ("rules.0.phases.0.every", {"kind": "same_day", "amount": 1}, "t_sched_cp", "phases[0].every.amount", "takes no amount"),
        ("rules.0.phases.0.every", DELETE, "t_sched_cp", "phases[0]", "needs first deadlines, an every interval"),
        ("rules.1.phases.0.until", DELETE, "t_sched_lac", "phases[0].until", "every phase but the last needs until"),
        ("rules.1.phases.1.until", "first_review", "t_sched_lac", "phases[1].until", "the last phase runs on"),
        ("rules.1.phases.1.first", [{"kind": "same_day"}], "t_sched_lac", "phases[1].first", "only the first phase"),
        ("rules.1.phases.0.until", "next_tuesday", "t_sched_lac", "phases[0].until", "must be first_review or an interval"),
        ("rules.1.conditions.colour", "red", "t_sched_lac", "conditions", "'colour' is not a condition"),
        ("rules.1.conditions.placement_type", ["castle"], "t_sched_lac", "conditions", "'castle' is not one of"),
        ("rules.1.conditions.age_from", "four", "t_sched_lac", "conditions", "age_from must be a whole number"),
        ("rules.1.start", "birthday", "t_sched_lac", "start", "Must be one of"),
        ("rules.1.counts", ["smiled"], "t_sched_lac", "counts[0]", "Must be one of"),
        ("rules.0.sources.0.quote", "minimum 3 weekly", "t_sched_cp", "sources[0].quote", "is not on line"),
        ("rules.0.sources.0.catalogue_id", "t_default", "t_sched_cp", "sources[0].catalogue_id", "is not a visit-frequency entry"),
        ("rules.1.id", "t_sched_cp", "t_sched_cp", "id", "used twice"),
        ("ambiguities", {}, "t_sched_cp", "sources[0].catalogue_id", "AMB_HOURS_WEEKENDS, which is not resolved"),
        ("superseded.0.by", "t_nothing", None, "schedules.superseded[0].by", "'t_nothing' is not a schedule rule"),
        ("superseded.0.catalogue_id", "t_cp_visits", None, "schedules.superseded[0].catalogue_id", "t_cp_visits is already encoded"),
        ("not_encodable.0.catalogue_id", "t_visit_cp", None, "schedules.not_encodable[0].catalogue_id", "is not a visit-frequency entry"),
        ("ambiguities.AMB_MADE_UP", {"resolution": "x", "why": "y"}, None, "schedules.ambiguities.AMB_MADE_UP", "not an ambiguity"),
    ],
)
def test_a_bad_schedule_names_file_rule_and_field(schedule_dir, write_policy, with_schedules, path, value, rule, field, words):
    _set(with_schedules["schedules"], path, value)
    with pytest.raises(PolicyError) as caught:
        load(schedule_dir, write_policy, with_schedules)
    matching = [issue for issue in caught.value.errors if words in issue.message]
    assert matching, str(caught.value)
    issue = matching[0]
    assert (issue.file, issue.rule, issue.field) == ("testshire.yaml", rule, field)


def test_schedules_must_be_a_mapping(schedule_dir, write_policy, policy_data):
    policy_data["schedules"] = ["not", "a", "mapping"]
    with pytest.raises(PolicyError, match="testshire.yaml: field schedules: must be a mapping"):
        load(schedule_dir, write_policy, policy_data)
