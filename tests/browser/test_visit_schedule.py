"""The next visit on the caseload, online and offline: the server's words, "Visited today
(waiting to send)" the moment a visit is finished on the device, and the server's new due date
once it is sent. Then the child's page and the managers' Visits page: axe, at 390 and 810 px."""
from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.offline import (
    LONDON,
    TIMEOUT_MS,
    fill_visit,
    finish_record,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from tests.browser.test_accessibility import _violations
from tests.factories import PASSWORD, Factory
from webapp.extensions import db
from webapp.models import ChildEpisode
from webapp.visits import schedules
from webapp.words import london_datetime, weekday_date

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/visit-schedule-shots"))


@pytest.fixture(scope="module")
def visits_team(live_app):
    """A team of its own (so other tests' caseloads are untouched): a practitioner, a manager,
    two children on a child in need plan that began 120 days ago and never seen, and one with
    no episode."""
    today = datetime.now(LONDON).date()
    with live_app.app_context():
        make = Factory()
        team = make.team("Visits Browser Team")
        people = {}
        for email, role in (("vic.visits@example.org", "practitioner"), ("mo.manager@example.org", "manager")):
            people[role] = make.user(team, role, email.split(".")[0].title() + " Visits", email=email)
        worker = people["practitioner"]
        vera = make.child(team, "Vera Bloom", "VB-1", practitioner=worker, date_of_birth=date(2014, 5, 1))
        otto = make.child(team, "Otto Bloom", "VB-2", practitioner=worker)
        # Wanda, on the same plan, is never visited here: the Visits page always has her overdue.
        wanda = make.child(team, "Wanda Bloom", "VB-3", practitioner=worker)
        for child in (vera, wanda):
            db.session.add(ChildEpisode(child=child, kind="child_in_need_plan", started_on=today - timedelta(days=120), details={}))
        db.session.commit()
        schedules.refresh([vera.id, otto.id, wanda.id], today)
        db.session.commit()
    return "vic.visits@example.org", "mo.manager@example.org"


def sign_in(page, live_server, email):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def shots(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 810):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def next_visit(page, reference):
    return page.locator(f'#caseload-list [data-visit-due="{reference}"]')


def test_the_next_visit_online_offline_and_after_sending(context, page, live_server, axe_source, visits_team):
    practitioner, _ = visits_team
    sign_in(page, live_server, practitioner)
    page.get_by_role("heading", name="My caseload").wait_for()
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/visits/new", "/"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)

    # Online: the most urgent child first, the server's words with a tag that says them.
    rows = page.locator("#caseload-list tbody tr")
    expect(rows.first).to_contain_text("Vera Bloom")
    expect(rows.last).to_contain_text("No visit schedule")
    expect(next_visit(page, "VB-1").locator(".govuk-tag")).to_have_text("Overdue")
    expect(next_visit(page, "VB-1")).to_contain_text("Overdue by ")
    assert _violations(page, axe_source) == []
    shots(page, "caseload")

    # Offline: a visit finished on the device shows at once on the cached caseload.
    context.set_offline(True)
    page.goto(f"{live_server}/visits/new")
    wait_for_app(page)
    when = datetime.now(LONDON) - timedelta(minutes=5)
    fill_visit(page, "Vera Bloom (VB-1)", "Seen at home, offline.", when)
    finish_record(page, waiting=1)
    page.goto(f"{live_server}/")
    wait_for_app(page)
    today = datetime.now(LONDON).date() == when.date()
    waiting = "Visited today (waiting to send)" if today else f"Visited {london_datetime(when)} (waiting to send)"
    expect(next_visit(page, "VB-1")).to_have_text(f"Visited {waiting}", timeout=TIMEOUT_MS)
    assert _violations(page, axe_source) == []
    shots(page, "caseload-offline-visited")

    # Back online: the visit is sent, and the server's new due date replaces it.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for_counts(page, uid, outbox=0, synced=1)
    caseload = page.evaluate("fetch('/api/v1/caseload').then((r) => r.json())")
    due = next(child for child in caseload["children"] if child["id"] == "VB-1")["visits_due"][0]
    assert due["last_met_on"] == when.date().isoformat() and due["status"] != "overdue"
    expect(next_visit(page, "VB-1")).to_have_text(f"{due['status_words']} {due['words']}", timeout=TIMEOUT_MS)

    # The child's page: each requirement, when last met, the rule.
    page.goto(f"{live_server}/children/VB-1")
    table = page.locator("table.app-requirements")
    expect(table).to_contain_text(due["words"])
    expect(table).to_contain_text(weekday_date(date.fromisoformat(due["last_met_on"])))
    assert _violations(page, axe_source) == []
    shots(page, "child-requirements")


def test_the_managers_visits_page(page, live_server, axe_source, visits_team):
    _, manager = visits_team
    sign_in(page, live_server, manager)
    page.goto(f"{live_server}/manager/visits")
    expect(page.get_by_role("heading", name="Visits", exact=True)).to_be_visible()
    expect(page.locator("#visits-by-practitioner")).to_contain_text("Vic Visits")
    expect(page.locator("#visits-due")).to_contain_text("Wanda Bloom")
    assert _violations(page, axe_source) == []
    shots(page, "manager-visits")
    # A filter changes the results in place (htmx) and the address keeps it.
    page.set_viewport_size({"width": 810, "height": 900})
    page.get_by_label("Practitioner").select_option(label="Vic Visits")
    page.wait_for_url("**practitioner=*", timeout=TIMEOUT_MS)
    assert _violations(page, axe_source) == []
