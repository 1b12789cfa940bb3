"""Check your answers before a record is finished, offline; a finished record read in full;
each of my sent records readable offline, and correctable as its next version, with its history."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from uuid import uuid4

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.offline import (
    TIMEOUT_MS,
    close_page,
    fill_visit,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from tests.browser.test_accessibility import _violations
from tests.browser.test_offline_search import wait_for_kept_page
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import Record, User
from webapp.sync.ingest import ingest

VIEWPORTS = [{"width": 810, "height": 1080}, {"width": 390, "height": 844}]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def answer(page, label: str):
    """The value shown for a question on a summary list."""
    return page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(f"^{re.escape(label)}$"))
    ).locator(".govuk-summary-list__value")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["tablet", "phone"])
def test_check_your_answers_offline_then_the_finished_record_reads_in_full(
    context, page, live_server, live_app, signed_in_page, axe_source, viewport
):
    page.set_viewport_size(viewport)
    signed_in_page(page)
    wait_for_service_worker(page)
    uid = user_id(page)
    wait_for_kept_page(page, "/records")

    context.set_offline(True)
    page.goto(f"{live_server}/visits/new?child=WK-1002")
    wait_for_app(page)
    observed = f"Ben was reading in the garden ({viewport['width']} px).\nHe talked about school."
    fill_visit(page, "Ben Taylor (WK-1002)", observed)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Visit for Ben Taylor (WK-1002)")
    expect(page.get_by_text("Check your answers before sending")).to_be_visible()
    expect(answer(page, "Child")).to_have_text("Ben Taylor (WK-1002)")
    expect(answer(page, "What type of visit was it?")).to_have_text("Child in need visit")
    expect(answer(page, "Did you see the child alone?")).to_have_text("Yes")
    expect(answer(page, "Who was present?")).to_have_text("Not answered")
    expect(answer(page, "What did you observe?")).to_have_text(observed)
    expect(answer(page, "Why did you not see the child?")).to_have_count(0)
    expect(page.get_by_role("textbox", name="What did you observe?")).to_be_hidden()
    assert _violations(page, axe_source) == []
    shot(page, "check-answers-offline")

    # Change goes back to the question; the changed answer is what is checked next.
    page.get_by_role("link", name="Change what did you observe").click()
    box = page.get_by_role("textbox", name="What did you observe?")
    expect(box).to_be_focused()
    expect(box).to_have_value(observed)
    box.press("Control+End")
    box.press_sequentially(" Homework done.")
    page.get_by_role("button", name="Continue").click()
    expect(answer(page, "What did you observe?")).to_have_text(observed + " Homework done.")
    page.get_by_role("button", name="Finish and send").click()
    expect(page.get_by_role("alert").filter(has_text="saved on this tablet")).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_counts(page, uid, outbox=1, drafts=0)

    # On My records (kept on the device) it opens as what it is, in full, not as a form.
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    page.get_by_role("link", name=re.compile("^Visit – Ben Taylor")).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit for Ben Taylor (WK-1002)")
    expect(page.get_by_text("Waiting to be sent from this device")).to_be_visible()
    expect(answer(page, "What did you observe?")).to_have_text(observed + " Homework done.")
    expect(page.get_by_role("textbox")).to_have_count(0)  # the form is not shown: nothing greyed out
    assert _violations(page, axe_source) == []
    shot(page, "finished-record-waiting")

    context.set_offline(False)
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    wait_for_counts(page, uid, outbox=0)
    with live_app.app_context():
        [record] = db.session.scalars(
            select(Record).where(Record.fields["observations"].as_string() == observed + " Homework done.")
        ).all()
        assert record.child.reference == "WK-1002"
    close_page(page)


def _sent_case_note(live_app, email: str, text: str) -> str:
    record_id = str(uuid4())
    with live_app.app_context():
        now = server_now()
        user = db.session.scalar(select(User).where(User.email == email))
        envelope = {
            "device_id": "another-tablet", "device_now": now.isoformat(),
            "records": [{
                "id": record_id, "child_id": "WK-1001", "record_type": "case_note",
                "event_at": (now - timedelta(hours=2)).isoformat(), "completed_at": (now - timedelta(hours=1)).isoformat(),
                "fields": {"note_type": "phone_call", "text": text},
            }],
        }
        [result] = ingest(user, envelope, now).results
        assert result.status == "accepted", result.errors
    return record_id


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["tablet", "phone"])
def test_a_sent_record_is_read_offline_and_corrected_with_its_history(
    context, page, live_server, live_app, practitioner, signed_in_page, axe_source, viewport
):
    page.set_viewport_size(viewport)
    text = f"Mother phoned about the review meeting ({viewport['width']} px).\nShe will bring the school report."
    record_id = _sent_case_note(live_app, practitioner.email, text)
    signed_in_page(page)
    wait_for_service_worker(page)
    uid = user_id(page)
    wait_for_kept_page(page, f"/records/{record_id}")  # kept without being opened

    # Offline, My records opens the record in full from the device.
    context.set_offline(True)
    page.goto(f"{live_server}/records")
    page.locator(f'a[href="/records/{record_id}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case note for Amira Khan (WK-1001)")
    expect(answer(page, "What happened?")).to_have_text(text)
    expect(answer(page, "What kind of case note is it?")).to_have_text("Phone call")
    context.set_offline(False)

    # Online, corrected: the form opens with the record's answers, for the same child only.
    page.goto(f"{live_server}/records/{record_id}")
    page.get_by_role("button", name="Correct this record").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct your case note for Amira Khan (WK-1001)")
    box = page.get_by_role("textbox", name="What happened?")
    expect(box).to_have_value(text)
    expect(page.get_by_role("radio", name="Phone call")).to_be_checked()
    expect(page.get_by_label("Child", exact=True).locator("option")).to_have_text(["Choose a child", "Amira Khan (WK-1001)"])
    corrected = text.replace("review meeting", "child protection review")
    box.fill(corrected)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case note for Amira Khan (WK-1001)")
    expect(answer(page, "What happened?")).to_have_text(corrected)
    expect(page.get_by_text("The correction is sent as a new version of the record")).to_be_visible()
    page.get_by_role("button", name="Finish and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correction finished")
    wait_for_counts(page, uid, outbox=0)

    with live_app.app_context():
        versions = db.session.scalars(select(Record).where(Record.uuid == record_id).order_by(Record.version)).all()
        assert [(v.version, v.supersedes, v.fields["text"]) for v in versions] == [(1, None, text), (2, 1, corrected)]

    page.get_by_role("link", name="Read the record and its versions").click()
    expect(answer(page, "What happened?")).to_have_text(corrected)
    history = page.locator(".app-record-history")
    expect(history).to_contain_text("Version 2 (shown)")
    expect(history).to_contain_text(f"Correction of version 1 by {practitioner.name}")
    expect(history).to_contain_text(f"First sent by {practitioner.name}")
    assert _violations(page, axe_source) == []
    shot(page, "record-corrected")
    history.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("Version 1 of 2")).to_be_visible()
    expect(answer(page, "What happened?")).to_have_text(text)
    close_page(page)
