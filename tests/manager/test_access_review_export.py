"""Who may see what, reviews and their audit, and record explanations (the CSV: test_late_entries_csv.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import csrf_token_from
from tests.manager.fixtures import build_hand_worked_team
from webapp.extensions import db
from webapp.manager.models import Review
from webapp.models import AuditEvent


@pytest.fixture
def worked(make):
    return build_hand_worked_team(make)


def _pages(worked):
    own = worked.records[3].record_uuid
    return [
        ("GET", "/manager/"),
        ("GET", "/manager/late-entries"),
        ("GET", "/manager/late-entries.csv"),
        ("GET", f"/manager/records/{own}"),
        ("POST", f"/manager/records/{own}/review"),
    ]


@pytest.mark.parametrize("who", ["alice", "carol"])
def test_practitioners_get_403_everywhere(client, auth, worked, who):
    auth.sign_in(getattr(worked, who))
    token = auth.token
    for method, url in _pages(worked):
        response = client.open(url, method=method, data={"note": "x", "csrf_token": token})
        assert response.status_code == 403, (method, url)


def test_anonymous_users_are_sent_to_sign_in(client, auth, worked):
    token = auth.token
    for method, url in _pages(worked):
        response = client.open(url, method=method, data={"note": "x", "csrf_token": token})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/sign-in"), (method, url)


def test_a_manager_signs_in_to_the_team_page(client, auth, worked):
    response = auth.sign_in(worked.manager)
    assert response.headers["Location"] == "/manager/"
    assert client.get("/manager/").status_code == 200


def test_managers_see_their_own_team_only(client, auth, worked):
    auth.sign_in(worked.other_manager)
    html = client.get("/manager/late-entries").get_data(as_text=True)
    assert worked.records[9].record_uuid in html
    assert worked.records[3].record_uuid not in html
    assert client.get(f"/manager/records/{worked.records[3].record_uuid}").status_code == 404
    assert client.get(f"/manager/?team={worked.team.id}").status_code == 403
    assert client.get(f"/manager/late-entries.csv?team={worked.team.id}").status_code == 403
    body = client.get("/manager/late-entries.csv").get_data(as_text=True)
    assert worked.records[9].record_uuid in body and worked.records[3].record_uuid not in body


def test_admins_see_every_team_and_can_choose_one(client, auth, worked):
    auth.sign_in(worked.admin)
    html = client.get("/manager/late-entries").get_data(as_text=True)
    assert worked.records[9].record_uuid in html and worked.records[3].record_uuid in html
    html = client.get(f"/manager/late-entries?team={worked.other_team.id}").get_data(as_text=True)
    assert worked.records[9].record_uuid in html and worked.records[3].record_uuid not in html
    assert client.get(f"/manager/records/{worked.records[3].record_uuid}").status_code == 200


def test_a_manager_without_a_team_is_refused(app, client, auth, make):
    from webapp.models import Role

    auth.sign_in(make.user(None, Role.MANAGER))
    assert client.get("/manager/").status_code == 403


def test_record_explains_its_verdict(client, auth, worked):
    auth.sign_in(worked.manager)
    html = client.get(f"/manager/records/{worked.records[3].record_uuid}").get_data(as_text=True)
    assert "warwickshire_default" in html  # in the "Details" block
    # The quoted source text of Warwickshire's default rule, from the policy file.
    from webapp.timeliness import POLICY_DIR, load_policy

    policy = load_policy(POLICY_DIR / "warwickshire.yaml")
    quote = policy.rule_by_id("warwickshire_default").sources[0].quote
    from markupsafe import escape

    assert str(escape(quote)) in html
    assert "72 hours after the visit" in html
    assert "Mon 9 Nov 2026, 04:00" in html  # event: 12 Nov 12:00 less 80 h
    assert "By 04:00 on Thursday 12 November" in html  # due: 72 h after the event, in the deadline words
    assert "Thu 12 Nov 2026, 12:00" in html  # received
    assert "Thu 12 Nov 2026, 11:02 (the tablet showed Thu 12 Nov 2026, 11:00)" in html
    assert "The tablet’s clock was 2 minutes slow when it sent the record." in html
    assert ">Written late</strong>" in html  # the verdict's tag


def test_review_is_saved_and_audited(app, client, auth, worked, clock):
    auth.sign_in(worked.manager)
    url = f"/manager/records/{worked.records[5].record_uuid}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))

    refused = client.post(url + "/review", data={"note": "no token"})
    assert refused.status_code == 400
    empty = client.post(url + "/review", data={"note": "  ", "csrf_token": token})
    assert empty.status_code == 400 and "Enter a note" in empty.get_data(as_text=True)

    response = client.post(url + "/review", data={"note": "No signal at the placement", "csrf_token": token})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marked as reviewed." in html
    assert "No signal at the placement" in html and "Maya Manager" in html

    with app.app_context():
        review = db.session.scalar(select(Review))
        assert (review.timeliness_check_id, review.reviewer_id) == (worked.records[5].id, worked.manager.id)
        assert review.reviewed_at == clock.now()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "record.reviewed")).all()
    assert len(events) == 1
    event = events[0]
    assert (event.actor_id, event.record_uuid, event.at) == (worked.manager.id, worked.records[5].record_uuid, clock.now())
    assert event.detail["note"] == "No signal at the placement"

    again = client.post(url + "/review", data={"note": "Twice", "csrf_token": token}, follow_redirects=True)
    assert "already been reviewed" in again.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Review)).all()) == 1


def test_on_time_records_are_not_reviewed(client, auth, worked):
    auth.sign_in(worked.manager)
    url = f"/manager/records/{worked.records[1].record_uuid}"
    html = client.get(url).get_data(as_text=True)
    assert "Mark as reviewed" not in html
    token = csrf_token_from(html)
    assert client.post(url + "/review", data={"note": "x", "csrf_token": token}).status_code == 409


def test_another_teams_manager_cannot_review(client, auth, worked):
    auth.sign_in(worked.other_manager)
    token = auth.token
    url = f"/manager/records/{worked.records[3].record_uuid}/review"
    assert client.post(url, data={"note": "x", "csrf_token": token}).status_code == 404
