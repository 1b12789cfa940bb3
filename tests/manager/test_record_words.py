"""The record page, read as a team manager reads it: the rule in a sentence, the council's words
once, the cause and the tablet's clock in words, and ids only inside "Details".

A Norfolk team, worked by hand (GMT, so London and UTC agree):
- a visit on Friday 6 November 2026 at 14:00; Norfolk's rule is 2 working days, so it is on
  time until the end of Tuesday 10 November (the instant 2026-11-11T00:00Z);
- it reached the council on Thursday 12 November at 12:00: late by 36 hours, "1 day 12 hours".
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.manager.fixtures import build_hand_worked_team
from webapp.extensions import db
from webapp.models import Role, TimelinessCheck
from webapp.timeliness import POLICY_DIR, load_policy

UTC = timezone.utc
EVENT = datetime(2026, 11, 6, 14, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 11, 0, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
RULE = "Norfolk County Council’s rule for “Visit to a child or young person (case note of the visit)” is that it must be on the child’s file within 2 working days of the visit."


def page_text(markup: str) -> str:
    """What a reader sees: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def outside_details(markup: str) -> str:
    return re.sub(r"<details.*?</details>", "", markup, flags=re.S)


@pytest.fixture
def worked(make):
    return build_hand_worked_team(make)


@pytest.fixture
def norfolk(make):
    team = make.team("Norwich Children's Team", authority="norfolk")
    manager = make.user(team, Role.MANAGER, "Grace Manager")
    writer = make.user(team, name="Bob Baker")
    child = make.child(team, "Ben Jones", "NF-0002")
    version = load_policy(POLICY_DIR / "norfolk.yaml").version

    def late_visit(cause: str, completed_at: datetime | None, skew_seconds: float = 0.0):
        check = make.checked_record(
            child, writer, received_at=RECEIVED, delay=RECEIVED - EVENT, verdict="late", cause=cause,
            completed_at=completed_at, skew_seconds=skew_seconds, rule_id="norfolk_visit",
        )
        check.policy_id, check.policy_version, check.window = "norfolk", version, "2 working days"
        check.due_at, check.late_by_seconds = DUE, int((RECEIVED - DUE).total_seconds())
        db.session.commit()
        return check.record_uuid

    return manager, late_visit


def test_a_late_visit_in_words(client, auth, norfolk):
    manager, late_visit = norfolk
    # The tablet's clock was 2 hours slow: it said 08:00 on Monday when it was 10:00.
    record_uuid = late_visit("synced_late", datetime(2026, 11, 9, 8, 0, tzinfo=UTC), skew_seconds=7200)
    auth.sign_in(manager)
    markup = client.get(f"/manager/records/{record_uuid}").get_data(as_text=True)
    text = page_text(markup)

    assert "Ben Jones (NF-0002) Visit to a child or young person (case note of the visit)" in text
    assert (
        "Finished on time, sent late (no signal) Finished on this tablet in time, but reached the file"
        " 1 day 12 hours after the deadline, held up by no signal." in text
    )
    assert 'govuk-tag--yellow">Finished on time, sent late (no signal)' in markup
    assert (
        "Bob Baker finished it on the tablet in time, at Mon 9 Nov 2026, 10:00, but it reached the"
        " council late, usually because the tablet had no signal." in text
    )
    assert RULE in text
    # Norfolk cites the same words on ten lines, for ten kinds of visit: the reader sees them once.
    assert text.count("“Within 2 working days of visit”") == 1
    assert (
        "Norfolk County Council - Recording Timescales Framework for Children's Social Care,"
        " section “Other Case Recording”." in text
    )
    assert "The visit Fri 6 Nov 2026, 14:00" in text
    assert "Due By the end of Tuesday 10 November (2 working days after the visit)" in text
    assert "Finished on the tablet Mon 9 Nov 2026, 10:00 (the tablet showed Mon 9 Nov 2026, 08:00)" in text
    assert "Reached the council Thu 12 Nov 2026, 12:00" in text
    assert "The tablet’s clock was 2 hours slow when it sent the record." in text


