"""webapp/words.py: the one set of words for durations, dates and times.

The durations and London times come from the table static/js/words.mjs is tested against too
(tests/field/test_verdict_words_js.py).
"""
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from webapp.words import (
    clock_words,
    duration_words,
    london_datetime,
    long_date,
    numeric_datetime,
    short_date,
    wait_words,
    weekday_date,
)

TABLE = json.loads((Path(__file__).parent / "field" / "verdict_words_examples.json").read_text())


@pytest.mark.parametrize("example", TABLE["durations"], ids=lambda example: str(example["seconds"]))
def test_duration_words_table(example):
    assert duration_words(example["seconds"]) == example["words"]


@pytest.mark.parametrize("example", TABLE["london_datetimes"], ids=lambda example: example["instant"])
def test_london_datetime_table(example):
    instant = datetime.fromisoformat(example["instant"].replace("Z", "+00:00"))
    assert london_datetime(instant) == example["words"]


@pytest.mark.parametrize(
    ("value", "long", "short"),
    [
        (date(2026, 11, 23), "23 November 2026", "23 Nov"),
        (date(2026, 9, 7), "7 September 2026", "7 Sep"),
        # An instant is the day it is in London: 23:30 UTC in July is already the next day.
        (datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc), "2 July 2026", "2 Jul"),
        (datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc), "1 December 2026", "1 Dec"),
    ],
)
def test_dates(value, long, short):
    assert long_date(value) == long
    assert short_date(value) == short


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "1 second"), (0.2, "1 second"), (29.5, "30 seconds"), (119, "119 seconds"),
     (120, "2 minutes"), (121, "3 minutes"), (900, "15 minutes")],
)
def test_wait_words_rounds_up(seconds, words):
    assert wait_words(seconds) == words


@pytest.mark.parametrize(
    ("skew_seconds", "words"),
    [(7200, "2 hours slow"), (-300, "5 minutes fast"), (59, "right to within a minute"),
     (-59.9, "right to within a minute"), (60, "1 minute slow"), (-90000, "1 day 1 hour fast")],
)
def test_clock_words(skew_seconds, words):
    assert clock_words(skew_seconds) == words


@pytest.mark.parametrize(
    ("instant", "numeric", "weekday"),
    [
        (datetime(2026, 11, 23, 14, 30, 59, 999999, tzinfo=timezone.utc), "23/11/2026 14:30", "Mon 23 Nov 2026"),
        # British Summer Time: 23:30 UTC on 1 July is 00:30 on the 2nd in London.
        (datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc), "02/07/2026 00:30", "Thu 2 Jul 2026"),
    ],
)
def test_numeric_datetime_and_weekday_date(instant, numeric, weekday):
    assert numeric_datetime(instant) == numeric
    assert weekday_date(instant) == weekday
