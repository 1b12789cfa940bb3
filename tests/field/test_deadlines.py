"""The deadline a record form shows as the worker types is the engine's, online and offline.

One table (deadline_examples.json) holds the engine (webapp/timeliness), the server's deadline
table (webapp/field/deadlines.py) and the device's lookup of it (static/js/deadline-table.mjs)
to the same instants and words.
"""
import json
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from webapp.field.deadlines import DAYS_AFTER, DAYS_BEFORE, ChildFacts, deadline_table
from webapp.timeliness import POLICY_DIR, RecordFacts, TimelinessError, evaluate, iso_utc, load_policy
from webapp.words import deadline_words

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = json.loads((Path(__file__).parent / "deadline_examples.json").read_text())["examples"]
CHILD = "EX-1"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _policy(authority: str):
    return load_policy(POLICY_DIR / f"{authority}.yaml")


def _table(example: dict) -> dict:
    child = ChildFacts(CHILD, _policy(example["authority"]), example["service"], example["on_child_protection_plan"])
    return deadline_table([child], date.fromisoformat(example["today"]))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example["about"])
def test_the_engine_gives_the_tables_deadline(example):
    facts = RecordFacts(
        example["record_type"], _instant(example["event_at"]),
        child_protection=example["on_child_protection_plan"] or example["child_protection"],
        service=example["service"],
    )
    try:
        verdict = evaluate(_policy(example["authority"]), facts, _instant(example["event_at"]))
    except TimelinessError:
        assert example["due_at"] is None
        return
    assert iso_utc(verdict.due_at) == example["due_at"]
    assert deadline_words(verdict.due_at, verdict.due_exclusive) == example["words"]


# Prints, for each example, what the device finds in the server's table: [due_at ms, words] or null.
SCRIPT = """
import { readFileSync } from 'node:fs'
import { dueFor } from %(table_module)s
import { deadlineWords } from %(words_module)s
const cases = JSON.parse(readFileSync(%(cases)s, 'utf8'))
console.log(JSON.stringify(cases.map(({ table, example }) => {
  const found = dueFor(table, {
    childId: %(child)s, recordType: example.record_type, childProtection: example.child_protection,
    eventAt: Date.parse(example.event_at)
  })
  return found && [found.dueAt, deadlineWords(found.dueAt, found.exclusive)]
})))
"""


def test_the_device_finds_the_engines_deadline_in_the_servers_table(tmp_path):
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([{"table": _table(example), "example": example} for example in EXAMPLES]))
    modules = PROJECT_ROOT / "static" / "js"
    script = SCRIPT % {
        "table_module": json.dumps((modules / "deadline-table.mjs").as_uri()),
        "words_module": json.dumps((modules / "words.mjs").as_uri()),
        "cases": json.dumps(str(cases)),
        "child": json.dumps(CHILD),
    }
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, timeout=30, check=True
    )
    found = json.loads(result.stdout)
    for example, on_device in zip(EXAMPLES, found):
        if not example["on_device"] or example["due_at"] is None:
            assert on_device is None, example["about"]
            continue
        due_ms = int(_instant(example["due_at"]).timestamp() * 1000)
        assert on_device == [due_ms, example["words"]], example["about"]


def test_the_table_covers_the_days_around_today_and_no_one_elses_children():
    example = EXAMPLES[0]
    table = _table(example)
    assert table["days"] == DAYS_BEFORE + DAYS_AFTER + 1
    assert table["children"] == {CHILD: "p0"}
    assert all(len(window.get("due_at", [])) in (0, table["days"]) for window in table["windows"].values())
