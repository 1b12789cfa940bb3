"""Single sign-on against a real OpenID provider (tests/auth/oidc_provider.mjs).

The test client plays the app's side; `requests` plays the browser at the provider's own
sign-in page. The app's token request and key fetch go to the provider over real HTTP.
"""
from __future__ import annotations

import logging
import re
import socket
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.auth.provider import MovableClock, answer_at_provider, running_provider
from tests.factories import PASSWORD, Factory
from webapp import create_app
from webapp.auth.oidc import OidcSettings, SignInRefused, role_from_claims
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import AuditEvent, Role, User

APP_URL = "http://localhost"  # where the test client's requests go
TOKEN_LIFETIME = timedelta(hours=1)  # oidc-provider's default for ID tokens


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    with running_provider(APP_URL, tmp_path_factory.mktemp("provider") / "accounts.json") as running:
        yield running


@pytest.fixture
def movable_clock():
    return MovableClock()


@pytest.fixture
def app(database_url, movable_clock, provider):
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=database_url, CLOCK=movable_clock, **provider.app_settings()
    )
    with app.app_context():
        make = Factory()
        db.create_all()
        team = make.team("Norwich", "norfolk")
        # Grace is a practitioner here until the provider's group says she manages.
        for email in ("grace@norfolk.test", "asha@norfolk.test", "finance@norfolk.test"):
            make.user(team, email=email)
        make.user(team, email="left@norfolk.test", active=False)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def csrf_token(client) -> str:
    """The session's CSRF token, from the sign-in page or, once signed in, the home page."""
    page = client.get("/sign-in", follow_redirects=True).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def to_provider(client, next_path: str = "") -> str:
    """Press "Sign in with your council account"; the provider's address it sends you to."""
    start = client.post("/sign-in/oidc", data={"csrf_token": csrf_token(client), "next": next_path})
    assert start.status_code == 302
    return start.headers["Location"]


def provider_answer(authorize_url: str, email: str, browser: requests.Session | None = None) -> str:
    return answer_at_provider(authorize_url, email, APP_URL, browser)


def back_at_app(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_provider(client, email: str, next_path: str = "", browser=None):
    return back_at_app(client, provider_answer(to_provider(client, next_path), email, browser))


def signed_in(client) -> bool:
    return client.get("/api/v1/caseload").status_code == 200


def user(app, email: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(found)
        return found


def test_a_manager_signs_in_at_the_provider_and_the_group_makes_her_a_manager(app, client):
    response = sign_in_with_provider(client, "grace@norfolk.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/manager/"
    assert user(app, "grace@norfolk.test").role == "manager"
    # The same session cookie serves the sync API.
    assert signed_in(client)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.signed_in"))
        assert event.detail == {"via": "oidc"}


def test_signing_in_with_the_provider_rotates_the_csrf_token(client):
    before = csrf_token(client)
    assert sign_in_with_provider(client, "asha@norfolk.test").status_code == 302
    empty_sync = {"device_id": "tablet-1", "device_now": "2026-11-23T10:00:00Z", "records": []}
    stale = client.post("/api/v1/sync", json=empty_sync, headers={"X-CSRFToken": before})
    assert stale.status_code == 400 and "CSRF" in stale.get_json()["error"]
    assert csrf_token(client) != before


def test_the_page_asked_for_before_signing_in_comes_next(client):
    response = sign_in_with_provider(client, "asha@norfolk.test", next_path="/api/v1/caseload")
    assert response.headers["Location"] == "/api/v1/caseload"


def test_the_provider_is_asked_to_check_who_is_there_each_time(client, provider):
    query = parse_qs(urlsplit(to_provider(client)).query)
    assert query["prompt"] == ["login"]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]


def test_without_role_groups_the_role_set_here_stays(app, client):
    for name in ("OIDC_ADMIN_GROUPS", "OIDC_MANAGER_GROUPS", "OIDC_PRACTITIONER_GROUPS"):
        app.config[name] = []
    assert sign_in_with_provider(client, "grace@norfolk.test").status_code == 302
    assert user(app, "grace@norfolk.test").role == "practitioner"


def test_someone_in_none_of_the_role_groups_is_refused(client):
    response = sign_in_with_provider(client, "finance@norfolk.test")
    assert response.status_code == 403
    assert "not in a group that may use Visit recorder" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_switched_off_account_cannot_start_a_session(client):
    response = sign_in_with_provider(client, "left@norfolk.test")
    assert response.status_code == 403
    assert "switched off" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_unknown_email_is_refused_by_default(app, client):
    response = sign_in_with_provider(client, "stranger@elsewhere.test")
    assert response.status_code == 403
    assert "There is no Visit recorder account" in response.get_data(as_text=True)
    assert not signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "stranger@elsewhere.test")) is None


