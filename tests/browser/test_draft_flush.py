"""A draft keeps every character typed: each change is saved as it happens, so a page closed
straight after typing loses nothing."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.offline import user_id, wait_for_app, wait_until

WORDS = "Kitchen cupboards bare; Ben said he had cereal for tea. Mum was at work until 7pm!"

# The observations of the user's one draft, read straight from IndexedDB.
DRAFT_OBSERVATIONS = """async (userId) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(`visit-recorder-user-${userId}`)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const drafts = await new Promise((resolve, reject) => {
    const request = db.transaction('drafts').objectStore('drafts').getAll()
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  db.close()
  return drafts.map((draft) => draft.values.observations)
}"""


def open_visit_form(page, live_server, practitioner, signed_in_page):
    signed_in_page(page, practitioner)
    page.goto(f"{live_server}/visits/new")
    wait_for_app(page)
    wait_until(page, "document.querySelector('form[data-offline-ready]') !== null", "the form to work offline")
    page.get_by_label("Child", exact=True).select_option(label="Ben Taylor (WK-1002)")


def test_closing_the_page_straight_after_typing_loses_nothing(context, page, live_server, practitioner, signed_in_page):
    open_visit_form(page, live_server, practitioner, signed_in_page)
    page.get_by_role("textbox", name="What did you observe?").type(WORDS)
    page.close()  # at once: no pause for a save to catch up

    again = context.new_page()
    again.goto(f"{live_server}/records")
    wait_for_app(again)
    again.get_by_role("link", name="Continue: Visit – Ben Taylor (WK-1002)").click()
    wait_for_app(again)
    expect(again.get_by_role("textbox", name="What did you observe?")).to_have_value(WORDS)
    expect(again.get_by_label("Child", exact=True)).to_have_value("WK-1002")


def test_every_keystroke_is_on_disk_without_waiting_for_a_timer_or_the_page_to_go(
    page, live_server, practitioner, signed_in_page
):
    open_visit_form(page, live_server, practitioner, signed_in_page)
    # Timers stand still: a save waiting for typing to pause would never happen, and the page
    # stays open and visible, so nothing but the typing itself can save it.
    page.clock.install()
    page.clock.pause_at("2030-01-01T09:00:00Z")
    page.get_by_role("textbox", name="What did you observe?").type(WORDS)

    assert page.evaluate(DRAFT_OBSERVATIONS, user_id(page)) == [WORDS]
