"""axe-core finds no violations on any page, and a visit can be recorded with the keyboard alone."""
from __future__ import annotations

import pytest

from tests.browser.conftest import CHILDREN, PRACTITIONER

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _violations(page, axe_source: str) -> list[str]:
    # The CSP refuses page.add_script_tag; evaluating the source works.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
    ]


@pytest.fixture
def scan(axe_source):
    def check(page, url: str):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert _violations(page, axe_source) == [], url

    return check


def test_sign_in_page_has_no_violations(page, live_server, scan):
    scan(page, f"{live_server}/sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    scan(page, page.url)


def test_offline_page_has_no_violations(page, live_server, scan):
    scan(page, f"{live_server}/offline")


@pytest.mark.parametrize(
    "path",
    ["/", "/?q=amira", f"/children/{PRACTITIONER.child_refs[0]}", "/visits/new", "/notes/new", "/records"],
)
def test_signed_in_pages_have_no_violations(page, live_server, signed_in_page, scan, path):
    signed_in_page(page)
    scan(page, f"{live_server}{path}")


@pytest.mark.parametrize("path", ["/visits/new", "/notes/new"])
def test_form_error_states_have_no_violations(page, live_server, signed_in_page, axe_source, path):
    # The offline code would keep the record on the device; without it the form posts to the
    # server, which answers with the error summary (GOV.UK's own script still runs).
    page.route("**/static/js/app.mjs", lambda route: route.abort())
    signed_in_page(page)
    page.goto(f"{live_server}{path}")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.get_by_role("link", name="Enter the time of the visit").count() + page.get_by_role(
        "link", name="Enter the time of the event"
    ).count() == 1
    assert _violations(page, axe_source) == []


def test_a_visit_and_sign_in_with_the_keyboard_alone(browser, live_server, fixed_server_clock):
    """Tab, Space, Enter and typing only: sign in, then record a visit, without JavaScript.

    The form prefills the server's date (FIXED_NOW, 15:30); the visit typed at 09:15 that day
    is in the past whatever the real time of day.
    """
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/sign-in")

    def tab_to(name: str, limit: int = 80):
        for _ in range(limit):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => { const e = document.activeElement;
                   const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
                   return [e.name || '', e.value || '', label.trim(), e.innerText || ''] }"""
            )
            if name in focused:
                return
        raise AssertionError(f"never reached {name!r} with Tab")

    tab_to("email")
    page.keyboard.type(PRACTITIONER.email)
    tab_to("password")
    page.keyboard.type(PRACTITIONER.password)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="My caseload").wait_for()

    tab_to("Record a visit")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Record a visit").wait_for()
    reference = PRACTITIONER.child_refs[1]  # Ben Taylor, child in need
    tab_to("child_id")
    page.keyboard.type(CHILDREN[reference][0])  # a focused select picks the option typed
    tab_to("event_at-time")
    page.keyboard.type("09:15")
    tab_to("visit_type")
    page.keyboard.press("ArrowDown")  # arrows choose within a radio group: "Child in need visit"
    tab_to("announced")
    page.keyboard.press("Space")
    tab_to("child_seen")
    page.keyboard.press("Space")
    tab_to("seen_alone")
    page.keyboard.press("Space")
    tab_to("observations")
    page.keyboard.type("Ben showed me his room.")
    tab_to("analysis")
    page.keyboard.type("No concerns today.")
    tab_to("actions")
    page.keyboard.type("Next visit in four weeks.")
    tab_to("Continue")
    page.keyboard.press("Enter")
    page.get_by_text("Check your answers before sending").wait_for()
    tab_to("Finish and send")
    page.keyboard.press("Enter")

    page.get_by_role("heading", name=CHILDREN[reference][0]).wait_for()
    assert page.get_by_text("Your record reached").is_visible()
    assert "before the deadline" in page.locator(".app-verdict-words").first.inner_text()
    context.close()


def test_a_form_checked_on_the_device_has_no_violations(page, live_server, signed_in_page, axe_source):
    """Questions shown and hidden as they apply, and the device's own error summary."""
    signed_in_page(page)
    page.goto(f"{live_server}/visits/new?child={PRACTITIONER.child_refs[2]}")  # looked after
    page.wait_for_load_state("networkidle")
    page.get_by_role("group", name="Did you see the child?").get_by_role("radio", name="No").check()
    page.get_by_role("textbox", name="Why did you not see the child?").wait_for()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Select whether you saw the child’s bedroom").wait_for()
    assert _violations(page, axe_source) == []