def test_an_unknown_email_gets_an_account_when_that_is_switched_on(app, client):
    app.config["OIDC_ALLOW_UNKNOWN_USERS"] = True
    assert sign_in_with_provider(client, "stranger@elsewhere.test").status_code == 302
    assert signed_in(client)
    created = user(app, "stranger@elsewhere.test")
    assert (created.name, created.role, created.team_id, created.password_hash) == (
        "Stran Ger", "practitioner", None, None,
    )


def test_a_state_this_session_did_not_start_is_refused(client):
    callback = provider_answer(to_provider(client), "asha@norfolk.test")
    query = parse_qs(urlsplit(callback).query)
    forged = urlencode({"code": query["code"][0], "state": "not-the-state-we-sent", "iss": query["iss"][0]})
    response = client.get(f"/sign-in/oidc/callback?{forged}")
    assert response.status_code == 400
    assert "not started on this device" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_an_answer_cannot_be_used_twice(client):
    callback = provider_answer(to_provider(client), "asha@norfolk.test")
    assert back_at_app(client, callback).status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert back_at_app(client, callback).status_code == 400
    assert not signed_in(client)


@pytest.mark.parametrize("change", ["tamper", "other-key"])
def test_an_id_token_changed_on_the_way_is_refused(app, client, provider, change):
    authorize_url = to_provider(client)
    provider.spoil_next_id_token(change, email="grace@norfolk.test")
    response = back_at_app(client, provider_answer(authorize_url, "asha@norfolk.test"))
    assert response.status_code == 400
    assert "could not be trusted" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert user(app, "grace@norfolk.test").role == "practitioner"


def test_an_out_of_date_id_token_is_refused(client, movable_clock):
    callback = provider_answer(to_provider(client), "asha@norfolk.test")
    movable_clock.offset = TOKEN_LIFETIME + 2 * TestConfig.OIDC_CLOCK_LEEWAY
    response = back_at_app(client, callback)
    assert response.status_code == 400
    assert "could not be trusted" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_a_token_just_inside_the_leeway_is_accepted(client, movable_clock):
    callback = provider_answer(to_provider(client), "asha@norfolk.test")
    movable_clock.offset = TOKEN_LIFETIME
    assert back_at_app(client, callback).status_code == 302


