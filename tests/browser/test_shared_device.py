"""A shared tablet: the next person sees and sends nothing of the last one's, and signing out
wipes the personal data kept on the device."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

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
from webapp.models import Record

FIRST_USERS_WORDS = "Only the first practitioner may ever see this."


def user_caches(page: Page, uid: str) -> list[str]:
    return [name for name in page.evaluate("caches.keys()") if name.startswith(f"pages-user-{uid}-")]


def user_databases(page: Page) -> list[str]:
    return [name for name in page.evaluate("indexedDB.databases().then((dbs) => dbs.map((db) => db.name))")
            if name.startswith("visit-recorder-user-")]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_second_user_sees_nothing_and_sign_out_wipes(context, page, live_server, live_app, practitioner,
                                                     second_practitioner, signed_in_page):
    # The first practitioner writes a visit and starts another, offline.
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    first = user_id(page)
    page.goto(f"{live_server}/visits/new")
    wait_for_app(page)
    context.set_offline(True)
    fill_visit(page, "Ben Taylor (WK-1002)", FIRST_USERS_WORDS)
    finish_record(page, waiting=1)
    page.get_by_role("textbox", name="What did you observe?").fill("An unfinished draft of the first practitioner.")
    wait_for_counts(page, first, drafts=1, outbox=1)

    # Their session ends while they are out of signal: nothing is sent, everything is kept.
    context.clear_cookies()
    context.set_offline(False)
    expect(page.get_by_role("link", name=re.compile(r"^Sign in to send 1 record\. They are safe on this tablet"))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    assert store_counts(page, first) == {"drafts": 1, "outbox": 1, "synced": 0}

    # Someone else signs in on the same tablet.
    signed_in_page(page, second_practitioner)
    second = user_id(page)
    assert second != first
    wait_for_app(page)
    expect(page.get_by_text("Dylan Price").first).to_be_visible()
    expect(page.get_by_text("Ben Taylor")).to_have_count(0)
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Drafts (0)")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting to send (0)")).to_be_visible()
    expect(page.get_by_text(FIRST_USERS_WORDS)).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("No records waiting to send")

    # Offline, the second person gets their own cached caseload, not the first person's.
    page.goto(f"{live_server}/")
    wait_for_app(page)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    expect(page.get_by_text("Dylan Price").first).to_be_visible()
    expect(page.get_by_text("Ben Taylor")).to_have_count(0)
    context.set_offline(False)

    # Nothing of the first person's was sent under the second person's session.
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("status")).to_contain_text("Online")
    assert store_counts(page, first) == {"drafts": 1, "outbox": 1, "synced": 0}
    with live_app.app_context():
        assert db.session.scalars(select(Record).where(Record.fields["observations"].as_string() == FIRST_USERS_WORDS)).all() == []

    # The second person signs out with nothing waiting: no warning, and their data is wiped.
    assert user_caches(page, second)
    sign_out(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    assert f"visit-recorder-user-{second}" not in user_databases(page)
    assert user_caches(page, second) == []
    assert f"visit-recorder-user-{first}" in user_databases(page)

    # The first person comes back: what waited for them is sent, under their own name.
    signed_in_page(page, practitioner)
    wait_for_app(page)
    wait_for_counts(page, first, drafts=1, outbox=0, synced=1)
    with live_app.app_context():
        stored = db.session.scalars(select(Record).where(Record.fields["observations"].as_string() == FIRST_USERS_WORDS)).all()
        assert [record.author.email for record in stored] == [practitioner.email]

    # Signing out with an unfinished draft asks first; confirmed, everything personal goes.
    sign_out(page)
    warning = page.get_by_role("alertdialog", name="Records not sent")
    expect(warning).to_contain_text("1 unfinished draft")
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_have_count(0)
    assert store_counts(page, first) == {"drafts": 1, "outbox": 0, "synced": 1}
    sign_out(page)
    page.get_by_role("alertdialog", name="Records not sent").get_by_role("button", name="Delete them and sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert user_databases(page) == []
    assert user_caches(page, first) == []
    close_page(page)