def test_ids_and_versions_are_in_a_closed_details_block(client, auth, norfolk):
    manager, late_visit = norfolk
    record_uuid = late_visit("recorded_late", datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    auth.sign_in(manager)
    markup = client.get(f"/manager/records/{record_uuid}").get_data(as_text=True)

    details = re.search(r"<details[^>]*>.*?</details>", markup, flags=re.S).group(0)
    assert " open" not in details.split(">", 1)[0]
    assert "Rule, policy version and record ids" in details
    version = load_policy(POLICY_DIR / "norfolk.yaml").version
    for technical in ("norfolk_visit", version, "000_9421d6357939c56a.txt", "2026-11-11T00:00:00Z"):
        assert technical in details
        assert technical not in outside_details(markup)
    assert "Bob Baker finished it on the tablet after it was due, at Thu 12 Nov 2026, 09:00." in page_text(markup)
    assert "The tablet’s clock was right to within a minute when it sent the record." in page_text(markup)
    assert "Finished on the tablet Thu 12 Nov 2026, 09:00 Reached the council" in page_text(markup)


@pytest.mark.parametrize(
    ("completed_at", "skew_seconds", "reason"),
    [
        (None, 0.0, "because the tablet did not send the time the record was finished."),
        # 3 hours fast: the tablet's 15:00 on Friday is 12:00, two hours before the visit.
        (
            datetime(2026, 11, 6, 15, 0, tzinfo=UTC),
            -3 * 3600.0,
            "because the tablet’s clock could not be believed: it was 3 hours fast when the record was"
            " sent, and even allowing for that the tablet said the record was finished before the visit.",
        ),
        (
            datetime(2026, 11, 13, 9, 0, tzinfo=UTC),
            0.0,
            "because the tablet’s clock could not be believed: it was right to within a minute when the"
            " record was sent, and even allowing for that the tablet said the record was finished 21 hours"
            " after the tablet sent it.",
        ),
    ],
)
def test_an_unknown_cause_says_why(client, auth, norfolk, completed_at, skew_seconds, reason):
    manager, late_visit = norfolk
    record_uuid = late_visit("unknown", completed_at, skew_seconds)
    auth.sign_in(manager)
    text = page_text(client.get(f"/manager/records/{record_uuid}").get_data(as_text=True))
    why = "no time from the tablet" if completed_at is None else "the tablet's clock was wrong"
    assert f"Late Cause unknown: {why}. Reached the file 1 day 12 hours after the deadline." in text
    assert f"We cannot tell whether it was finished late or sent late, {reason}" in text
    if completed_at is None:
        assert "Finished on the tablet Not known: the tablet did not send it" in text
        assert "Tablet’s clock" not in text
    else:
        assert "by a clock that could not be believed)" in text


def test_an_on_time_record_says_how_soon_it_arrived(client, auth, worked):
    auth.sign_in(worked.manager)
    text = page_text(client.get(f"/manager/records/{worked.records[2].record_uuid}").get_data(as_text=True))
    assert "On time Reached the file 2 days 22 hours before the deadline. Deadline (72 hours): by" in text
    # Warwickshire's default rule covers every record the policy names no other rule for.
    assert "Warwickshire County Council’s general rule, which covers “" in text
    assert "is that it must be on the child’s file within 72 hours of the visit." in text


def test_words_cited_in_two_sections_name_both(client, auth, make, norfolk):
    manager, late_visit = norfolk
    record_uuid = late_visit("recorded_late", datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    check = db.session.scalar(db.select(TimelinessCheck).where(TimelinessCheck.record_uuid == record_uuid))
    check.record_type, check.rule_id, check.window = "cla_review_minutes", "norfolk_cla_review_minutes", "5 working days"
    db.session.commit()
    auth.sign_in(manager)
    text = page_text(client.get(f"/manager/records/{record_uuid}").get_data(as_text=True))
    assert "“Looked after child review recommendations and minutes” is that it must be on the child’s file within 5 working days of the event." in text
    assert (
        "“Within 5 working days of meeting” From Norfolk County Council - Recording Timescales Framework for"
        " Children's Social Care, sections “Children In Care and Care Leavers” and “Children Placed For Adoption”."
        in text
    )
