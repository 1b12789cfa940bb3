"""`flask schedule ...` on the real policies, and the README's schedule commands run as written."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import TestConfig
from webapp.timeliness import load_policy
from webapp.timeliness.policy import POLICY_DIR

PROJECT_ROOT = Path(__file__).resolve().parents[2]

NORFOLK_CP = {
    "authority": "norfolk", "service": "children_social_care",
    "episode": {"kind": "child_protection_plan", "started_on": "2026-12-01", "first_review_on": None, "details": {}},
    "date_of_birth": "2015-03-01",
    "visits": [{"at": "2026-12-23T10:00:00Z", "child_seen": True, "seen_alone": True, "bedroom_seen": False,
                "announced": True}],
    "today": "2027-01-06",
}


@pytest.fixture
def schedule():
    runner = create_app(TestConfig, POLICY_DIR=str(POLICY_DIR)).test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=["schedule", *args], input=input)

    return invoke


def lines(*requests) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in requests) + "\n"


def with_changes(**changes) -> dict:
    request = json.loads(json.dumps(NORFOLK_CP))
    for path, value in changes.items():
        target = request
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key) if key.isdigit() else key]
        target[last] = value
    return request


def test_evaluate_writes_the_issue_shape(schedule):
    result = schedule("evaluate", input=lines(NORFOLK_CP))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "authority": "norfolk",
        "policy_version": load_policy(POLICY_DIR / "norfolk.yaml").version,
        "requirements": [{
            "rule_id": "norfolk_sched_child_protection", "catalogue_id": "norfolk_cp_visits",
            "requirement": "visit", "window": "every 10 working days", "due_by": "2027-01-11",
            "status": "due_soon", "last_met_on": "2026-12-23",
        }],
    }


def test_evaluate_answers_every_line_in_order_and_a_bad_line_only_for_itself(schedule):
    calderdale = {"authority": "calderdale", "episode": {"kind": "child_protection_plan", "started_on": "2026-11-04"},
                  "visits": [], "today": "2026-11-19"}
    result = schedule("evaluate", input=lines(NORFOLK_CP, "not json", "", calderdale, with_changes(today="tomorrow")))
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert len(answers) == 4
    assert answers[0]["requirements"][0]["due_by"] == "2027-01-11"
    assert answers[1] == {"error": "line 2: not JSON: Expecting value"}
    assert answers[2]["requirements"][0]["due_by"] == "2026-11-18"
    assert answers[2]["requirements"][0]["status"] == "overdue"
    assert answers[3] == {"error": "line 5: today 'tomorrow' is not a date, YYYY-MM-DD"}


def test_a_fact_given_as_null_is_not_known(schedule):
    request = with_changes(episode={"kind": "looked_after", "started_on": "2026-11-30", "first_review_on": None,
                                    "details": {"placement_type": None, "placement_started_on": None}})
    result = schedule("evaluate", input=lines(request))
    assert [r["rule_id"] for r in json.loads(result.output)["requirements"]][0] == "norfolk_sched_looked_after"


@pytest.mark.parametrize(
    "request_, words",
    [
        ("[1, 2]", "the line must be a JSON object"),
        (with_changes(authority="atlantis"), "no policy for authority 'atlantis'"),
        (with_changes(authority=None), "authority is required"),
        (with_changes(service="space_programme"), "service 'space_programme' is not one of"),
        (with_changes(episode=None), "episode must be a JSON object"),
        (with_changes(episode__kind="holiday"), "episode.kind 'holiday' is not one of"),
        (with_changes(episode__kind=None), "episode.kind is required"),
        (with_changes(episode__started_on=None), "episode.started_on must be a date"),
        (with_changes(episode__started_on="1 Dec"), "episode.started_on '1 Dec' is not a date"),
        (with_changes(episode__first_review_on="soon"), "episode.first_review_on 'soon' is not a date"),
        (with_changes(episode__colour="red"), "episode has unknown fields: colour"),
        (with_changes(episode__details={"placement_type": "castle"}), "episode.details.placement_type 'castle'"),
        (with_changes(episode__details={"placement_started_on": "yesterday"}), "episode.details.placement_started_on 'yesterday'"),
        (with_changes(episode__details=[1]), "episode.details must be a JSON object"),
        (with_changes(date_of_birth=20150301), "date_of_birth must be a date"),
        (with_changes(visits={}), "visits must be a list"),
        (with_changes(visits=["x"]), "visits[0] must be a JSON object"),
        (with_changes(visits__0__at="23/12/2026"), "visits[0].at: '23/12/2026' is not an ISO 8601 date-time"),
        (with_changes(visits__0__at=None), "visits[0].at is required"),
        (with_changes(visits__0__child_seen=None), "visits[0].child_seen must be true or false"),
        (with_changes(visits__0__seen_alone="yes"), "visits[0].seen_alone must be true or false or null"),
        (with_changes(visits__0__announced=None), "visits[0].announced must be true or false"),
        (with_changes(visits__0__mood="happy"), "visits[0] has unknown fields: mood"),
        (with_changes(today=None), "today must be a date"),
    ],
)
def test_a_bad_line_says_what_is_wrong(schedule, request_, words):
    result = schedule("evaluate", input=lines(request_, NORFOLK_CP))
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["error"].startswith("line 1: ") and words in first["error"], first
    assert second["requirements"][0]["rule_id"] == "norfolk_sched_child_protection"


def test_explain_prints_the_rules_in_words_with_their_quotes(schedule):
    result = schedule("explain", "--authority", "calderdale")
    assert result.exit_code == 0, result.output
    assert "calderdale_sched_child_protection: visit, child protection plan" in result.output
    assert "from the start until the first review: every 10 working days" in result.output
    assert "from the first review: every 15 working days" in result.output
    assert ('002_c125ccae9761c474.txt:434 "Children subject to Child Protection plans – 10 working days from '
            'the protection plan being put in place until the first review.') in result.output
    assert "calderdale_sched_child_in_need_level_3_disability: visit, child in need plan where cin_level is 3 and disability is true" in result.output
    assert "not encodable calderdale_visit_on_request:" in result.output
    assert "superseded calderdale_care_leaver_in_placement, covered by calderdale_sched_looked_after:" in result.output


def test_explain_words_first_deadlines_good_practice_and_ages(schedule):
    result = schedule("explain", "--authority", "norfolk")
    assert result.exit_code == 0, result.output
    assert ("from the placement until 12 months after the placement: on the day of the placement, then within "
            "1 week of the placement, then every 6 weeks (good practice 4 weeks: due soon from then)") in result.output
    assert "norfolk_sched_care_leaver_21_to_25: visit, care leaver where aged 21 or over and under 26" in result.output
    assert "counts a visit where: bedroom seen; counting from the placement (placement_started_on)" in result.output


def test_explain_an_unknown_authority(schedule):
    result = schedule("explain", "--authority", "atlantis")
    assert result.exit_code != 0
    assert "no policy for authority 'atlantis'" in result.output


def test_coverage_accounts_for_all_76(schedule):
    result = schedule("coverage")
    assert result.exit_code == 0, result.output
    counts = re.findall(r"^(\S+): (\d+) catalogue visit-frequency rules, (\d+) encoded, (\d+) superseded, "
                        r"(\d+) not encodable, (\d+) missing$", result.output, re.M)
    assert sum(int(total) for _, total, *_ in counts) == 76
    assert all(missing == "0" for *_, missing in counts)
    assert {authority for authority, *_ in counts} == {"norfolk", "lcs-model", "calderdale", "havering", "warwickshire"}
    assert "not encodable warwickshire_missing_child_visit:" in result.output


def test_coverage_fails_naming_what_is_missing(tmp_path):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "sources").symlink_to(POLICY_DIR / "sources")
    text = (POLICY_DIR / "havering.yaml").read_text(encoding="utf-8")
    start = text.index("  not_encodable:\n  - catalogue_id: havering_seen_twice_during_assessment")
    end = text.index("  ambiguities:", start)
    (policies / "havering.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    runner = create_app(TestConfig, POLICY_DIR=str(policies)).test_cli_runner()
    result = runner.invoke(args=["schedule", "coverage"])
    assert result.exit_code == 1
    assert "havering: 8 catalogue visit-frequency rules, 6 encoded, 1 superseded, 0 not encodable, 1 missing" in result.output
    assert "MISSING havering_seen_twice_during_assessment" in result.output
    assert "norfolk: no policy file; 17 catalogue visit-frequency rules missing" in result.output


def readme_section() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Visit schedules")
    return readme[start: readme.index("\n## ", start + 1)]


def test_the_readme_commands_run_as_written():
    section = readme_section()
    commands = re.search(r"```sh\n(.*?)```", section, re.S).group(1).replace("\\\n", "").splitlines()
    assert len(commands) == 3
    outputs = [
        subprocess.run(command, shell=True, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=120).stdout
        for command in commands
    ]
    assert "warwickshire: 20 catalogue visit-frequency rules" in outputs[0]
    assert "norfolk_sched_child_protection: visit, child protection plan" in outputs[1]
    shown = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    answer = json.loads(outputs[2])
    assert answer["policy_version"] == load_policy(POLICY_DIR / "norfolk.yaml").version
    assert answer == dict(shown, policy_version=answer["policy_version"])
