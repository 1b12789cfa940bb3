"""The JavaScript mirrors say the same words as the Python, on the one table of examples.

static/js/verdict-words.mjs against webapp/field/verdict_words.py (sentences), and
static/js/words.mjs against webapp/words.py (durations, London times and deadlines).
"""
import json
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODULES = PROJECT_ROOT / "static" / "js"
EXAMPLES = PROJECT_ROOT / "tests" / "field" / "verdict_words_examples.json"
TABLE = json.loads(EXAMPLES.read_text())

# Prints the modules' words for every row of the table, as one JSON object.
SCRIPT = """
import { readFileSync } from 'node:fs'
import { verdictTag, verdictWords } from %(verdict_words)s
import { deadlineWords, durationWords, londonDateTime } from %(words)s
const table = JSON.parse(readFileSync(%(examples)s, 'utf8'))
console.log(JSON.stringify({
  examples: table.examples.map((e) => verdictWords({
    verdict: e.verdict, window: e.window, dueAt: e.due_at, dueExclusive: e.due_exclusive,
    lateBySeconds: e.late_by_seconds, cause: e.cause, receivedAt: e.received_at,
    finishedAtKnown: e.finished_at_known
  })),
  tags: table.examples.map((e) => verdictTag(e.verdict, e.cause)),
  deadlines: table.deadlines.map((e) => deadlineWords(e.due_at, e.exclusive)),
  durations: table.durations.map((e) => durationWords(e.seconds)),
  london_datetimes: table.london_datetimes.map((e) => londonDateTime(e.instant))
}))
"""


def _javascript_words() -> dict:
    script = SCRIPT % {
        "verdict_words": json.dumps((MODULES / "verdict-words.mjs").as_uri()),
        "words": json.dumps((MODULES / "words.mjs").as_uri()),
        "examples": json.dumps(str(EXAMPLES)),
    }
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True, text=True, timeout=30, check=True,
    )
    return json.loads(result.stdout)


def test_javascript_mirrors_match_the_table():
    produced = _javascript_words()
    for part in ("examples", "durations", "london_datetimes", "deadlines"):
        assert produced[part] == [row["words"] for row in TABLE[part]], part
    assert produced["tags"] == [row["tag"] for row in TABLE["examples"]]
