"""The verdict sentences, tags and deadlines; the JSON table is shared with static/js."""
import json
from datetime import datetime
from pathlib import Path

import pytest

from webapp.field.verdict_words import verdict_tag, verdict_words
from webapp.words import deadline_words

TABLE = json.loads((Path(__file__).parent / "verdict_words_examples.json").read_text())


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("example", TABLE["examples"], ids=lambda example: example["words"][:60])
def test_verdict_words_table(example):
    words = verdict_words(
        verdict=example["verdict"],
        window=example["window"],
        due_at=_instant(example["due_at"]),
        due_exclusive=example["due_exclusive"],
        late_by_seconds=example["late_by_seconds"],
        cause=example["cause"],
        received_at=_instant(example["received_at"]),
        finished_at_known=example["finished_at_known"],
    )
    assert words == example["words"]
    assert list(verdict_tag(example["verdict"], example["cause"])) == example["tag"]


@pytest.mark.parametrize("example", TABLE["deadlines"], ids=lambda example: example["words"])
def test_deadline_words_table(example):
    assert deadline_words(_instant(example["due_at"]), example["exclusive"]) == example["words"]


def test_no_sentence_is_late_by_nothing_or_contradicts_its_tag():
    for example in TABLE["examples"]:
        assert " 0 minutes" not in example["words"]
        ahead = "before the deadline" in example["words"] or "exactly at the deadline" in example["words"]
        assert ahead == (example["tag"][0] == "On time")


def test_a_late_tag_never_shares_the_on_time_or_written_late_colour():
    colours = {verdict_tag("late", cause)[1] for cause in ("synced_late", "recorded_late", "unknown")}
    assert len(colours) == 3 and "green" not in colours
    assert verdict_tag(None, None) == ("No verdict", "grey")
