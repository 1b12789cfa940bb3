"""Manager pages in Chromium: axe finds no violations, and the late-list filters work through htmx."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.browser.conftest import Person
from tests.browser.test_accessibility import _violations
from tests.factories import PASSWORD, Factory
from webapp.extensions import db
from webapp.models import Record, Role, TimelinessCheck

MANAGER = Person("morgan.manager@example.org", PASSWORD, "Morgan Manager", ())


@pytest.fixture(scope="module")
def manager_team(live_app):
    """A team of its own (so the field journeys' team is untouched): a manager and late entries."""
    now = datetime.now(timezone.utc)
    with live_app.app_context():
        make = Factory()
        team = make.team("Leamington Child in Need")
        make.user(team, Role.MANAGER, MANAGER.name, email=MANAGER.email)
        writer = make.user(team, name="Pat Writer", email="pat.writer@example.org")
        child = make.child(team, "Lena Morris", "LM-0001", practitioner=writer, statuses=())
        uuids = []
        for n, (verdict, cause) in enumerate(
            [("late", "recorded_late"), ("late", "synced_late"), ("on_time", None), ("late", "unknown")]
        ):
            received = now - timedelta(days=2 + n)
            event = received - timedelta(hours=90 if verdict == "late" else 3)
            record_uuid = str(uuid.uuid4())
            record = Record(uuid=record_uuid, child_id=child.id, author_id=writer.id, record_type="visit",
                            event_at=event, completed_at=event + timedelta(hours=1), received_at=received,
                            device_id="tablet", fields={}, content_hash="0" * 64)
            db.session.add(record)
            db.session.flush()
            db.session.add(TimelinessCheck(
                record_uuid=record_uuid, record_id=record.id, team_id=team.id, author_id=writer.id,
                child_id=child.id, record_type="visit", event_at=event, received_at=received,
                policy_id="warwickshire", policy_version="browser", rule_id="warwickshire_default",
                window="72 hours", due_at=event + timedelta(hours=72), verdict=verdict,
                late_by_seconds=18 * 3600 if verdict == "late" else 0, cause=cause,
                completed_at_corrected=event + timedelta(hours=1), skew_seconds=30.0,
            ))
            uuids.append(record_uuid)
        db.session.commit()
    return uuids


@pytest.fixture
def manager_page(page, signed_in_page, manager_team):
    return signed_in_page(page, MANAGER, lands_on="Team timeliness")


def test_manager_pages_have_no_axe_violations(manager_page, live_server, manager_team, axe_source):
    page = manager_page
    for url in (
        "/manager/",
        "/manager/late-entries",
        f"/manager/records/{manager_team[0]}",
        "/manager/late-entries?verdict=maybe",  # with the error summary
    ):
        page.goto(live_server + url)
        page.wait_for_load_state("networkidle")
        assert _violations(page, axe_source) == [], url


def test_review_form_has_no_axe_violations_after_an_error(manager_page, live_server, manager_team, axe_source):
    page = manager_page
    page.goto(f"{live_server}/manager/records/{manager_team[1]}")
    page.get_by_role("button", name="Mark as reviewed").click()
    page.get_by_text("Enter a note about this late entry").first.wait_for()
    assert _violations(page, axe_source) == []
    page.get_by_label("What did you find?").fill("Practitioner was out of signal all week")
    page.get_by_role("button", name="Mark as reviewed").click()
    page.get_by_text("Marked as reviewed.").wait_for()
    assert _violations(page, axe_source) == []


def test_filters_swap_the_results_and_push_the_url(manager_page, live_server, manager_team):
    page = manager_page
    page.goto(f"{live_server}/manager/late-entries")
    page.get_by_text("Showing 1 to 3 of 3 entries").wait_for()
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.get_by_label("Cause").select_option("synced_late")
    page.get_by_text("Showing 1 to 1 of 1 entries").wait_for()
    assert "cause=synced_late" in page.url
    page.go_back()
    page.get_by_text("Showing 1 to 3 of 3 entries").wait_for()


@pytest.fixture(scope="module")
def norfolk_visit(live_app, manager_team):
    """An on-time record judged by Norfolk's visit rule, whose ten source lines have long ids."""
    with live_app.app_context():
        first = db.session.scalar(select(TimelinessCheck).where(TimelinessCheck.record_uuid == manager_team[2]))
        record_uuid = str(uuid.uuid4())
        record = Record(uuid=record_uuid, child_id=first.child_id, author_id=first.author_id, record_type="visit",
                        event_at=first.event_at, completed_at=None, received_at=first.received_at,
                        device_id="tablet", fields={}, content_hash="1" * 64)
        db.session.add(record)
        db.session.flush()
        db.session.add(TimelinessCheck(
            record_uuid=record_uuid, record_id=record.id, team_id=first.team_id, author_id=first.author_id,
            child_id=first.child_id, record_type="visit", event_at=first.event_at, received_at=first.received_at,
            policy_id="norfolk", policy_version="browser", rule_id="norfolk_visit", window="2 working days",
            due_at=first.due_at, verdict="on_time", late_by_seconds=0,
        ))
        db.session.commit()
    return record_uuid


@pytest.mark.parametrize("width", [390, 810])
def test_the_record_page_fits_the_screen_and_reads_in_words(
    manager_page, live_server, manager_team, norfolk_visit, axe_source, width
):
    page = manager_page
    page.set_viewport_size({"width": width, "height": 800})
    fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    page.goto(f"{live_server}/manager/records/{manager_team[3]}")  # late, cause unknown
    page.get_by_text("We cannot tell whether it was finished late or sent late").wait_for()
    assert page.get_by_text("The tablet’s clock was right to within a minute when it sent the record.").is_visible()
    assert not page.get_by_text("warwickshire_default").is_visible()  # in "Details", closed
    assert page.evaluate(fits)
    page.get_by_text("Rule, policy version and record ids").click()
    assert page.get_by_text("warwickshire_default").is_visible()
    assert _violations(page, axe_source) == []

    page.goto(f"{live_server}/manager/records/{norfolk_visit}")
    assert page.get_by_text("“Within 2 working days of visit”").count() == 1
    assert page.evaluate(fits)
    page.get_by_text("Rule, policy version and record ids").click()
    page.get_by_text("norfolk_step_down_initial_visit_case_note").wait_for()
    assert page.evaluate(fits), "the opened Details push the page sideways"
    assert _violations(page, axe_source) == []
