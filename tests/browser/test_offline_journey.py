"""The whole offline journey: cached caseload, three visits and a draft written offline, the
page closed and reopened offline, then signal back and every record stored once. And the same
day on a shared tablet, at a phone's width and a tablet's: the wrong-child trap, the browser
closed and reopened, the session running out offline, and signing out offline."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import FIXED_NOW
from tests.browser.offline import (
    LONDON,
    TIMEOUT_MS,
    close_page,
    fill_visit,
    finish_record,
    store_counts,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from tests.browser.test_session_on_the_device import VIEWPORTS, half_hour_session, sign_in_heading, sign_out  # noqa: F401
from webapp.extensions import db
from webapp.models import Record, TimelinessCheck


def test_offline_journey(context, page, live_server, live_app, practitioner, signed_in_page):
    # 1. Signed in online; the worker takes control and the caseload is kept.
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/", "/records", "/visits/new"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)
    expect(page.get_by_label("Child", exact=True).locator("option", has_text="Ben Taylor")).to_have_count(1)

    # 2. Offline, a reload is served by the service worker.
    context.set_offline(True)
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_text("Ben Taylor").first).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Offline")

    # 3. Three visits finished offline, and a fourth left as a draft.
    page.goto(f"{live_server}/visits/new")
    wait_for_app(page)
    for number in (1, 2, 3):
        fill_visit(page, "Ben Taylor (WK-1002)", f"Offline visit number {number}.")
        finish_record(page, waiting=number)
    expect(page.get_by_role("status")).to_contain_text("3 records waiting to send")
    page.get_by_label("Child", exact=True).select_option(label="Chloe Evans (WK-1003)")
    page.get_by_role("textbox", name="What did you observe?").fill("Half written in the car.")
    wait_for_counts(page, uid, drafts=1, outbox=3)

    # 4. The page closed and opened again, still offline: drafts and outbox intact.
    close_page(page)
    page = context.new_page()
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    assert store_counts(page, uid) == {"drafts": 1, "outbox": 3, "synced": 0}
    expect(page.get_by_role("heading", name="Drafts (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting to send (3)")).to_be_visible()
    expect(page.get_by_role("link", name="Continue: Visit – Chloe Evans (WK-1003)")).to_be_visible()

    # 5. Signal returns: the three records are stored exactly once, with their verdicts shown.
    context.set_offline(False)
    expect(page.get_by_role("heading", name="Sent from this device (3)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Waiting to send (0)")).to_be_visible()
    sent = page.get_by_role("list", name="Sent from this device (3)").get_by_role("listitem")
    expect(sent).to_have_count(3)
    for item in sent.all():
        expect(item).to_contain_text("On time")
        expect(item).to_contain_text("before the deadline")
    with live_app.app_context():
        rows = db.session.execute(
            select(Record.uuid, func.count()).where(Record.fields["observations"].as_string().like("Offline visit number %")).group_by(Record.uuid)
        ).all()
        assert len(rows) == 3 and all(count == 1 for _, count in rows)
        checks = db.session.scalar(
            select(func.count()).select_from(TimelinessCheck).where(TimelinessCheck.record_uuid.in_([uuid for uuid, _ in rows]))
        )
        assert checks == 3

    # 6. The draft is still a draft.
    expect(page.get_by_role("heading", name="Drafts (1)")).to_be_visible()
    assert store_counts(page, uid) == {"drafts": 1, "outbox": 0, "synced": 3}
    close_page(page)


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_a_day_on_a_shared_tablet_offline(
    browser, browser_type, browser_type_launch_args, tmp_path, live_server, live_app, practitioner,
    signed_in_page, half_hour_session, viewport_name
):
    clock = half_hour_session
    event = (FIXED_NOW - timedelta(hours=1)).astimezone(LONDON)
    observed = f"Ben showed me his homework ({viewport_name})."

    def open_browser():
        context = browser_type.launch_persistent_context(
            tmp_path / "profile", **browser_type_launch_args, viewport=VIEWPORTS[viewport_name]
        )
        return context, (context.pages[0] if context.pages else context.new_page())

    # 1. Signed in with signal; the children's pages are kept for offline use.
    context, page = open_browser()
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/children/WK-1001", "/children/WK-1002", "/records", "/"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)

    # 2. The wrong-child trap, offline: a visit begun from Amira's page, then "Record a visit"
    #    from Ben's page is about Ben, with nothing of Amira's in it.
    context.set_offline(True)
    page.goto(f"{live_server}/children/WK-1001")
    page.get_by_role("button", name="Record a visit").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit for Amira Khan (WK-1001)")
    page.get_by_role("textbox", name="What did you observe?").type("Amira was asleep.")
    wait_for_counts(page, uid, drafts=1)
    page.goto(f"{live_server}/children/WK-1002")
    page.get_by_role("button", name="Record a visit").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit for Ben Taylor (WK-1002)")
    expect(page.get_by_label("Child", exact=True)).to_have_value("WK-1002")
    expect(page.get_by_role("textbox", name="What did you observe?")).to_have_value("")
    fill_visit(page, "Ben Taylor (WK-1002)", observed, when=event)
    finish_record(page, waiting=1)
    page.goto("about:blank")
    context.close()

    # 3. The browser closed and opened again, still offline: still signed in for the working
    #    day, the caseload readable, the record and the draft kept.
    context, page = open_browser()
    context.set_offline(True)
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_text("Ben Taylor").first).to_be_visible()
    wait_for_app(page)
    assert store_counts(page, uid) == {"drafts": 1, "outbox": 1, "synced": 0}

    # 4. The session runs out while offline (signal came and went, but the sync could not get
    #    through): the open page gives way, the cached pages are closed, the record waits.
    context.route("**/api/v1/sync", lambda route: route.abort())
    context.set_offline(False)
    clock.set(FIXED_NOW + timedelta(minutes=30) - timedelta(seconds=3))
    page.goto(f"{live_server}/")
    wait_for_app(page)
    context.set_offline(True)
    expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("1 record on this device has not been sent yet.")).to_be_visible()
    for path in ("/", "/children/WK-1002", "/records", "/visits/new?child=WK-1001"):
        page.goto(f"{live_server}{path}")
        expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible()
        expect(page.get_by_text("Ben Taylor")).to_have_count(0)
        expect(page.get_by_text("Amira")).to_have_count(0)
    assert store_counts(page, uid)["outbox"] == 1

    # 5. Signed in again with signal: the visit reaches Ben's file, once.
    context.unroute("**/api/v1/sync")
    clock.advance(minutes=1)
    context.set_offline(False)
    page.goto(f"{live_server}/")
    expect(sign_in_heading(page)).to_be_visible()
    expect(page.get_by_text("1 record on this device has not been sent yet.")).to_be_visible()
    signed_in_page(page, practitioner)
    wait_for_app(page)
    wait_for_counts(page, uid, outbox=0, synced=1)
    with live_app.app_context():
        [record] = db.session.scalars(select(Record).where(Record.fields["observations"].as_string() == observed)).all()
        assert record.child.reference == "WK-1002"
    cookies = [cookie for cookie in context.cookies() if cookie["name"] == "session"]

    # 6. Signed out without signal: signed out on the device at once (the draft's loss
    #    confirmed), never the browser's error page; the server hears of it when signal returns.
    context.set_offline(True)
    sign_out(page)
    page.get_by_role("button", name="Delete them and sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible(timeout=TIMEOUT_MS)
    assert page.url == f"{live_server}/signed-out"
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    expect(page.get_by_text("Ben Taylor")).to_have_count(0)
    context.set_offline(False)
    expect(sign_in_heading(page)).to_be_visible(timeout=TIMEOUT_MS)
    copy = browser.new_context()
    try:
        copy.add_cookies(cookies)
        assert copy.request.get(f"{live_server}/api/v1/caseload").status == 401
    finally:
        copy.close()
    page.goto("about:blank")
    context.close()
