"""A record the server turns down stays on the device with the server's messages, never holds
up the others, and can be corrected and sent again."""
from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.offline import (
    TIMEOUT_MS,
    check_and_finish,
    close_page,
    fill_visit,
    finish_record,
    user_id,
    wait_for_app,
    wait_for_counts,
    wait_for_service_worker,
)
from tests.factories import Factory
from webapp.extensions import db
from webapp.models import Child, Record, User

MOVING_CHILD = ("WK-1099", "Erin Moss")


def _allocate_child(live_app, email: str) -> None:
    with live_app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        Factory().child(user.team, MOVING_CHILD[1], MOVING_CHILD[0], practitioner=user,
                        date_of_birth=date(2013, 5, 5))


def _move_child_to_another_team(live_app) -> None:
    """While the practitioner is out of signal, the child moves to another council team."""
    with live_app.app_context():
        team = Factory().team("Rugby South Family Support")
        child = db.session.scalars(select(Child).where(Child.reference == MOVING_CHILD[0])).one()
        child.team_id = team.id
        child.practitioner_id = None
        db.session.commit()


def test_rejected_record_stays_and_can_be_corrected(context, page, live_server, live_app, practitioner, signed_in_page):
    _allocate_child(live_app, practitioner.email)
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    for path in ("/records", "/visits/new"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)

    context.set_offline(True)
    fill_visit(page, f"{MOVING_CHILD[1]} ({MOVING_CHILD[0]})", "Visit to a child who has since moved team.")
    finish_record(page, waiting=1)
    fill_visit(page, "Ben Taylor (WK-1002)", "Visit sent despite the other being refused.")
    finish_record(page, waiting=2)
    _move_child_to_another_team(live_app)

    page.goto(f"{live_server}/records")
    wait_for_app(page)
    context.set_offline(False)
    wait_for_counts(page, uid, outbox=1, synced=1)

    # The refused record stays, with the server's words; the other one went through.
    expect(page.get_by_role("heading", name="Sent from this device (1)")).to_be_visible(timeout=TIMEOUT_MS)
    waiting = page.get_by_role("list", name="Waiting to send (1)")
    expect(waiting).to_contain_text("Needs correcting")
    expect(waiting).to_contain_text("No child with this id is on your caseload.")
    expect(page.get_by_role("status")).to_contain_text("1 record waiting to send (1 needs correcting)")

    # Reopened, the message is next to the field it is about; corrected, it is sent again.
    waiting.get_by_role("link", name=re.compile("^Correct and send again")).click()
    wait_for_app(page)
    child = page.get_by_label("Child", exact=True)
    expect(child).to_have_accessible_description(re.compile("No child with this id is on your caseload"))
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    expect(page.get_by_role("textbox", name="What did you observe?")).to_have_value("Visit to a child who has since moved team.")
    child.select_option(label="Chloe Evans (WK-1003)")
    page.get_by_role("group", name="Did you see the child’s bedroom?").get_by_role("radio", name="Yes").check()
    check_and_finish(page)
    wait_for_counts(page, uid, outbox=0, synced=2)
    expect(page.get_by_role("status")).to_contain_text("No records waiting to send", timeout=TIMEOUT_MS)

    with live_app.app_context():
        stored = db.session.scalars(
            select(Record).where(Record.fields["observations"].as_string() == "Visit to a child who has since moved team.")
        ).all()
        assert [(record.child.reference, record.version) for record in stored] == [("WK-1003", 1)]
    close_page(page)
