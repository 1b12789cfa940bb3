"""Every page fits the screen, from a small phone to a desktop, and reads the same way through a
journey: nothing is wider than the screen at 320, 390, 810 and 1280 pixels (tables become
summary cards or lose space, never scroll the page sideways), axe finds nothing on a phone or a
tablet, the case note page offers the record types that can apply to the child in groups, and
the header names the council on the pages kept for offline use too."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.offline import (
    TIMEOUT_MS,
    an_hour_ago,
    check_and_finish,
    fill_visit,
    wait_for_app,
    wait_for_service_worker,
)
from tests.browser.test_accessibility import _violations
from tests.factories import PASSWORD, Factory
from webapp.extensions import db
from webapp.models import ChildEpisode, Record, Role, TimelinessCheck

WIDTHS = (320, 390, 810, 1280)
WRITER = "robin.writer@example.org"
MANAGER = "casey.manager@example.org"
COUNCIL = "Warwickshire County Council"
# Long names, as real caseloads have them: the narrowest screens must still hold them.
CHILDREN = (
    ("LY-0001", "Maximilian Fitzgerald-Okonkwo", ["child_protection", "child_in_need"]),
    ("LY-0002", "Anastasia Wojciechowska", ["looked_after"]),
    ("LY-0003", "Oluwaseun Abernethy-Campbell", ["child_in_need"]),
)
# What the page is wider than the screen by, and which tables are: [] when it fits.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth
  const found = []
  if (document.documentElement.scrollWidth > width) found.push(`page ${document.documentElement.scrollWidth}px`)
  for (const table of document.querySelectorAll('table')) {
    const right = Math.round(table.getBoundingClientRect().right)
    if (right > width) found.push(`table ${table.id || table.className} to ${right}px`)
  }
  return found
}"""


@pytest.fixture(scope="module")
def layout_team(live_app):
    """A team of its own: a practitioner with long-named children and records on time and late,
    and their manager. Returns the uuid of a late record."""
    now = datetime.now(timezone.utc)
    with live_app.app_context():
        make = Factory()
        team = make.team("Stratford Layout Team")
        writer = make.user(team, Role.PRACTITIONER, "Robin Writer", email=WRITER)
        make.user(team, Role.MANAGER, "Casey Manager", email=MANAGER)
        children = [make.child(team, name, reference, practitioner=writer, statuses=statuses)
                    for reference, name, statuses in CHILDREN]
        # A visit schedule, overdue: the child's page and the manager's Visits page list it.
        db.session.add(ChildEpisode(child=children[2], kind="child_in_need_plan",
                                    started_on=now.date() - timedelta(days=120), details={}))
        late = []
        for n, (verdict, cause) in enumerate([("late", "recorded_late"), ("on_time", None), ("late", "synced_late")] * 2):
            child = children[n % len(children)]
            received = now - timedelta(days=2 + n)
            event = received - timedelta(hours=90 if verdict == "late" else 3)
            record = Record(uuid=str(uuid.uuid4()), child_id=child.id, author_id=writer.id, record_type="visit",
                            event_at=event, completed_at=event + timedelta(hours=1), received_at=received,
                            device_id="tablet", fields={}, content_hash=f"{n:064d}")
            db.session.add(record)
            db.session.flush()
            db.session.add(TimelinessCheck(
                record_uuid=record.uuid, record_id=record.id, team_id=team.id, author_id=writer.id,
                child_id=child.id, record_type="visit", event_at=event, received_at=received,
                policy_id="warwickshire", policy_version="layout", rule_id="warwickshire_default",
                window="72 hours", due_at=event + timedelta(hours=72), verdict=verdict,
                late_by_seconds=18 * 3600 if verdict == "late" else 0, cause=cause,
                completed_at_corrected=event + timedelta(hours=1), skew_seconds=30.0,
            ))
            if verdict == "late":
                late.append(record.uuid)
        db.session.commit()
    return late[0]


