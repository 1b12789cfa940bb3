"""Sessions on a shared tablet and a phone: signing out without signal, closing and reopening
the browser, the session running out offline, a copied cookie after sign-out, and a person
switched off. Each journey at the phone's width (390 px) and the tablet's (810 px)."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import FIXED_NOW
from tests.browser.offline import (
    LONDON,
    TIMEOUT_MS,
    fill_visit,
    finish_record,
    store_counts,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from tests.browser.test_shared_device import user_caches, user_databases
from webapp.extensions import db
from webapp.models import User

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 810, "height": 1080}}
# Where the journeys leave screenshots to look at; unset, nowhere.
SCREENSHOTS = os.environ.get("SESSION_SCREENSHOTS")


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return request.param


def screenshot(page: Page, name: str, viewport: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{name}-{VIEWPORTS[viewport]['width']}.png", full_page=True)


def session_cookies(context) -> list[dict]:
    return [cookie for cookie in context.cookies() if cookie["name"] == "session"]


def sign_out(page: Page) -> None:
    """Press Sign out, opening the menu first where the screen is narrow enough to fold it."""
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Sign out").click()


def sign_in_heading(page: Page):
    return page.get_by_role("heading", name="Sign in", exact=True)


def test_signing_out_offline_signs_out_at_once_and_tells_the_server_when_signal_returns(
    browser, context, page, viewport, live_server, practitioner, signed_in_page
):
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/children/WK-1001", "/records", "/"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)
    copied = session_cookies(context)
    # What htmx or anything else may have left in the tab's storage.
    page.evaluate("sessionStorage.setItem('left-behind', 'Amira Khan'); localStorage.setItem('left-behind', 'Amira Khan')")

    context.set_offline(True)
    sign_out(page)
    # Signed out on the device at once, and no browser error page.
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("finish signing you out as soon as there is")).to_be_visible()
    expect(page.get_by_text("Amira Khan")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "signed-out-offline", viewport)
    left = page.evaluate("JSON.stringify(Object.assign({}, sessionStorage, localStorage))")
    assert "left-behind" not in left and "Amira" not in left
    assert user_databases(page) == []
    assert user_caches(page, uid) == []

    # Offline, none of the person's pages open, whichever link is followed.
    for path in ("/", "/children/WK-1001", "/records", "/visits/new", "/notes/new"):
        page.goto(f"{live_server}{path}")
        expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
        expect(page.get_by_text("Amira Khan")).to_have_count(0)

    # Signal returns: the sign-out reaches the server, and the sign-in page follows.
    context.set_offline(False)
    expect(sign_in_heading(page)).to_be_visible(timeout=TIMEOUT_MS)
    page.goto(f"{live_server}/")
    expect(sign_in_heading(page)).to_be_visible()
    expect(page.get_by_text("Amira Khan")).to_have_count(0)
    # The session is over on the server too: a copy of its cookie opens nothing.
    other = browser.new_context()
    try:
        other.add_cookies(copied)
        assert other.request.get(f"{live_server}/api/v1/caseload").status == 401
    finally:
        other.close()


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
def test_closing_and_reopening_the_browser_keeps_the_working_day(
    browser_type, browser_type_launch_args, tmp_path, live_server, practitioner, signed_in_page, viewport_name
):
    profile = tmp_path / "profile"

    def open_browser():
        context = browser_type.launch_persistent_context(
            profile, **browser_type_launch_args, viewport=VIEWPORTS[viewport_name]
        )
        return context, (context.pages[0] if context.pages else context.new_page())

    context, page = open_browser()
    try:
        signed_in_page(page, practitioner)
        wait_for_service_worker(page)
        wait_for_app(page)
    finally:
        context.close()

    context, page = open_browser()
    try:
        page.goto(f"{live_server}/")
        expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
        expect(page.get_by_text("Amira Khan").first).to_be_visible()
        wait_for_app(page)
        screenshot(page, "caseload-after-reopening", viewport_name)
        # And offline, within the session, the kept caseload is there.
        context.set_offline(True)
        page.reload()
        expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
        expect(page.get_by_text("Amira Khan").first).to_be_visible()
    finally:
        context.close()


@pytest.fixture
def half_hour_session(live_app, fixed_server_clock):
    """Sessions of 30 minutes, by the live server's standing clock."""
    keys = ("SESSION_LIFETIME", "SESSION_IDLE_LIMIT")
    previous = {key: live_app.config[key] for key in keys}
    live_app.config.update(SESSION_LIFETIME=timedelta(minutes=30), SESSION_IDLE_LIMIT=timedelta(minutes=30))
    yield fixed_server_clock
    live_app.config.update(previous)


