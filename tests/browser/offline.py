"""Helpers for the offline journeys: waiting for the service worker, reading what the device
keeps in IndexedDB, filling the forms by their labels."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

LONDON = ZoneInfo("Europe/London")
TIMEOUT_MS = 15_000

# Counts of what the signed-in user's database holds: {drafts, outbox, synced}, or null when
# the database does not exist. Reads the user id from the device database, like the app.
COUNT_STORES = """async (userId) => {
  const names = (await indexedDB.databases()).map((db) => db.name)
  const name = `visit-recorder-user-${userId}`
  if (!names.includes(name)) return null
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(name)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const count = (store) => new Promise((resolve, reject) => {
    const request = db.transaction(store).objectStore(store).count()
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const counts = { drafts: await count('drafts'), outbox: await count('outbox'), synced: await count('synced') }
  db.close()
  return counts
}"""


def wait_until(page: Page, expression: str, what: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """Poll a JavaScript expression until it is truthy, within a deadline.

    Not page.wait_for_function: its polling evaluates strings in the page, which the app's
    Content-Security-Policy (no 'unsafe-eval') forbids. page.evaluate goes through DevTools.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)


def wait_for_service_worker(page: Page) -> None:
    """Wait until the page is controlled by the worker (ready alone is not enough)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if page.evaluate("navigator.serviceWorker.controller === null"):
        page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null", "the service worker to control the page")


# Booted; and a record form, if the page has one, has kept what it needs to work offline (its
# deadline table), which it fetches after the app has booted.
APP_READY = """(() => {
  const booted = document.documentElement.dataset.appBooted
  if (booted === undefined) return false
  if (booted !== 'user') return true
  return [...document.querySelectorAll('form[data-module="record-form"]')].every((form) => form.dataset.offlineReady)
})()"""


def wait_for_app(page: Page) -> None:
    wait_until(page, APP_READY, "the app to start")


def user_id(page: Page) -> str:
    return page.get_attribute('meta[name="user-id"]', "content")


def store_counts(page: Page, uid: str) -> dict | None:
    return page.evaluate(COUNT_STORES, uid)


def wait_for_counts(page: Page, uid: str, timeout_ms: int = TIMEOUT_MS, **expected: int) -> None:
    """Wait (polling, bounded) until the user's stores hold the expected numbers of entries."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        counts = store_counts(page, uid) or {}
        if all(counts.get(name) == number for name, number in expected.items()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"stores hold {counts}, expected {expected}")
        page.wait_for_timeout(100)


def close_page(page: Page) -> None:
    """Leave the app first: a page closed while offline can fire `online` as it dies."""
    page.goto("about:blank")
    page.close()


def an_hour_ago() -> datetime:
    return datetime.now(LONDON) - timedelta(hours=1)


def fill_event_at(page: Page, when: datetime) -> None:
    page.get_by_role("textbox", name="Day").fill(str(when.day))
    page.get_by_role("textbox", name="Month").fill(str(when.month))
    page.get_by_role("textbox", name="Year").fill(str(when.year))
    page.get_by_role("textbox", name="Time").fill(when.strftime("%H:%M"))


def fill_visit(page: Page, child_label: str, observations: str, when: datetime | None = None) -> None:
    """Fill every question of the visit form that a visit to a child in need needs."""
    page.get_by_label("Child", exact=True).select_option(label=child_label)
    fill_event_at(page, when or an_hour_ago())
    page.get_by_role("radio", name="Child in need visit").check()
    page.get_by_role("group", name="Was the visit announced?").get_by_role("radio", name="Announced", exact=True).check()
    page.get_by_role("group", name="Did you see the child?").get_by_role("radio", name="Yes").check()
    page.get_by_role("group", name="Did you see the child alone?").get_by_role("radio", name="Yes").check()
    page.get_by_role("textbox", name="What did you observe?").fill(observations)
    page.get_by_role("textbox", name="Analysis").fill("No new concerns.")
    page.get_by_role("textbox", name="Actions and next steps").fill("Visit again in two weeks.")


def finish_record(page: Page, waiting: int) -> None:
    """Finish the form (through Check your answers), then wait until the banner counts `waiting` records."""
    check_and_finish(page)
    expect(page.get_by_role("alert").filter(has_text="saved on this tablet")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("status")).to_contain_text(waiting_words(waiting), timeout=TIMEOUT_MS)


def waiting_words(waiting: int) -> str:
    if waiting == 0:
        return "No records waiting to send"
    return "1 record waiting to send" if waiting == 1 else f"{waiting} records waiting to send"


def check_and_finish(page: Page) -> None:
    """Continue from the form to Check your answers, and finish the record there."""
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Check your answers before sending")).to_be_visible()
    page.get_by_role("button", name="Finish and send").click()
