"""Screenshots of every page and state of the field app and the manager pages, for docs/screenshots/.

Run from the project root: `PYTHONPATH=. .venv/bin/python scripts/screenshots.py`.
It builds the demo data on a fixed clock (Monday 23 November 2026, 10:00) in a temporary SQLite
database, with one of the practitioner's records corrected once, serves the app on 127.0.0.1
and, at 390 pixels (a phone) and 810 pixels (a tablet) wide, photographs each page in PAGES as a
practitioner or a manager of the demo teams would see it (the browser's clock stands at the same
instant); then what the device shows: the pages without signal, the status banner's states,
signing out without signal and the sign-in page with records waiting; and the first rows of the
late entries' CSV drawn as a table. Each shot is the whole page, named `<page>-<width>.png`.
docs/field-app.md shows them. It also checks that no page is wider than the screen, and stops
with the pages that are.
"""
from __future__ import annotations

import csv
import html
import io
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import uuid4
from pathlib import Path
from typing import Callable

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.conftest import CHROMIUM_ARGS, _chromium
from tests.browser.offline import wait_for_service_worker
from webapp import create_app
from webapp.clock import FixedClock, SystemClock
from webapp.config import TestConfig
from webapp.demo import DEMO_PASSWORD, TEAMS, load_demo_data
from webapp.extensions import db
from webapp.models import Child, Record, Team, TimelinessCheck, User
from webapp.sync.ingest import ingest
from webapp.timeliness import LONDON

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
WIDTHS = (390, 810)
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TEAM = TEAMS[0]  # Norfolk
PRACTITIONER = TEAM.practitioners[0][0]
MANAGER = TEAM.manager[0]
CALDERDALE_MANAGER = next(team for team in TEAMS if team.authority == "calderdale").manager[0]
TALLEST = 3200
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@dataclass(frozen=True)
class Shot:
    name: str
    who: str | None  # the email signed in, or None
    path: str
    then: Callable[[Page], None] | None = None  # what the person does before the photograph


