"""The case note page offers each authority's record types in groups, narrowed by the child's
statuses: webapp/record_forms.py (grouped_record_types, behind the page) and
static/js/record-fields.mjs (groupRecordTypes and groupApplies, behind the offline shell) group
and narrow every authority's types alike."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from webapp import policies
from webapp.models import CHILD_STATUSES
from webapp.record_forms import CASE_NOTE, RECORD_TYPE_GROUPS, grouped_record_types

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "record-fields.mjs"
STATUS_SETS = [[], *([status] for status in CHILD_STATUSES), ["child_protection", "child_in_need"]]

# Reads {definition, authorities: {id: [{value, text}]}, statuses: [[...]]} on stdin and prints
# {authority: [[statuses, [[group label, [type ids]]]]]}.
SCRIPT = """
import { groupApplies, groupRecordTypes } from %(module)s
let input = ''
for await (const chunk of process.stdin) input += chunk
const { definition, authorities, statuses } = JSON.parse(input)
const out = {}
for (const [authority, types] of Object.entries(authorities)) {
  out[authority] = statuses.map((childStatuses) => [childStatuses, groupRecordTypes(definition, types)
    .filter((group) => groupApplies(group.statuses, childStatuses))
    .map((group) => [group.label, group.members.map((type) => type.value)])])
}
console.log(JSON.stringify(out))
"""


def _note_types(authority: str) -> dict[str, str]:
    types = policies.record_type_labels(authority)
    types.pop("visit", None)
    return types


@pytest.fixture
def authorities(app):
    with app.app_context():
        return {authority: _note_types(authority) for authority in policies.every_policy()}


def test_every_record_type_is_offered_once_and_none_falls_to_other(authorities):
    assert authorities
    for authority, types in authorities.items():
        offered = [key for _, members in grouped_record_types(types) for key, _ in members]
        assert sorted(offered) == sorted(types), authority
        assert "Other records" not in [group.label for group, _ in grouped_record_types(types)], authority


def test_no_type_is_named_by_two_groups():
    named = [record_type for group in RECORD_TYPE_GROUPS for record_type in group.record_types]
    assert len(named) == len(set(named))


def test_a_child_in_need_is_not_offered_a_looked_after_childs_records(authorities):
    types = authorities["calderdale"]
    labels = [group.label for group, _ in grouped_record_types(types, ["child_in_need"])]
    assert "Children in care" not in labels and "Fostering" not in labels
    assert "Child protection enquiries" in labels and "Case notes and contacts" in labels
    looked_after = [group.label for group, _ in grouped_record_types(types, ["looked_after"])]
    assert "Children in care" in looked_after and "Child protection plans" not in looked_after
    # Nothing recorded about the child: nothing is ruled out.
    assert len(grouped_record_types(types, [])) == len(grouped_record_types(types))


def test_the_browser_groups_and_narrows_as_the_server_does(authorities):
    node = shutil.which("node")
    assert node, "node is needed to run the browser's form code"
    payload = {
        "definition": CASE_NOTE.as_json(),
        "authorities": {a: [{"value": k, "text": v} for k, v in types.items()] for a, types in authorities.items()},
        "statuses": STATUS_SETS,
    }
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT % {"module": json.dumps(MODULE.as_uri())}],
        input=json.dumps(payload), capture_output=True, text=True, timeout=30, check=True,
    )
    browser = json.loads(result.stdout)
    for authority, types in authorities.items():
        server = [
            [statuses, [[group.label, [key for key, _ in members]] for group, members in grouped_record_types(types, statuses)]]
            for statuses in STATUS_SETS
        ]
        assert browser[authority] == server, authority
