"""One wording for each cause of lateness, wherever it is read: the practitioner's verdict tag,
the manager's filter, the team page's count by cause, the late entries list and the CSV."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest

from tests.manager.fixtures import build_hand_worked_team
from webapp.field.verdict_words import cause_tag, verdict_tag

# Records of the hand-worked team (tests/manager/fixtures.py) by cause: 3 is Alice's, 5 and 6 Bob's.
WORDS = {
    "recorded_late": "Written late",
    "synced_late": "Finished on time, sent late (no signal)",
    "unknown": "Cause unknown",
}


@pytest.fixture
def worked(make):
    return build_hand_worked_team(make)


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_the_tags_say_each_cause_in_its_words():
    assert {cause: cause_tag(cause)[0] for cause in WORDS} == WORDS
    # The practitioner's tag names the two causes the tablet can tell apart in the same words.
    assert verdict_tag("late", "recorded_late")[0] == WORDS["recorded_late"]
    assert verdict_tag("late", "synced_late")[0] == WORDS["synced_late"]


def test_the_managers_pages_and_csv_use_the_same_words(client, auth, worked):
    auth.sign_in(worked.manager)
    filters = client.get("/manager/late-entries").get_data(as_text=True)
    options = re.search(r'<select[^>]*name="cause".*?</select>', filters, re.S)[0]
    assert [_text(option) for option in re.findall(r"<option.*?</option>", options, re.S)[1:]] == list(WORDS.values())

    team = client.get("/manager/").get_data(as_text=True)
    by_cause = re.search(r'<table[^>]*id="late-by-cause".*?</table>', team, re.S)[0]
    assert [_text(link) for link in re.findall(r'<a class="govuk-link".*?</a>', by_cause, re.S)] == list(WORDS.values())

    listed = client.get(f"/manager/late-entries?practitioner={worked.bob.id}").get_data(as_text=True)
    cells = r'data-label="Cause"><strong class="govuk-tag govuk-tag--(\w+)">([^<]*)</strong>'
    assert re.findall(cells, listed) == [
        (cause_tag(cause)[1], WORDS[cause]) for cause in ("synced_late", "unknown")
    ]

    body = client.get(f"/manager/late-entries.csv?practitioner={worked.bob.id}").get_data(as_text=True)
    causes = [row["Cause"] for row in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))]
    assert causes == [
        WORDS["synced_late"],
        f"{WORDS['unknown']}: the tablet did not send the time the record was finished",
    ]
