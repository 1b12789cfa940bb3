"""The back button after a caseload search, and what the tab keeps; the record forms' error
summary. At the phone's width (390 px) and the tablet's (810 px).

htmx notes each address it pushes (`/?q=Amira`, a child's name) in sessionStorage; the app wipes
it. Going back after a search loads the whole page again, so Sign out still works there without
signal (with htmx's own history restore, the page's scripts never started on the restored page,
and signing out offline showed the browser's error page)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.offline import TIMEOUT_MS, an_hour_ago, fill_visit, wait_for_app, wait_for_service_worker
from tests.browser.test_session_on_the_device import VIEWPORTS, sign_out

TAB_STORAGE = "JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])"
# Whether the main content's first element is the error summary, before the page's heading.
SUMMARY_FIRST = """() => {
  const main = document.querySelector('main')
  const summary = main.querySelector('.govuk-error-summary')
  const heading = main.querySelector('h1:not([hidden] h1)')
  if (!summary || !heading) return 'missing'
  if (!(summary.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING)) return 'after the heading'
  return main.querySelectorAll('.govuk-error-summary').length === 1 ? 'first' : 'twice'
}"""


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return request.param


def search(page: Page, words: str) -> None:
    page.get_by_label("Find a child by name or reference").type(words)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?q={words}")
    expect(page.get_by_role("link", name="Chloe Evans")).to_have_count(0)


def test_a_search_leaves_no_address_in_the_tab_and_back_then_sign_out_offline_signs_out(
    context, page, viewport, live_server, practitioner, signed_in_page
):
    signed_in_page(page, practitioner)
    wait_for_service_worker(page)
    wait_for_app(page)
    search(page, "Amira")
    expect(page.get_by_role("link", name="Amira Khan")).to_be_visible()
    assert "Amira" not in page.evaluate(TAB_STORAGE)

    page.go_back()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("link", name="Chloe Evans")).to_be_visible()
    wait_for_app(page)
    assert "Amira" not in page.evaluate(TAB_STORAGE)

    context.set_offline(True)
    sign_out(page)
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible(timeout=TIMEOUT_MS)
    assert page.url == f"{live_server}/signed-out"
    wait_for_app(page)
    assert page.evaluate(TAB_STORAGE) == "[[],[]]"


@pytest.mark.parametrize("path", ["/visits/new?child=WK-1002", "/notes/new?child=WK-1002"])
def test_the_record_forms_error_summary_comes_before_the_heading(page, viewport, live_server, practitioner, signed_in_page, path):
    signed_in_page(page, practitioner)
    page.goto(f"{live_server}{path}")
    wait_for_app(page)
    expect(page.locator("form[data-offline-ready]")).to_have_count(1)
    title = page.title()
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate(SUMMARY_FIRST) == "first"
    assert page.title() == f"Error: {title}"
    # Answered twice, still one summary, and still first.
    page.get_by_role("button", name="Continue").click()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert page.evaluate(SUMMARY_FIRST) == "first"
    assert page.title() == f"Error: {title}"


def test_check_your_answers_asks_why_late_only_once_the_deadline_has_passed(page, viewport, live_server, practitioner, signed_in_page):
    signed_in_page(page, practitioner)
    page.goto(f"{live_server}/visits/new?child=WK-1002")
    wait_for_app(page)
    answers = page.locator(".app-check-answers")
    fill_visit(page, "Ben Taylor (WK-1002)", "Seen in the kitchen.", when=an_hour_ago())
    expect(page.get_by_text("Must reach the file by")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(answers.get_by_text("What did you observe?")).to_be_visible()
    expect(answers.get_by_text("Why is this record late?")).to_have_count(0)

    answers.get_by_role("link", name="Change when did the visit start").click()
    fill_visit(page, "Ben Taylor (WK-1002)", "Seen in the kitchen.", when=an_hour_ago() - timedelta(days=10))
    expect(page.get_by_text("The deadline has passed")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(answers.get_by_text("Why is this record late?")).to_be_visible()
