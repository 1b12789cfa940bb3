"""Screenshots of every page of the field app and the manager pages, for docs/screenshots/.

Run from the project root: `PYTHONPATH=. .venv/bin/python scripts/screenshots.py`.
It builds the demo data on a fixed clock in a temporary SQLite database, serves the app on
127.0.0.1 and, at 390 pixels (a phone) and 810 pixels (a tablet) wide, photographs each page
in PAGES as a practitioner or a manager of the demo's Norfolk team would see it, then the
pages shown without signal. Each shot is the whole page, named `<page>-<width>.png`.
docs/field-app.md shows them. It also checks that no page is wider than the screen, and
stops with the pages that are.
"""
from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.conftest import CHROMIUM_ARGS, _chromium
from webapp import create_app
from webapp.clock import FixedClock
from webapp.config import TestConfig
from webapp.demo import DEMO_PASSWORD, TEAMS, load_demo_data
from webapp.extensions import db
from webapp.models import Child, TimelinessCheck, User

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
WIDTHS = (390, 810)
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TEAM = TEAMS[0]  # Norfolk
PRACTITIONER = TEAM.practitioners[0][0]
MANAGER = TEAM.manager[0]
TALLEST = 3200
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@dataclass(frozen=True)
class Shot:
    name: str
    who: str | None  # the email signed in, or None
    path: str
    then: Callable[[Page], None] | None = None  # what the person does before the photograph


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


def pages(child: str, late_record: str) -> list[Shot]:
    return [
        Shot("sign-in", None, "/sign-in"),
        Shot("sign-in-error", None, "/sign-in", _bad_sign_in),
        Shot("caseload", PRACTITIONER, "/"),
        Shot("child", PRACTITIONER, f"/children/{child}"),
        Shot("visit-form", PRACTITIONER, f"/visits/new?child={child}"),
        Shot("visit-form-child-not-seen", PRACTITIONER, f"/visits/new?child={child}", _choose_not_seen),
        Shot("visit-form-errors", PRACTITIONER, f"/visits/new?child={child}", _submit_empty),
        Shot("note-form", PRACTITIONER, f"/notes/new?child={child}"),
        Shot("note-form-errors", PRACTITIONER, f"/notes/new?child={child}", _submit_empty),
        Shot("my-records", PRACTITIONER, "/records"),
        Shot("team-timeliness", MANAGER, "/manager/"),
        Shot("team-timeliness-date-errors", MANAGER, "/manager/", _bad_dates),
        Shot("late-entries", MANAGER, "/manager/late-entries"),
        Shot("record", MANAGER, f"/manager/records/{late_record}"),
        Shot("review-errors", MANAGER, f"/manager/records/{late_record}", _empty_review),
    ]


def demo_facts(app) -> tuple[str, str]:
    """A child of the practitioner's with records, and a late entry of the team not yet reviewed."""
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
    return child, late


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


def offline_shots(browser, base: str, width: int, child: str, too_wide: list[str]) -> None:
    """The pages the service worker serves without signal: the cached caseload, a record form's
    shell filled from the device, and the offline page."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, base, PRACTITIONER)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    for path in ("/", f"/children/{child}", "/records"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    context.set_offline(True)
    for name, path in (("offline-caseload", "/"), ("offline-visit-form", f"/visits/new?child={child}"),
                       ("offline-page", "/manager/")):
        page.goto(base + path)
        page.locator("html[data-app-booted]").wait_for(state="attached")
        photograph(page, name, width, too_wide)
    page.goto("about:blank")
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
        child, late_record = demo_facts(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
                for width in WIDTHS:
                    for shot in pages(child, late_record):
                        context = browser.new_context(viewport={"width": width, "height": 900})
                        page = context.new_page()
                        if shot.who:
                            sign_in(page, base, shot.who)
                        page.goto(base + shot.path)
                        page.wait_for_load_state("networkidle")
                        if shot.then:
                            shot.then(page)
                        photograph(page, shot.name, width, too_wide)
                        context.close()
                    offline_shots(browser, base, width, child, too_wide)
                browser.close()
        finally:
            server.shutdown()
    print("\n".join(sorted(str(path.relative_to(OUT.parent.parent)) for path in OUT.glob("*.png"))))
    if too_wide:
        raise SystemExit("Wider than the screen: " + ", ".join(too_wide))


if __name__ == "__main__":
    main()
