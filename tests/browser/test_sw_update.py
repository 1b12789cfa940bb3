"""A new service worker arrives while records wait: the old caches go, the records stay."""
from __future__ import annotations

import time

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
from webapp.field import precache
from webapp.models import Record

WORKER_VERSION = """() => new Promise((resolve) => {
  const channel = new MessageChannel()
  setTimeout(() => resolve(null), 2000)
  channel.port1.onmessage = (event) => resolve(event.data.version)
  navigator.serviceWorker.controller.postMessage({ type: 'version' }, [channel.port2])
})"""

# Where each worker of the registration is, for a failure's message.
REGISTRATION_STATE = """() => navigator.serviceWorker.getRegistration().then((registration) => ({
  installing: registration?.installing?.state || null,
  waiting: registration?.waiting?.state || null,
  active: registration?.active?.state || null,
  controlled: navigator.serviceWorker.controller !== null
}))"""


def cache_names(page: Page) -> list[str]:
    return page.evaluate("caches.keys()")


def wait_for_new_worker(page: Page, old_version: str) -> str:
    """Wait until a worker of the next deploy (its version ends "beef") controls the page."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            version = page.evaluate(WORKER_VERSION)
            if version and version != old_version and version.endswith("beef"):
                return version
        if time.monotonic() > deadline:
            workers = page.evaluate(REGISTRATION_STATE)
            raise AssertionError(f"the page is not controlled by the next deploy's worker: {workers}")
        page.wait_for_timeout(100)


def wait_for_old_caches_gone(page: Page, old_version: str) -> list[str]:
    """Activation deletes the old caches; the new worker may answer messages before it ends."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        names = cache_names(page)
        if not [name for name in names if name.endswith(old_version)]:
            return names
        if time.monotonic() > deadline:
            raise AssertionError(f"old caches still there: {names}")
        page.wait_for_timeout(100)


def test_worker_update_keeps_waiting_records(context, page, live_server, live_app, practitioner, signed_in_page, monkeypatch):
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    uid = user_id(page)
    old_version = page.evaluate(WORKER_VERSION)
    for path in ("/", "/visits/new"):
        page.goto(f"{live_server}{path}")
        wait_for_app(page)

    # Two records finished and one draft, offline.
    context.set_offline(True)
    fill_visit(page, "Amira Khan (WK-1001)", "Written before the update, number 1.")
    finish_record(page, waiting=1)
    fill_visit(page, "Amira Khan (WK-1001)", "Written before the update, number 2.")
    finish_record(page, waiting=2)
    page.get_by_role("textbox", name="What did you observe?").fill("A draft across the update.")
    wait_for_counts(page, uid, drafts=1, outbox=2)

    # Signal returns but the sync endpoint cannot be reached, so the records keep waiting
    # while a new version of the app is deployed.
    context.route("**/api/v1/sync", lambda route: route.abort())
    context.set_offline(False)
    wait_for_counts(page, uid, drafts=1, outbox=2)
    original_manifest = precache.precache_manifest

    def next_deploy():
        version, entries = original_manifest()
        return version[:-4] + "beef", entries

    monkeypatch.setattr(precache, "precache_manifest", next_deploy)
    page.evaluate("navigator.serviceWorker.getRegistration().then((registration) => registration.update())")
    new_version = wait_for_new_worker(page, old_version)

    # The old version's caches are gone, the new ones are there, and nothing waiting was lost.
    names = wait_for_old_caches_gone(page, old_version)
    assert f"precache-{new_version}" in names
    assert f"pages-user-{uid}-{new_version}" in names  # the cached caseload came along
    assert store_counts(page, uid) == {"drafts": 1, "outbox": 2, "synced": 0}

    # Still usable offline under the new worker, with the records and the draft.
    context.set_offline(True)
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Waiting to send (2)")).to_be_visible()
    expect(page.get_by_role("heading", name="Drafts (1)")).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()

    # Then the server is reachable again: both are stored, once.
    context.unroute("**/api/v1/sync")
    context.set_offline(False)
    page.goto(f"{live_server}/records")
    wait_for_app(page)
    wait_for_counts(page, uid, drafts=1, outbox=0, synced=2)
    expect(page.get_by_role("heading", name="Sent from this device (2)")).to_be_visible(timeout=TIMEOUT_MS)
    with live_app.app_context():
        stored = db.session.scalars(
            select(Record.uuid).where(Record.fields["observations"].as_string().like("Written before the update%"))
        ).all()
        assert len(stored) == 2 == len(set(stored))
    close_page(page)
