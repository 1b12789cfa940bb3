"""static/js/verdict-words.mjs says the same sentences as webapp/field/verdict_words.py."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODULE = PROJECT_ROOT / "static" / "js" / "verdict-words.mjs"
EXAMPLES = PROJECT_ROOT / "tests" / "field" / "verdict_words_examples.json"

# Prints the module's sentence for every example, one JSON string per line.
SCRIPT = """
import { readFileSync } from 'node:fs'
import { verdictWords } from %(module)s
const examples = JSON.parse(readFileSync(%(examples)s, 'utf8')).examples
for (const e of examples) {
  console.log(JSON.stringify(verdictWords({
    verdict: e.verdict, window: e.window, lateBySeconds: e.late_by_seconds, cause: e.cause,
    eventAt: e.event_at, receivedAt: e.received_at, recordType: e.record_type
  })))
}
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_mirror_matches_the_table():
    script = SCRIPT % {
        "module": json.dumps(MODULE.as_uri()),
        "examples": json.dumps(str(EXAMPLES)),
    }
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True, text=True, timeout=30, check=True,
    )
    produced = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [example["words"] for example in json.loads(EXAMPLES.read_text())["examples"]]
    assert produced == expected