def test_a_session_running_out_offline_closes_the_cached_pages(
    context, page, viewport, live_server, practitioner, signed_in_page, half_hour_session
):
    clock = half_hour_session
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/children/WK-1002", "/records", "/visits/new"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)

    # A visit finished without signal waits on the device.
    context.set_offline(True)
    fill_visit(page, "Ben Taylor (WK-1002)", "Written in the car park.", when=(FIXED_NOW - timedelta(hours=1)).astimezone(LONDON))
    finish_record(page, waiting=1)
    # Signal that cannot reach the sync (a captive portal, say): the record still waits.
    context.route("**/api/v1/sync", lambda route: route.abort())
    context.set_offline(False)

    # Three seconds before the session's half hour is up, the caseload is opened once more.
    clock.set(FIXED_NOW + timedelta(minutes=30) - timedelta(seconds=3))
    page.goto(f"{live_server}/")
    expect(page.get_by_text("Ben Taylor").first).to_be_visible()
    wait_for_app(page)
    context.set_offline(True)

    # The open page gives way by itself when the session ends, by the device's own count.
    expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("1 record on this device has not been sent yet.")).to_be_visible()
    expect(page.get_by_text("Ben Taylor")).to_have_count(0)
    screenshot(page, "sign-in-needed-offline", viewport)
    for path in ("/", "/children/WK-1002", "/records", "/visits/new", "/sign-in"):
        page.goto(f"{live_server}{path}")
        expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible()
        expect(page.get_by_text("Ben Taylor")).to_have_count(0)
    assert store_counts(page, uid)["outbox"] == 1  # kept, to be sent after signing in

    # Back online after the half hour: the bare sign-in page says what is waiting.
    context.unroute("**/api/v1/sync")
    clock.advance(minutes=1)
    context.set_offline(False)
    page.goto(f"{live_server}/")
    expect(sign_in_heading(page)).to_be_visible()
    expect(page.get_by_text("1 record on this device has not been sent yet.")).to_be_visible()
    screenshot(page, "sign-in-with-records-waiting", viewport)

    # Signed in again, the record goes.
    page.get_by_label("Email address").fill(practitioner.email)
    page.get_by_label("Password").fill(practitioner.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    wait_for_app(page)
    wait_for_counts(page, uid, outbox=0, synced=1)


def test_a_copied_cookie_is_refused_after_its_owner_signs_out(
    browser, page, context, viewport, live_server, practitioner, signed_in_page
):
    signed_in_page(page, practitioner)
    wait_for_app(page)
    copy = browser.new_context(viewport=VIEWPORTS[viewport])
    try:
        copy.add_cookies(session_cookies(context))
        elsewhere = copy.new_page()
        elsewhere.goto(f"{live_server}/")
        expect(elsewhere.get_by_role("heading", name="My caseload")).to_be_visible()

        sign_out(page)
        expect(sign_in_heading(page)).to_be_visible()

        elsewhere.goto(f"{live_server}/")
        expect(sign_in_heading(elsewhere)).to_be_visible()
        expect(elsewhere.get_by_text("Amira Khan")).to_have_count(0)
        screenshot(elsewhere, "copied-cookie-refused", viewport)
    finally:
        copy.close()


def test_a_switched_off_person_is_refused_at_once(
    page, viewport, live_server, live_app, second_practitioner, signed_in_page
):
    signed_in_page(page, second_practitioner)
    wait_for_service_worker(page)
    wait_for_app(page)
    runner = live_app.test_cli_runner()
    try:
        result = runner.invoke(args=["users", "switch-off", "--email", second_practitioner.email])
        assert result.exit_code == 0, result.output
        page.goto(f"{live_server}/records")
        expect(sign_in_heading(page)).to_be_visible()
        expect(page.get_by_text("Dylan Price")).to_have_count(0)
        wait_for_app(page)
        # The device heard it too: out of signal, the kept caseload does not open.
        page.context.set_offline(True)
        page.goto(f"{live_server}/")
        expect(page.get_by_role("heading", name="Sign in to continue")).to_be_visible()
        expect(page.get_by_text("Dylan Price")).to_have_count(0)
        page.context.set_offline(False)
        page.goto(f"{live_server}/sign-in")
        page.get_by_label("Email address").fill(second_practitioner.email)
        page.get_by_label("Password").fill(second_practitioner.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        expect(page.get_by_text("Dylan Price")).to_have_count(0)
    finally:
        with live_app.app_context():
            db.session.scalar(select(User).where(User.email == second_practitioner.email)).active = True
            db.session.commit()


def test_htmx_keeps_no_copies_of_pages_in_the_tab(page, viewport, live_server, practitioner, signed_in_page):
    signed_in_page(page, practitioner)
    wait_for_app(page)
    page.get_by_role("searchbox").type("Amira")
    expect(page).to_have_url(f"{live_server}/?q=Amira", timeout=TIMEOUT_MS)
    expect(page.get_by_text("Ben Taylor")).to_have_count(0)
    # No snapshot of the page before (every child's name) is kept; htmx notes only the address,
    # which signing out clears.
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    assert "Ben Taylor" not in page.evaluate("JSON.stringify(Object.assign({}, sessionStorage, localStorage))")
    # Going back still shows the whole caseload: fetched again, not restored from a copy.
    page.go_back()
    expect(page.get_by_text("Ben Taylor").first).to_be_visible()


@pytest.mark.parametrize("path", ["/sign-in-needed", "/signed-out", "/sign-in"])
def test_the_sign_in_pages_have_no_axe_violations_with_records_waiting(
    context, page, viewport, live_server, practitioner, signed_in_page, axe_source, path
):
    from tests.browser.test_accessibility import _violations

    # A record waiting on the device, so that the count shows.
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    page.goto(f"{live_server}/visits/new")
    wait_for_app(page)
    context.set_offline(True)
    fill_visit(page, "Ben Taylor (WK-1002)", "Waiting for signal.")
    finish_record(page, waiting=1)
    context.clear_cookies()
    context.set_offline(False)
    page.goto(f"{live_server}{path}")
    expect(page.get_by_text("1 record on this device has not been sent yet.")).to_be_visible(timeout=TIMEOUT_MS)
    assert _violations(page, axe_source) == [], path
