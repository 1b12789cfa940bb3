"""Browser fixtures: Debian's Chromium, a live server on 127.0.0.1, seeded practitioners.

Fixtures for every browser test (the offline journeys use them too):
- `live_server`: the base URL of a running app, e.g. "http://127.0.0.1:41234";
- `live_app`: that Flask app, for seeding or asserting on the database;
- `practitioner` and `second_practitioner`: `Person(email, password, name, child_refs)`, both
  in the same team, each with their own allocated children;
- `signed_in_page(page, person, lands_on="My caseload")`: signs `person` in through the
  sign-in form and waits for the page they land on (the Playwright twin of `auth.sign_in`);
- `fixed_server_clock`: stands the live server's clock still at `FIXED_NOW` for one test, so
  that the date the forms prefill, and any time typed on it, do not depend on when tests run.
"""
from __future__ import annotations

import os
import shutil
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import expect

from tests.browser.offline import TIMEOUT_MS
from tests.factories import PASSWORD, Factory, serving
from webapp import create_app
from webapp.clock import FixedClock, SystemClock
from webapp.config import TestConfig
from webapp.extensions import db

# What a person sees can take longer to appear on a busy machine than Playwright's 5 s default.
expect.set_options(timeout=TIMEOUT_MS)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    """The CHROMIUM environment variable, then Debian's chromium; None means Playwright's own."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = _chromium()
    if chromium is None:
        return browser_type_launch_args
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


BROWSER_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every test here is a browser test, marked at collection so that `-m browser` and
    `-m "not browser"` choose by it (a mark added by a fixture comes too late for them)."""
    for item in items:
        if BROWSER_TESTS in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


class Person(NamedTuple):
    email: str
    password: str
    name: str
    child_refs: tuple[str, ...]


PRACTITIONER = Person("sam.field@example.org", PASSWORD, "Sam Field", ("WK-1001", "WK-1002", "WK-1003"))
SECOND_PRACTITIONER = Person("alex.other@example.org", PASSWORD, "Alex Other", ("WK-2001",))
CHILDREN = {
    "WK-1001": ("Amira Khan", date(2015, 3, 14), ["child_protection"]),
    "WK-1002": ("Ben Taylor", date(2012, 7, 2), ["child_in_need"]),
    "WK-1003": ("Chloe Evans", date(2009, 11, 30), ["looked_after"]),
    "WK-2001": ("Dylan Price", date(2016, 1, 8), ["child_in_need"]),
}


def seed(app) -> None:
    """One Warwickshire team, two practitioners and their children."""
    with app.app_context():
        db.create_all()
        make = Factory()
        team = make.team("Warwick North Family Support")
        for person in (PRACTITIONER, SECOND_PRACTITIONER):
            user = make.user(team, name=person.name, email=person.email, password=person.password)
            for ref in person.child_refs:
                name, born, statuses = CHILDREN[ref]
                make.child(team, name, ref, practitioner=user, statuses=statuses, date_of_birth=born)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    database = tmp_path_factory.mktemp("live") / "browser.sqlite"
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        CLOCK=SystemClock(),
        # Forms post with their CSRF token as usual; the browser keeps the session cookie.
        WTF_CSRF_ENABLED=True,
    )
    seed(app)
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    with serving(live_app) as base_url:
        yield base_url


# A Tuesday afternoon in London (GMT), not a bank holiday, in the past.
FIXED_NOW = datetime(2026, 3, 10, 15, 30, tzinfo=timezone.utc)


@pytest.fixture
def fixed_server_clock(live_app):
    """The live server's clock, standing still at FIXED_NOW until the test ends."""
    clock = FixedClock(FIXED_NOW)
    previous, live_app.config["CLOCK"] = live_app.config["CLOCK"], clock
    yield clock
    live_app.config["CLOCK"] = previous


@pytest.fixture
def practitioner() -> Person:
    return PRACTITIONER


@pytest.fixture
def second_practitioner() -> Person:
    return SECOND_PRACTITIONER


@pytest.fixture
def signed_in_page(live_server):
    """Sign a person in through the sign-in form; returns the page, once it shows `lands_on`."""

    def sign_in(page, person: Person = PRACTITIONER, lands_on: str = "My caseload"):
        page.goto(f"{live_server}/sign-in")
        page.get_by_label("Email address").fill(person.email)
        page.get_by_label("Password").fill(person.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name=lands_on).wait_for()
        return page

    return sign_in


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make install)")
    return AXE_PATH.read_text()
