"""Two tabs open when signal returns: both try to send, one at a time, and nothing is stored twice."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.offline import (
    TIMEOUT_MS,
    close_page,
    fill_visit,
    finish_record,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from webapp.extensions import db
from webapp.models import AuditEvent, Record

RECORDS = 4


def test_two_tabs_flush_together_without_duplicates(context, page, live_server, live_app, practitioner, signed_in_page):
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/records", "/visits/new"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)

    context.set_offline(True)
    for number in range(1, RECORDS + 1):
        fill_visit(page, "Amira Khan (WK-1001)", f"Two tabs visit {number}.")
        finish_record(page, waiting=number)
    second = context.new_page()
    second.goto(f"{live_server}/records")
    wait_for_app(second)
    expect(second.get_by_role("heading", name=f"Waiting to send ({RECORDS})")).to_be_visible()

    # Signal returns for both tabs at once: each hears `online` and starts a flush.
    context.set_offline(False)
    wait_for_counts(second, uid, outbox=0, synced=RECORDS)
    expect(second.get_by_role("heading", name=f"Sent from this device ({RECORDS})")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("status")).to_contain_text("No records waiting to send", timeout=TIMEOUT_MS)

    with live_app.app_context():
        uuids = db.session.scalars(
            select(Record.uuid).where(Record.fields["observations"].as_string().like("Two tabs visit %"))
        ).all()
        assert len(uuids) == RECORDS and len(set(uuids)) == RECORDS
        # The lock kept the second tab from sending what the first had just sent: the server
        # never even saw a resend.
        resent = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.record_uuid.in_(uuids), AuditEvent.action != "record.accepted"
            )
        )
        assert resent == 0
    close_page(second)
    close_page(page)