def test_a_provider_that_cannot_be_reached_gets_a_message_not_an_error(database_url, movable_clock):
    with socket.socket() as closed:  # a port with nothing listening
        closed.bind(("127.0.0.1", 0))
        issuer = f"http://127.0.0.1:{closed.getsockname()[1]}"
        app = create_app(
            TestConfig, SQLALCHEMY_DATABASE_URI=database_url, CLOCK=movable_clock,
            OIDC_ISSUER=issuer, OIDC_CLIENT_ID="visit-recorder", OIDC_CLIENT_SECRET="secret",
        )
        client = app.test_client()
        response = client.post("/sign-in/oidc", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 503
    assert "could not be reached" in response.get_data(as_text=True)


def test_starting_needs_the_csrf_token(client):
    assert client.post("/sign-in/oidc").status_code == 400


def test_refusals_are_logged_without_claims(client, caplog):
    with caplog.at_level(logging.WARNING):
        sign_in_with_provider(client, "stranger@elsewhere.test")
    assert "Single sign-on refused: unknown_user" in caplog.text
    assert "stranger" not in caplog.text and "elsewhere" not in caplog.text


def test_sign_out_offers_the_providers_sign_out(client, provider):
    browser = requests.Session()  # at the provider, which keeps its own session
    sign_in_with_provider(client, "asha@norfolk.test", browser=browser)
    response = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/sign-in"
    assert not signed_in(client)
    page = client.get("/sign-in").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Sign out of your council account', page).group(1).replace("&amp;", "&")
    assert link.startswith(f"{provider.issuer}/session/end?")
    assert parse_qs(urlsplit(link).query) == {
        "client_id": ["visit-recorder"], "post_logout_redirect_uri": [f"{APP_URL}/sign-in"],
    }
    # The provider accepts it: its page asks to confirm, rather than answering with an error.
    confirm = browser.get(link, timeout=10)
    assert confirm.status_code == 200 and "Yes, sign me out" in confirm.text
    # Offered once, after that sign-out only.
    assert "Sign out of your council account" not in client.get("/sign-in").get_data(as_text=True)


def test_an_answer_that_arrives_after_signing_out_keeps_the_offer(app, client):
    """A page's own requests (its caseload, its deadlines) can be answered just after the
    sign-out's: an answer that changed nothing in the session must not write the old session
    back into the cookie, taking away the offer to sign out at the provider too."""
    sign_in_with_provider(client, "asha@norfolk.test")
    same_browser = app.test_client()
    same_browser.set_cookie("session", client.get_cookie("session").value)
    answered_late = same_browser.get("/api/v1/caseload")  # sent before signing out...
    assert answered_late.status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    for cookie in answered_late.headers.getlist("Set-Cookie"):  # ...and reaching the browser after
        if cookie.startswith("session="):
            client.set_cookie("session", cookie.split(";", 1)[0].removeprefix("session="))
    page = client.get("/sign-in").get_data(as_text=True)
    assert "You have signed out of Visit recorder." in page
    assert "Sign out of your council account" in page
    assert not signed_in(client)


def test_a_password_session_is_not_offered_the_providers_sign_out(client, auth):
    auth.sign_in("asha@norfolk.test")
    auth.sign_out()
    assert "Sign out of your council account" not in client.get("/sign-in").get_data(as_text=True)


def test_the_sign_in_page_lets_the_browser_post_on_to_the_provider(client, provider):
    response = client.get("/sign-in")
    assert "Sign in with your council account" in response.get_data(as_text=True)
    assert f"form-action 'self' {provider.issuer}" in response.headers["Content-Security-Policy"]


def test_with_local_passwords_off_the_form_is_gone_and_passwords_are_refused(app, client, auth):
    app.config["LOCAL_PASSWORDS"] = False
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'name="password"' not in page and "Sign in with your council account" in page
    response = auth.sign_in("asha@norfolk.test", PASSWORD)
    assert response.status_code == 403
    assert "Passwords are switched off" in response.get_data(as_text=True)
    assert not signed_in(client)
    assert sign_in_with_provider(client, "asha@norfolk.test").status_code == 302


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"LOCAL_PASSWORDS": False}, "LOCAL_PASSWORDS=0 needs OIDC_ISSUER"),
        ({"OIDC_ISSUER": "https://login.example/t/v2.0", "OIDC_CLIENT_ID": "x"}, "OIDC_CLIENT_SECRET must be set"),
    ],
)
def test_settings_that_would_lock_everyone_out_stop_the_app_starting(settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(TestConfig, **settings)


def test_without_an_issuer_there_is_no_council_sign_in(database_url):
    plain = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    client = plain.test_client()
    assert "council account" not in client.get("/sign-in").get_data(as_text=True)
    assert client.post("/sign-in/oidc", data={"csrf_token": csrf_token(client)}).status_code == 404


SETTINGS = OidcSettings(
    issuer="https://login.example/tenant/v2.0",
    client_id="app",
    email_claim="email",
    roles_claim="groups",
    role_groups={Role.ADMIN: frozenset({"g-admin"}), Role.MANAGER: frozenset({"g-manager"}),
                 Role.PRACTITIONER: frozenset({"g-practitioner"})},
    allow_unknown_users=False,
)


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        (["g-practitioner"], Role.PRACTITIONER),
        (["g-practitioner", "g-manager"], Role.MANAGER),
        (["g-manager", "g-admin", "other"], Role.ADMIN),
        ("g-manager", Role.MANAGER),  # some providers send one group as a string
    ],
)
def test_the_highest_role_whose_group_is_listed_wins(groups, role):
    assert role_from_claims({"groups": groups}, SETTINGS) is role


def test_entra_ids_groups_overage_is_refused_with_what_to_ask_it_for():
    claims = {"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {"endpoint": "x"}}}
    with pytest.raises(SignInRefused, match="groups assigned to the application"):
        role_from_claims(claims, SETTINGS)
