"""The caseload search works without signal: the children saved on the device are searched by
name or reference, and the page says so; online the server still searches."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.offline import close_page, wait_for_app, wait_for_service_worker, wait_until
from tests.browser.test_accessibility import _violations

VIEWPORTS = [{"width": 810, "height": 1080}, {"width": 390, "height": 844}]
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")

CASELOAD_SAVED = """async () => {
  const id = document.querySelector('meta[name="user-id"]')?.content
  const names = (await indexedDB.databases()).map((db) => db.name)
  if (!id || !names.includes(`visit-recorder-user-${id}`)) return false
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(`visit-recorder-user-${id}`)
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const found = await new Promise((resolve) => {
    const request = db.transaction('meta').objectStore('meta').get('caseload')
    request.onsuccess = () => resolve(Boolean(request.result))
    request.onerror = () => resolve(false)
  })
  db.close()
  return found
}"""


PAGE_KEPT = """async (path) => {
  for (const name of await caches.keys()) {
    if (name.startsWith('pages-user-') && await (await caches.open(name)).match(location.origin + path)) return true
  }
  return false
}"""


def wait_for_kept_page(page, path: str) -> None:
    """The service worker has kept this page for the user, for offline reading."""
    wait_until(page, f"({PAGE_KEPT})({path!r})", f"{path} to be kept on the device")


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{page.viewport_size['width']}.png"), full_page=True)


def caseload_rows(page):
    return page.locator("#caseload-list").get_by_role("row").filter(has=page.get_by_role("link"))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["tablet", "phone"])
def test_the_caseload_search_works_offline(context, page, live_server, signed_in_page, axe_source, viewport):
    page.set_viewport_size(viewport)
    signed_in_page(page)
    wait_for_service_worker(page)
    wait_for_app(page)
    wait_until(page, f"({CASELOAD_SAVED})()", "the caseload to be saved on the device")
    wait_for_kept_page(page, "/children/WK-1001")  # each child's page, kept without opening it

    # Online, the server searches: no word of the device.
    search = page.get_by_role("searchbox", name="Find a child by name or reference")
    search.press_sequentially("amira")
    expect(caseload_rows(page)).to_have_count(1)
    expect(caseload_rows(page).first).to_contain_text("Amira Khan")
    expect(page.get_by_text("No signal: searched the children saved on this tablet")).to_have_count(0)

    context.set_offline(True)
    page.goto(f"{live_server}/")
    wait_for_app(page)
    search.fill("")
    search.press_sequentially("taylor")
    expect(page.get_by_text("No signal: searched the children saved on this tablet")).to_contain_text(
        "1 child matches “taylor”"
    )
    expect(caseload_rows(page)).to_have_count(1)
    row = caseload_rows(page).first
    expect(row.get_by_role("link", name="Ben Taylor")).to_be_visible()
    expect(row).to_contain_text("WK-1002")
    expect(row).to_contain_text("Child in need")
    expect(page).to_have_url(f"{live_server}/?q=taylor")
    assert _violations(page, axe_source) == []
    shot(page, "caseload-offline-search")

    # By reference, in any case; then the Search button with nothing to find.
    search.fill("")
    search.press_sequentially("wk-1003")
    expect(caseload_rows(page)).to_have_count(1)
    expect(caseload_rows(page).first.get_by_role("link", name="Chloe Evans")).to_be_visible()
    search.fill("Nobody")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No signal: searched the children saved on this tablet")).to_contain_text(
        "0 children match “Nobody”"
    )
    expect(caseload_rows(page)).to_have_count(0)

    # A search address opened offline shows what it asks for, not what the cached page held.
    page.goto(f"{live_server}/?q=amira")
    wait_for_app(page)
    expect(caseload_rows(page)).to_have_count(1)
    expect(caseload_rows(page).first.get_by_role("link", name="Amira Khan")).to_be_visible()
    expect(search).to_have_value("amira")

    # A child found offline opens from the cached pages.
    caseload_rows(page).first.get_by_role("link", name="Amira Khan").click()
    expect(page.get_by_role("heading", level=1, name="Amira Khan")).to_be_visible()
    context.set_offline(False)
    close_page(page)


def test_offline_without_a_saved_caseload_the_search_says_why(context, page, live_server, signed_in_page):
    signed_in_page(page)
    wait_for_service_worker(page)
    wait_for_app(page)
    wait_until(page, f"({CASELOAD_SAVED})()", "the caseload to be saved on the device")
    # The caseload kept on the device is lost (storage cleared by the browser, say).
    page.evaluate("""async () => {
      const id = document.querySelector('meta[name="user-id"]').content
      const db = await new Promise((resolve) => {
        const request = indexedDB.open(`visit-recorder-user-${id}`)
        request.onsuccess = () => resolve(request.result)
      })
      await new Promise((resolve) => {
        const tx = db.transaction('meta', 'readwrite')
        tx.objectStore('meta').delete('caseload')
        tx.oncomplete = resolve
      })
      db.close()
    }""")
    context.set_offline(True)
    page.goto(f"{live_server}/")
    wait_for_app(page)
    page.get_by_role("searchbox", name="Find a child by name or reference").press_sequentially("ben")
    expect(page.get_by_text("cannot be searched")).to_be_visible()
    context.set_offline(False)
    close_page(page)