def _sign_in(page, live_server, email):
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def _empty_review(page):
    page.get_by_role("button", name="Mark as reviewed").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _date_not_real(page):
    page.get_by_role("group", name="From (date received)").get_by_label("Day").fill("31")
    page.get_by_role("group", name="From (date received)").get_by_label("Month").fill("11")
    page.get_by_role("button", name="Show period").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _finish_empty(page):
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _check_your_answers(page):
    wait_for_app(page)
    fill_visit(page, "Oluwaseun Abernethy-Campbell (LY-0003)", "Seen at home with his aunt.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Check your answers before sending").wait_for()


def _deadline_passed(page):
    wait_for_app(page)
    fill_visit(page, "Oluwaseun Abernethy-Campbell (LY-0003)", "Seen at home with his aunt.", when=an_hour_ago() - timedelta(days=10))
    page.get_by_text("The deadline has passed").wait_for()
    page.get_by_role("textbox", name="Why is this record late?").fill("No signal at the family's home all week.")


def _check(page, url: str, width: int, axe_source: str, problems: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    wide = page.evaluate(TOO_WIDE)
    if wide:
        problems.append(f"{url} at {width}px: {wide}")
    if width in (390, 810):
        found = _violations(page, axe_source)
        if found:
            problems.append(f"{url} at {width}px, axe: {found}")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_screen(browser, live_server, layout_team, axe_source, width):
    problems: list[str] = []
    viewport = {"width": width, "height": 900}
    pages = {
        None: [("/sign-in", None), ("/sign-in-needed", None), ("/signed-out", None)],
        WRITER: [
            ("/", None), ("/children/LY-0001", None), ("/children/LY-0003", None), ("/visits/new?child=LY-0002", None),
            ("/visits/new?child=LY-0002", _finish_empty), ("/notes/new?child=LY-0003", None),
            ("/records", None), ("/offline", None),
            ("/visits/new?child=LY-0003", _check_your_answers), ("/visits/new?child=LY-0003", _deadline_passed),
            (f"/records/{layout_team}", None), (f"/records/{layout_team}/correct", None),
        ],
        MANAGER: [
            ("/manager/", None), ("/manager/", _date_not_real), ("/manager/late-entries", None), ("/manager/visits", None),
            (f"/manager/records/{layout_team}", None), (f"/manager/records/{layout_team}", _empty_review),
        ],
    }
    for who, visits in pages.items():
        context = browser.new_context(viewport=viewport, service_workers="block")
        page = context.new_page()
        if who:
            _sign_in(page, live_server, who)
        for path, then in visits:
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            if then:
                then(page)
            _check(page, path + (f" ({then.__name__})" if then else ""), width, axe_source, problems)
        context.close()
    assert problems == []


@pytest.mark.parametrize("width", [390, 810])
def test_each_state_of_the_status_banner_fits_has_no_axe_violations_and_no_jargon(
    browser, live_server, layout_team, axe_source, width
):
    """Offline with a record waiting, online waiting, sign in to send, the sign-in page counting
    what waits, and all sent: each fits the screen, axe finds nothing, and no banner says
    "storage"."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    banner = page.locator(".app-status-banner")
    _sign_in(page, live_server, WRITER)
    wait_for_service_worker(page)
    page.goto(f"{live_server}/visits/new?child=LY-0003")
    wait_for_app(page)

    def state(name: str, words: str) -> None:
        expect(banner).to_contain_text(words, timeout=TIMEOUT_MS)
        assert "storage" not in banner.inner_text().lower(), f"{name}: {banner.inner_text()}"
        _check(page, f"banner {name}", width, axe_source, problems)

    context.set_offline(True)
    fill_visit(page, "Oluwaseun Abernethy-Campbell (LY-0003)", "Seen at home with his aunt.")
    check_and_finish(page)
    state("offline", "Offline")
    context.route("**/api/v1/sync", lambda route: route.abort())
    context.set_offline(False)
    page.goto(f"{live_server}/")
    state("waiting", "1 record waiting to send")
    cookies = context.cookies()
    context.clear_cookies()
    context.unroute("**/api/v1/sync")
    page.get_by_role("button", name="Sync now").click()
    state("sign in", "Sign in to send 1 record")
    page.goto(f"{live_server}/sign-in")
    expect(page.get_by_text("1 record on this device has not been sent yet.")).to_be_visible(timeout=TIMEOUT_MS)
    _check(page, "sign-in with a record waiting", width, axe_source, problems)
    context.add_cookies(cookies)
    page.goto(f"{live_server}/")
    page.get_by_role("button", name="Sync now").click()
    state("all sent", "All sent")
    page.goto("about:blank")
    context.close()
    assert problems == []


@pytest.mark.parametrize("width", [390, 810])
def test_the_late_entries_are_cards_on_a_tablet_and_a_table_on_a_desktop(browser, live_server, layout_team, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
    page = context.new_page()
    _sign_in(page, live_server, MANAGER)
    page.goto(f"{live_server}/manager/late-entries")
    review = page.locator("#late-entries-table").get_by_text("Not reviewed").first
    expect(review).to_be_visible()
    assert review.bounding_box()["x"] + review.bounding_box()["width"] <= width
    assert page.locator("#late-entries-table thead").bounding_box()["height"] <= 1  # headers become labels
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("#late-entries-table thead").bounding_box()["height"] > 10
    context.close()


@pytest.mark.parametrize("width", [390, 810])
def test_the_case_note_page_offers_the_record_types_that_apply_in_groups(browser, live_server, layout_team, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
    page = context.new_page()
    _sign_in(page, live_server, WRITER)
    page.goto(f"{live_server}/notes/new?child=LY-0002")  # looked after
    wait_for_app(page)
    types = page.get_by_label("What type of record is it?")
    in_care = types.locator("optgroup[label='Children in care']")
    plans = types.locator("optgroup[label='Child protection plans']")
    expect(types.locator("optgroup[label='Case notes and contacts']")).to_be_attached()
    expect(in_care).to_be_enabled()
    expect(plans).to_be_disabled()
    types.select_option(label="All About Me preparation form for the second and later reviews")
    # A child in need: no records of a child in care, and the choice that no longer applies goes.
    page.get_by_label("Child", exact=True).select_option("LY-0003")
    expect(in_care).to_be_disabled()
    expect(types).to_have_value("")
    # A case note asks what kind; another type does not.
    types.select_option("case_note")
    expect(page.get_by_role("group", name="What kind of case note is it?")).to_be_visible()
    types.select_option(label="Chronology update")
    expect(page.get_by_role("group", name="What kind of case note is it?")).to_be_hidden()
    context.close()


def test_the_header_names_the_council_on_the_pages_kept_for_offline_use(context, page, live_server, layout_team):
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, WRITER)
    wait_for_service_worker(page)
    header = page.locator(".govuk-generic-header")
    page.goto(f"{live_server}/")
    wait_for_app(page)
    expect(header).to_have_text(COUNCIL)
    context.set_offline(True)
    for path in ("/visits/new?child=LY-0001", "/notes/new", "/manager/"):  # the last one: the offline page
        page.goto(live_server + path)
        wait_for_app(page)
        expect(header).to_have_text(COUNCIL)
        expect(page).to_have_title(f"{page.title().split(' – ')[0]} – Visit recorder – {COUNCIL}")
    # Offline, the shell's groups come from the cached caseload, narrowed for the child.
    page.goto(f"{live_server}/notes/new?child=LY-0003")
    wait_for_app(page)
    types = page.get_by_label("What type of record is it?")
    expect(types.locator("optgroup[label='Case notes and contacts'] option[value='case_note']")).to_be_attached()
    expect(types.locator("optgroup[label='Children in care']")).to_be_disabled()
    page.goto("about:blank")
    context.set_offline(False)
