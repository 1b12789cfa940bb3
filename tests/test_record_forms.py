"""The browser and the server read a record form the same way: webapp/record_forms.py (Form.read,
behind every plain POST) and static/js/record-fields.mjs (readRecord, behind every record made
offline) give the errors or the record of tests/record_form_examples.json, from the same
definitions."""
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from webapp.record_forms import FORMS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODULE = PROJECT_ROOT / "static" / "js" / "record-fields.mjs"
TABLE = json.loads((Path(__file__).parent / "record_form_examples.json").read_text())
EXAMPLES = TABLE["examples"]
NOW = datetime.fromisoformat(TABLE["now"])

# Reads {definitions, table} on stdin and prints each example's {errors, record}, a JSON line each.
SCRIPT = """
import { readRecord } from %(module)s
let input = ''
for await (const chunk of process.stdin) input += chunk
const { definitions, table } = JSON.parse(input)
for (const example of table.examples) {
  const { errors, record } = readRecord(definitions[example.form], example.inputs, {
    now: new Date(table.now), children: table.children, recordTypes: table.record_types, deadline: example.deadline ?? null
  })
  console.log(JSON.stringify(record ? { record } : { errors }))
}
"""


def _expected(example: dict) -> dict:
    return {"record": example["record"]} if "record" in example else {"errors": example["errors"]}


@pytest.mark.parametrize("example", EXAMPLES, ids=[example["name"] for example in EXAMPLES])
def test_the_server_reads_each_example_as_the_table_says(example):
    record_types = {record_type: record_type for record_type in TABLE["record_types"]}
    submission = FORMS[example["form"]].read(
        example["inputs"], TABLE["children"], NOW, record_types, deadline=lambda read: example.get("deadline")
    )
    produced = {"errors": submission.errors} if submission.errors else {"record": submission.record()}
    assert produced == _expected(example)


def test_the_browser_reads_every_example_as_the_server_does():
    node = shutil.which("node")
    assert node, "node is needed to run the browser's form reader"
    definitions = {record_type: form.as_json() for record_type, form in FORMS.items()}
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT % {"module": json.dumps(MODULE.as_uri())}],
        input=json.dumps({"definitions": definitions, "table": TABLE}),
        capture_output=True, text=True, timeout=30, check=True,
    )
    produced = [json.loads(line) for line in result.stdout.splitlines()]
    for example, answer in zip(EXAMPLES, produced, strict=True):
        assert answer == _expected(example), example["name"]


def test_a_synced_records_fields_get_the_forms_messages():
    """The sync API's check of `fields` says what the form says, for the same answers."""
    visit = next(e for e in EXAMPLES if e["name"] == "a full visit to a looked after child")["record"]["fields"]
    blank = {**visit, "observations": "  ", "child_seen": False}
    blank.pop("seen_alone")
    assert FORMS["visit"].problems(blank, ["looked_after"]) == {
        "child_not_seen_reason": ["Enter why you did not see the child"],
        "observations": ["Enter what you observed"],
    }
