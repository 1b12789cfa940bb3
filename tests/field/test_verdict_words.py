"""The verdict sentences; the JSON table is shared with static/js/verdict-words.mjs."""
import json
from datetime import datetime
from pathlib import Path

import pytest

from webapp.field.verdict_words import verdict_words

EXAMPLES = json.loads((Path(__file__).parent / "verdict_words_examples.json").read_text())["examples"]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example["words"][:50])
def test_verdict_words_table(example):
    words = verdict_words(
        verdict=example["verdict"],
        window=example["window"],
        late_by_seconds=example["late_by_seconds"],
        cause=example["cause"],
        event_at=_instant(example["event_at"]),
        received_at=_instant(example["received_at"]),
        record_type=example["record_type"],
    )
    assert words == example["words"]