# The late entries' CSV, drawn as a table: the file's column names down the side, a record a column.
TABLE_PAGE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 15px; color: #0b0c0c; }}
h1 {{ font-size: 20px; }} p {{ font-size: 14px; }}
table {{ border-collapse: collapse; font-size: 13px; width: 100%; }}
th, td {{ border: 1px solid #b1b4b6; padding: 4px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f3f2f1; width: 9em; }}
</style></head><body>
<h1>{title}</h1><p>{note}</p>
<table><tbody>{rows}</tbody></table></body></html>"""


@dataclass(frozen=True)
class Facts:
    """What the shots are of, found in the demo data."""
    child: str  # a child of the practitioner's
    late_record: str  # a late entry of the Norfolk team, not yet reviewed
    synced_late: str  # a Norfolk record finished on time but sent late
    cause_unknown: str  # a Calderdale record whose cause is unknown
    corrected: str  # one of the practitioner's records, corrected once


def _submit_empty(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _bad_sign_in(page: Page) -> None:
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _empty_review(page: Page) -> None:
    page.get_by_role("button", name="Mark as reviewed").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _choose_not_seen(page: Page) -> None:
    page.get_by_role("group", name="Did you see the child?").get_by_role("radio", name="No").check()


def _bad_dates(page: Page) -> None:
    page.get_by_role("group", name="From (date received)").get_by_label("Month").fill("13")
    page.get_by_role("button", name="Show period").click()
    page.get_by_role("heading", name="There is a problem").wait_for()


def _details_open(page: Page) -> None:
    page.get_by_text("Rule, policy version and record ids").click()


def _wait_for_device(page: Page) -> None:
    page.locator("html[data-app-booted]").wait_for(state="attached")
    page.locator("form[data-offline-ready]").wait_for(state="attached")


def _fill_visit(page: Page, when: datetime) -> None:
    """Every question of the visit form that applies, the visit at `when` (London time)."""
    _wait_for_device(page)
    page.get_by_role("textbox", name="Day").fill(str(when.day))
    page.get_by_role("textbox", name="Month").fill(str(when.month))
    page.get_by_role("textbox", name="Year").fill(str(when.year))
    page.get_by_role("textbox", name="Time").fill(when.strftime("%H:%M"))
    page.get_by_role("radio", name="Child in need visit").check()
    page.get_by_role("group", name="Was the visit announced?").get_by_role("radio", name="Announced", exact=True).check()
    page.get_by_role("group", name="Did you see the child?").get_by_role("radio", name="Yes").check()
    page.get_by_role("group", name="Did you see the child alone?").get_by_role("radio", name="Yes").check()
    page.get_by_role("textbox", name="What did you observe?").fill("Showed me his room and his new football boots.")
    page.get_by_role("textbox", name="Analysis").fill("Settled at home; school attendance up since October.")
    page.get_by_role("textbox", name="Actions and next steps").fill("Visit again in two weeks; call the school on Friday.")


def _check_answers(page: Page, now: datetime = NOW) -> None:
    _fill_visit(page, (now - timedelta(hours=1)).astimezone(LONDON))
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Check your answers before sending").wait_for()


def _deadline_passed(page: Page) -> None:
    _fill_visit(page, (NOW - timedelta(days=7)).astimezone(LONDON))
    page.get_by_text("The deadline has passed").wait_for()
    page.get_by_role("textbox", name="Why is this record late?").fill("No signal at the family's home all week.")
    page.get_by_role("textbox", name="Why is this record late?").blur()


def pages(facts: Facts) -> list[Shot]:
    child, late_record = facts.child, facts.late_record
    return [
        Shot("sign-in", None, "/sign-in"),
        Shot("sign-in-error", None, "/sign-in", _bad_sign_in),
        Shot("sign-in-needed", None, "/sign-in-needed"),
        Shot("signed-out", None, "/signed-out"),
        Shot("caseload", PRACTITIONER, "/"),
        Shot("child", PRACTITIONER, f"/children/{child}"),
        Shot("visit-form", PRACTITIONER, f"/visits/new?child={child}"),
        Shot("visit-form-child-not-seen", PRACTITIONER, f"/visits/new?child={child}", _choose_not_seen),
        Shot("visit-form-errors", PRACTITIONER, f"/visits/new?child={child}", _submit_empty),
        Shot("visit-form-deadline-passed", PRACTITIONER, f"/visits/new?child={child}", _deadline_passed),
        Shot("check-answers", PRACTITIONER, f"/visits/new?child={child}", _check_answers),
        Shot("note-form", PRACTITIONER, f"/notes/new?child={child}"),
        Shot("note-form-errors", PRACTITIONER, f"/notes/new?child={child}", _submit_empty),
        Shot("my-records", PRACTITIONER, "/records"),
        Shot("my-record-history", PRACTITIONER, f"/records/{facts.corrected}"),
        Shot("correction", PRACTITIONER, f"/records/{facts.corrected}/correct"),
        Shot("team-timeliness", MANAGER, "/manager/"),
        Shot("team-timeliness-date-errors", MANAGER, "/manager/", _bad_dates),
        Shot("late-entries", MANAGER, "/manager/late-entries"),
        Shot("visits", MANAGER, "/manager/visits"),
        Shot("record", MANAGER, f"/manager/records/{late_record}"),
        Shot("review-errors", MANAGER, f"/manager/records/{late_record}", _empty_review),
        Shot("record-synced-late", MANAGER, f"/manager/records/{facts.synced_late}"),
        Shot("record-synced-late-details-open", MANAGER, f"/manager/records/{facts.synced_late}", _details_open),
        Shot("record-cause-unknown", CALDERDALE_MANAGER, f"/manager/records/{facts.cause_unknown}"),
    ]


def _team_late(team_id: int, cause: str) -> str:
    """The team's late record of that cause whose tablet's clock was furthest out."""
    return db.session.scalar(
        select(TimelinessCheck.record_uuid)
        .where(TimelinessCheck.team_id == team_id, TimelinessCheck.cause == cause)
        .order_by(func.abs(TimelinessCheck.skew_seconds).desc(), TimelinessCheck.id)
    )


def demo_facts(app) -> Facts:
    """Find what the shots are of, and correct one of the practitioner's records once."""
    with app.app_context():
        practitioner = db.session.scalar(select(User).where(User.email == PRACTITIONER))
        child = db.session.scalar(
            select(Child.reference).where(Child.practitioner_id == practitioner.id).order_by(Child.reference)
        )
        late = db.session.scalar(
            select(TimelinessCheck.record_uuid)
            .where(TimelinessCheck.team_id == practitioner.team_id, TimelinessCheck.verdict == "late")
            .order_by(TimelinessCheck.received_at.desc())
        )
        calderdale = next(team for team in TEAMS if team.authority == "calderdale")
        calderdale_id = db.session.scalar(select(Team.id).where(Team.name == calderdale.name))
        first = db.session.scalar(
            select(Record).where(Record.author_id == practitioner.id, Record.record_type == "case_note")
            .order_by(Record.received_at.desc())
        )
        envelope = {
            "device_id": f"screenshots-{uuid4()}", "device_now": NOW.isoformat(),
            "records": [{
                "id": str(first.uuid), "child_id": first.child.reference, "record_type": first.record_type,
                "event_at": first.event_at.isoformat(), "completed_at": (NOW - timedelta(minutes=5)).isoformat(),
                "supersedes": first.version,
                "fields": {**first.fields, "text": first.fields.get("text", "") + " Corrected: the meeting is on Thursday, not Tuesday."},
            }],
        }
        [result] = ingest(practitioner, envelope, NOW).results
        if result.status != "accepted":
            raise SystemExit(f"The correction was not stored: {result.errors}")
        return Facts(child, late, _team_late(practitioner.team_id, "synced_late"), _team_late(calderdale_id, "unknown"),
                     str(first.uuid))


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def photograph(page: Page, name: str, width: int, too_wide: list[str]) -> None:
    page.wait_for_load_state("networkidle")
    if not page.evaluate(FITS):
        too_wide.append(f"{name} at {width}px")
    # The whole page, but no taller than TALLEST: a long list's first screens say enough.
    height = min(page.evaluate("document.documentElement.scrollHeight"), TALLEST)
    page.screenshot(path=OUT / f"{name}-{width}.png", full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height})


def new_context(browser, width: int, fixed: bool = True):
    """A browser of the given width whose pages' clock stands at NOW, as the server's does
    (unless not `fixed`: the service worker keeps the machine's clock)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    if fixed:
        page.clock.set_fixed_time(NOW)
    return context, page


def banner(page: Page, words: str) -> None:
    page.locator(".app-status-banner").filter(has_text=words).wait_for()


def sign_out(page: Page) -> None:
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Sign out").click()


def device_shots(browser, base: str, width: int, child: str, too_wide: list[str]) -> None:
    """What the device shows: the pages the service worker serves without signal (the cached
    caseload, a record form's shell filled from the device, the offline page), the status
    banner's states, signing out without signal, and the sign-in page with records waiting.
    On the machine's clock, the server's too: the service worker's clock cannot be set."""
    context, page = new_context(browser, width, fixed=False)
    sign_in(page, base, PRACTITIONER)
    wait_for_service_worker(page)
    for path in ("/", f"/children/{child}", "/records"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    context.set_offline(True)
    for name, path in (("offline-caseload", "/"), ("offline-visit-form", f"/visits/new?child={child}"),
                       ("offline-page", "/manager/")):
        page.goto(base + path)
        page.locator("html[data-app-booted]").wait_for(state="attached")
        photograph(page, name, width, too_wide)

    # A visit finished without signal: the form says it is on this tablet.
    page.goto(f"{base}/visits/new?child={child}")
    _check_answers(page, datetime.now(timezone.utc))
    page.get_by_role("button", name="Finish and send").click()
    banner(page, "1 record waiting to send")
    photograph(page, "banner-offline-waiting", width, too_wide)
    # Signal, but the server cannot be reached: still waiting.
    context.route("**/api/v1/sync", lambda route: route.abort())
    context.set_offline(False)
    page.goto(f"{base}/")
    banner(page, "1 record waiting to send")
    photograph(page, "banner-waiting", width, too_wide)
    # The session gone (the cookie lost): the banner asks to sign in, and so does the sign-in page.
    cookies = context.cookies()
    context.clear_cookies()
    context.unroute("**/api/v1/sync")
    page.get_by_role("button", name="Sync now").click()
    banner(page, "Sign in to send 1 record")
    photograph(page, "banner-sign-in", width, too_wide)
    page.goto(f"{base}/sign-in")
    page.locator("[data-module=waiting-on-device]:not([hidden])").wait_for()
    photograph(page, "sign-in-records-waiting", width, too_wide)
    # Back with the session: the record goes, and the banner says when.
    context.add_cookies(cookies)
    page.goto(f"{base}/")
    page.get_by_role("button", name="Sync now").click()
    banner(page, "All sent")
    photograph(page, "banner-all-sent", width, too_wide)
    page.goto(f"{base}/records")
    page.get_by_text("Reached the file").first.wait_for()
    photograph(page, "my-records-sent", width, too_wide)
    # Signing out without signal: the device is signed out at once.
    context.set_offline(True)
    sign_out(page)
    page.get_by_role("heading", name="You have signed out").wait_for()
    photograph(page, "signed-out-offline", width, too_wide)
    page.goto("about:blank")
    context.close()


def csv_shot(browser, base: str, width: int) -> None:
    """The first rows of the Norfolk team's late entries' CSV, drawn as a table."""
    context, page = new_context(browser, width)
    sign_in(page, base, MANAGER)
    body = page.request.get(f"{base}/manager/late-entries.csv?from=2026-10-27&to=2026-11-23").text()
    records = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    header, first = records[0], records[1: 1 + (2 if width < 600 else 3)]
    cells = "".join(
        "<tr><th>{}</th>{}</tr>".format(
            html.escape(name), "".join(f"<td>{html.escape(record[index])}</td>" for record in first)
        )
        for index, name in enumerate(header)
    )
    page.goto("about:blank")  # out of the app's Content-Security-Policy
    page.set_content(TABLE_PAGE.format(
        title="late-entries.csv opened as a table",
        note=f"The first {len(first)} of {len(records) - 1} rows; each column of the file is a row here.",
        rows=cells,
    ))
    page.screenshot(path=OUT / f"late-entries-csv-{width}.png", full_page=True)
    context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    WSGIRequestHandler.log_request = lambda *args, **kwargs: None  # quiet
    too_wide: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/shots.sqlite", CLOCK=FixedClock(NOW),
            WTF_CSRF_ENABLED=True,
        )
        with app.app_context():
            db.create_all()
            load_demo_data(NOW)
        facts = demo_facts(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
                for width in WIDTHS:  # on the fixed clock first: the device's shots add a visit
                    for shot in pages(facts):
                        context, page = new_context(browser, width)
                        if shot.who:
                            sign_in(page, base, shot.who)
                        page.goto(base + shot.path)
                        page.wait_for_load_state("networkidle")
                        if shot.then:
                            shot.then(page)
                        photograph(page, shot.name, width, too_wide)
                        context.close()
                    csv_shot(browser, base, width)
                app.config["CLOCK"] = SystemClock()
                for width in WIDTHS:
                    device_shots(browser, base, width, facts.child, too_wide)
                browser.close()
        finally:
            server.shutdown()
    print("\n".join(sorted(str(path.relative_to(OUT.parent.parent)) for path in OUT.glob("*.png"))))
    if too_wide:
        raise SystemExit("Wider than the screen: " + ", ".join(too_wide))


if __name__ == "__main__":
    main()
