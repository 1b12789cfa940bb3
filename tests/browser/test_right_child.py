"""Offline, a visit is recorded against the child whose page it was started from, never against
a child chosen on an earlier form, and every text box starts empty (issue 10, defects 1 and 2)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.offline import (
    TIMEOUT_MS,
    an_hour_ago,
    close_page,
    fill_event_at,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from webapp.extensions import db
from webapp.models import Record

TEXT_BOXES = ("Who was present?", "What did the child say?", "What did you observe?", "Analysis", "Actions and next steps")


@pytest.mark.parametrize("viewport", [{"width": 810, "height": 1080}, {"width": 390, "height": 844}], ids=["tablet", "phone"])
def test_a_visit_started_from_a_childs_page_offline_is_about_that_child(
    context, page, live_server, live_app, practitioner, signed_in_page, viewport
):
    page.set_viewport_size(viewport)
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    # Online: a visit form opened for Ben, then Chloe's page, kept for offline use.
    page.goto(f"{live_server}/children/WK-1002")
    page.get_by_role("button", name="Record a visit").click()
    wait_for_app(page)
    expect(page.get_by_label("Child", exact=True)).to_have_value("WK-1002")
    page.goto(f"{live_server}/children/WK-1003")
    wait_for_app(page)

    # Offline, "Record a visit" from Chloe's page opens a form about Chloe, with nothing in it.
    context.set_offline(True)
    page.goto(f"{live_server}/children/WK-1003")
    page.get_by_role("button", name="Record a visit").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit for Chloe Evans (WK-1003)")
    expect(page.get_by_label("Child", exact=True)).to_have_value("WK-1003")
    for name in TEXT_BOXES:
        expect(page.get_by_role("textbox", name=name)).to_have_value("")

    # Only the questions that apply are asked: Chloe is looked after, so her bedroom is.
    reason = page.get_by_role("textbox", name="Why did you not see the child?")
    alone = page.get_by_role("group", name="Did you see the child alone?")
    expect(page.get_by_role("group", name="Did you see the child’s bedroom?")).to_be_visible()
    expect(reason).to_be_hidden()
    expect(alone).to_be_hidden()
    page.get_by_role("group", name="Did you see the child?").get_by_role("radio", name="No").check()
    expect(reason).to_be_visible()
    expect(alone).to_be_hidden()

    # Typed, not filled: a prefilled word would stay in front of what is typed.
    fill_event_at(page, an_hour_ago())
    page.get_by_role("radio", name="Looked-after child visit").check()
    page.get_by_role("group", name="Was the visit announced?").get_by_role("radio", name="Announced", exact=True).check()
    page.get_by_role("group", name="Did you see the child?").get_by_role("radio", name="Yes").check()
    expect(reason).to_be_hidden()
    page.get_by_role("group", name="Did you see the child alone?").get_by_role("radio", name="Yes").check()
    page.get_by_role("group", name="Did you see the child’s bedroom?").get_by_role("radio", name="Yes").check()
    observed = f"Chloe showed me her room ({viewport['width']} px)."
    page.get_by_role("textbox", name="What did you observe?").press_sequentially(observed)
    page.get_by_role("textbox", name="Analysis").press_sequentially("Settled.")
    page.get_by_role("textbox", name="Actions and next steps").press_sequentially("Visit in six weeks.")
    page.get_by_role("button", name="Continue").click()
    # Check your answers names the child the record is about.
    expect(page.get_by_role("heading", level=1)).to_have_text("Visit for Chloe Evans (WK-1003)")
    page.get_by_role("button", name="Finish and send").click()
    expect(page.get_by_role("alert").filter(has_text="saved on this tablet")).to_be_visible(timeout=TIMEOUT_MS)

    context.set_offline(False)
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    wait_for_counts(page, uid, outbox=0, synced=1)
    with live_app.app_context():
        [record] = db.session.scalars(select(Record).where(Record.fields["observations"].as_string() == observed)).all()
        assert record.child.reference == "WK-1003"
        assert record.fields["analysis"] == "Settled."
    close_page(page)


def test_the_online_form_starts_empty_and_refuses_blank_text(page, live_server, practitioner, signed_in_page):
    signed_in_page(page, practitioner)
    page.goto(f"{live_server}/notes/new?child=WK-1001")
    wait_for_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a case note for Amira Khan (WK-1001)")
    text = page.get_by_role("textbox", name="What happened?")
    expect(text).to_have_value("")
    kind = page.get_by_role("group", name="What kind of case note is it?")
    expect(kind).to_be_visible()  # a case note is the type chosen at first
    page.get_by_label("What type of record is it?").select_option("supervision")
    expect(kind).to_be_hidden()
    page.get_by_label("What type of record is it?").select_option("case_note")
    page.get_by_role("radio", name="Phone call").check()
    fill_event_at(page, an_hour_ago())
    text.press_sequentially("   ")
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("Enter what happened")
    expect(text).to_have_accessible_description("Error: Enter what happened")
