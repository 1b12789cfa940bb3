"""The whole offline journey: cached caseload, three visits and a draft written offline, the
page closed and reopened offline, then signal back and every record stored once."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.offline import (
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
