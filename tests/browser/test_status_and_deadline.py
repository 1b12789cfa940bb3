"""What the worker sees of a record's journey: the deadline while writing it, online and
offline; the reason asked for when it is late; "Draft saved"; the banner's states; and the
record's state moving from "On this tablet" to "Sent" to its verdict."""
from __future__ import annotations

import os
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import FIXED_NOW
from tests.browser.offline import LONDON, TIMEOUT_MS, check_and_finish, fill_visit, wait_for_app, wait_for_service_worker
from tests.browser.test_accessibility import _violations
from webapp.extensions import db
from webapp.models import Record

VIEWPORTS = [{"width": 810, "height": 1080}, {"width": 390, "height": 844}]
SHOTS = os.environ.get("SCREENSHOT_DIR")
REASON = "The tablet had no charge until Monday."


def _shot(page, name: str, full_page: bool = False) -> None:
    if SHOTS:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"{SHOTS}/{name}-{page.viewport_size['width']}.png", full_page=full_page)


def _at(day: int, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(2026, 3, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def fixed_clocks(page, fixed_server_clock):
    """The server and the browser both at FIXED_NOW, Tuesday 10 March 2026, 15:30."""
    page.clock.set_fixed_time(FIXED_NOW)
    return fixed_server_clock


def _visit_form_for_ben(page, live_server, practitioner, signed_in_page, viewport):
    """Signed in, the service worker in charge, on a visit form for Ben; returns the banner."""
    page.set_viewport_size(viewport)
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    page.goto(f"{live_server}/visits/new?child=WK-1002")
    wait_for_app(page)
    return page.get_by_role("status")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["tablet", "phone"])
def test_the_deadline_is_shown_while_recording_and_a_late_record_says_why(
    context, page, live_server, live_app, practitioner, signed_in_page, axe_source, fixed_clocks, viewport
):
    banner = _visit_form_for_ben(page, live_server, practitioner, signed_in_page, viewport)
    # Online: Ben is a child in need, so his visits have 72 hours.
    expect(banner).to_contain_text("No records waiting to send")
    fill_visit(page, "Ben Taylor (WK-1002)", "Ben showed me his room.", _at(10, "14:00"))
    deadline = page.locator("[data-deadline]")
    expect(deadline).to_have_text("Must reach the file by 14:00 on Friday 13 March (72 hours).")
    reason = page.get_by_role("textbox", name="Why is this record late?")
    expect(reason).to_be_hidden()
    expect(page.get_by_text("Draft saved on this tablet at 15:30")).to_be_visible()
    assert _violations(page, axe_source) == []
    _shot(page, "deadline-ahead")

    # Offline, a new form for Ben, about a visit last Thursday: the deadline has passed.
    context.set_offline(True)
    page.goto(f"{live_server}/visits/new?child=WK-1002")
    wait_for_app(page)
    expect(banner).to_contain_text("Offline")
    expect(banner).to_contain_text("What you finish is kept on this tablet")
    fill_visit(page, "Ben Taylor (WK-1002)", "Seen at school.", _at(5, "09:00"))
    expect(deadline).to_have_text(
        "The deadline has passed: this record had to reach the file by 09:00 on Sunday 8 March (72 hours)."
        " Say below why it is late."
    )
    expect(reason).to_be_visible()
    reason.type(REASON)
    assert _violations(page, axe_source) == []
    _shot(page, "deadline-passed-offline", full_page=True)

    check_and_finish(page)
    notice = page.locator(".app-record-notice")
    expect(notice).to_contain_text("Visit for Ben Taylor (WK-1002) saved on this tablet.")
    expect(notice).to_contain_text("On this tablet")
    expect(notice).to_contain_text("It will be sent when there is signal.")
    expect(banner).to_contain_text("1 record waiting to send, kept on this tablet until there is signal.")
    page.get_by_role("button", name="Sync now").click()
    expect(banner).to_contain_text("You are offline. Your records are safe on this tablet")
    _shot(page, "banner-offline-waiting")

    # Back online, it is sent, and its verdict replaces "On this tablet".
    context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(banner).to_contain_text("All sent at 15:30. No records waiting to send.", timeout=TIMEOUT_MS)
    expect(notice).to_contain_text("Sent", timeout=TIMEOUT_MS)
    expect(notice.locator(".govuk-tag--red")).to_have_text("Written late")
    expect(notice).to_contain_text(
        "Finished after the deadline, and reached the file 2 days 6 hours after it."
        " Deadline (72 hours): by 09:00 on Sunday 8 March."
    )
    expect(notice).not_to_contain_text("On this tablet")
    assert _violations(page, axe_source) == []
    _shot(page, "record-sent-verdict")
    with live_app.app_context():
        reasons = [r.fields.get("delay_reason") for r in db.session.scalars(select(Record))]
    assert REASON in reasons


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["tablet", "phone"])
def test_without_a_session_the_banner_asks_to_sign_in_to_send(
    context, page, live_server, practitioner, signed_in_page, axe_source, fixed_clocks, viewport
):
    banner = _visit_form_for_ben(page, live_server, practitioner, signed_in_page, viewport)
    context.set_offline(True)
    fill_visit(page, "Ben Taylor (WK-1002)", "Ben was at home.", _at(10, "11:00"))
    check_and_finish(page)
    expect(banner).to_contain_text("1 record waiting to send")

    # The session ends while the tablet is offline; signal returns.
    context.clear_cookies()
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(banner.get_by_role("link", name="Sign in to send 1 record")).to_be_visible(timeout=TIMEOUT_MS)
    expect(banner).not_to_contain_text("when there is signal")
    expect(page.locator(".app-record-notice")).to_contain_text("Sign in to send it.")
    expect(page.get_by_role("button", name="Sync now")).to_be_hidden()
    assert _violations(page, axe_source) == []
    _shot(page, "banner-sign-in")
