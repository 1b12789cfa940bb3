"""Single sign-on in Chromium, through the real provider's pages (tests/auth/oidc_provider.mjs).

The app serves on 127.0.0.1 and the provider on another port; the app finds the provider's
endpoints and keys from its discovery document, as it would Microsoft Entra ID's.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import NamedTuple

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.auth.provider import (
    PROVIDER_PASSWORD,
    MovableClock,
    Provider,
    answer_at_provider,
    running_provider,
)
from tests.browser.test_accessibility import _violations
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import Team, User


class Site(NamedTuple):
    url: str
    app: object
    provider: Provider
    clock: MovableClock


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app and the provider, each knowing the other's address."""
    folder = tmp_path_factory.mktemp("sso")
    apps = {}
    # The provider needs the app's address and the app the provider's: bind the app's port first.
    server = make_server("127.0.0.1", 0, lambda environ, start: apps["app"](environ, start), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    with running_provider(url, folder / "accounts.json") as provider:
        clock = MovableClock()
        app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'sso.sqlite'}",
            CLOCK=clock,
            WTF_CSRF_ENABLED=True,
            **provider.app_settings(),
        )
        with app.app_context():
            db.create_all()
            team = Team(name="Warwick South Family Support", authority="warwickshire")
            # Both are practitioners here: the provider's groups say who manages.
            for email, name in (("grace@norfolk.test", "Grace Manager"), ("asha@norfolk.test", "Asha Patel")):
                db.session.add(User(email=email, name=name, role="practitioner", team=team))
            db.session.commit()
        apps["app"] = app
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield Site(url, app, provider, clock)
        server.shutdown()


def sign_in_at_provider(page: Page, site: Site, email: str) -> None:
    page.goto(f"{site.url}/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    expect(page.get_by_role("heading", name="Sign in to your council account")).to_be_visible()
    assert page.url.startswith(site.provider.issuer)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def expect_refused(page: Page, site: Site, message: str) -> None:
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(message)
    assert page.request.get(f"{site.url}/api/v1/caseload").status == 401


def role_of(site: Site, email: str) -> str:
    with site.app.app_context():
        return db.session.scalar(select(User.role).where(User.email == email))


def test_a_manager_signs_in_at_the_provider_and_signs_out_of_both(page: Page, site: Site, axe_source):
    sign_in_at_provider(page, site, "grace@norfolk.test")
    # Her group in the ID token makes her a manager, so she lands on the team's page.
    expect(page.get_by_role("heading", name="Team timeliness")).to_be_visible()
    assert role_of(site, "grace@norfolk.test") == "manager"
    # The same session cookie serves the sync API.
    assert page.request.get(f"{site.url}/api/v1/caseload").status == 200

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out of Visit recorder.")).to_be_visible()
    assert _violations(page, axe_source) == []  # both ways to sign in, and the banner
    page.get_by_role("link", name="Sign out of your council account").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    assert page.url == f"{site.url}/sign-in"
    assert page.request.get(f"{site.url}/api/v1/caseload").status == 401


def test_an_answer_to_someone_elses_sign_in_is_refused(page: Page, site: Site):
    """Login CSRF: someone signs in as themselves and gets another browser to finish it."""
    elsewhere = requests.Session()
    sign_in_page = elsewhere.get(f"{site.url}/sign-in", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in_page).group(1)
    start = elsewhere.post(f"{site.url}/sign-in/oidc", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    their_answer = answer_at_provider(start.headers["Location"], "grace@norfolk.test", site.url)

    # This browser has a sign-in of its own under way, with its own state.
    page.goto(f"{site.url}/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    expect(page.get_by_role("heading", name="Sign in to your council account")).to_be_visible()
    page.goto(their_answer)
    expect_refused(page, site, "not started on this device")


def test_a_tampered_id_token_is_refused(page: Page, site: Site):
    site.provider.spoil_next_id_token("tamper", email="grace@norfolk.test")
    sign_in_at_provider(page, site, "asha@norfolk.test")
    expect_refused(page, site, "could not be trusted")


def test_an_out_of_date_id_token_is_refused(page: Page, site: Site):
    # oidc-provider's ID tokens last an hour; the app's clock is two ahead of the provider's.
    site.clock.offset = timedelta(hours=2)
    try:
        sign_in_at_provider(page, site, "asha@norfolk.test")
        expect_refused(page, site, "could not be trusted")
    finally:
        site.clock.offset = timedelta(0)


def test_someone_the_provider_knows_but_the_app_does_not_is_refused(page: Page, site: Site):
    sign_in_at_provider(page, site, "stranger@elsewhere.test")
    expect_refused(page, site, "There is no Visit recorder account")
    with site.app.app_context():
        assert db.session.scalar(select(User).where(User.email == "stranger@elsewhere.test")) is None


def test_a_practitioner_signs_in_and_reaches_her_caseload(page: Page, site: Site):
    sign_in_at_provider(page, site, "asha@norfolk.test")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    assert role_of(site, "asha@norfolk.test") == "practitioner"
