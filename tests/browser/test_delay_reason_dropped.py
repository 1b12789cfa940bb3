"""A delay reason typed while the record was late, then hidden because the date was changed so
that the deadline is ahead, is neither listed on Check your answers nor sent."""
from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import FIXED_NOW
from tests.browser.offline import (
    LONDON, TIMEOUT_MS, fill_event_at, fill_visit, wait_for_app, wait_for_service_worker,
)
from tests.browser.test_accessibility import _violations
from webapp.extensions import db
from webapp.models import Record

VIEWPORTS = [{"width": 810, "height": 1080}, {"width": 390, "height": 844}]
REASON = "The tablet had no charge until Monday."


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["tablet", "phone"])
def test_a_reason_left_behind_by_a_changed_date_is_not_sent(
    context, page, live_server, live_app, practitioner, signed_in_page, axe_source, fixed_server_clock, viewport
):
    page.clock.set_fixed_time(FIXED_NOW)  # Tuesday 10 March 2026, 15:30, as on the server
    page.set_viewport_size(viewport)
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    page.goto(f"{live_server}/visits/new?child=WK-1002")
    wait_for_app(page)
    context.set_offline(True)
    # Until the visit's time is given there is nothing to be late for: the question waits.
    expect(page.get_by_role("textbox", name="Why is this record late?")).to_be_hidden()

    # Last Thursday's visit: its 72 hours have passed, so the reason is asked for, and typed.
    observations = f"Seen at school ({viewport['width']} px)."  # the live server keeps each test's records
    fill_visit(page, "Ben Taylor (WK-1002)", observations, datetime(2026, 3, 5, 9, 0, tzinfo=LONDON))
    reason = page.get_by_role("textbox", name="Why is this record late?")
    expect(reason).to_be_visible()
    reason.type(REASON)
    # The date was wrong: the visit was this afternoon, so the record is not late after all.
    fill_event_at(page, datetime(2026, 3, 10, 14, 0, tzinfo=LONDON))
    expect(page.locator("[data-deadline]")).to_have_text("Must reach the file by 14:00 on Friday 13 March (72 hours).")
    expect(reason).to_be_hidden()

    page.get_by_role("button", name="Continue").click()
    answers = page.locator(".app-check-answers")
    expect(answers).to_contain_text("Check your answers before sending")
    expect(answers).to_contain_text(observations)
    expect(answers).not_to_contain_text("Why is this record late?")
    expect(answers).not_to_contain_text(REASON)
    assert _violations(page, axe_source) == []
    page.get_by_role("button", name="Finish and send").click()
    expect(page.get_by_role("alert").filter(has_text="saved on this tablet")).to_be_visible(timeout=TIMEOUT_MS)

    context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status")).to_contain_text("No records waiting to send", timeout=TIMEOUT_MS)
    with live_app.app_context():
        (fields,) = [r.fields for r in db.session.scalars(select(Record)) if r.fields.get("observations") == observations]
    assert "delay_reason" not in fields
