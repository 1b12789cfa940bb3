"""How long a session lasts, and what ends it: signing out, a new password, switching the
account off, its working day running out or going idle, all measured by the server's clock."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from tests.conftest import DEFAULT_NOW
from tests.factories import PASSWORD, AuthActions, Factory, iso
from webapp.auth.commands import save_user
from webapp.extensions import db
from webapp.models import User

EMAIL = "asha@norfolk.test"
LIFETIME = timedelta(hours=8)
IDLE_LIMIT = timedelta(hours=4)


@pytest.fixture
def asha(app):
    with app.app_context():
        make = Factory()
        make.user(make.team("Norwich", "norfolk"), email=EMAIL)
        db.session.remove()


def signed_in(client) -> bool:
    return client.get("/api/v1/caseload").status_code == 200


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def sync_body() -> dict:
    return {"device_id": "t", "device_now": iso(DEFAULT_NOW), "records": []}


def test_the_defaults_are_a_working_day_and_four_idle_hours(app):
    assert app.config["SESSION_LIFETIME"] == LIFETIME
    assert app.config["SESSION_IDLE_LIMIT"] == IDLE_LIMIT


def test_the_session_cookie_outlives_the_browser_for_a_working_day(client, auth, asha):
    response = auth.sign_in(EMAIL)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, f"a cookie without Expires ends when the browser closes: {cookie}"
    # Flask dates the cookie by the real clock; the session's own end is checked by the server's.
    lasts = parsedate_to_datetime(expires[1]) - datetime.now(timezone.utc)
    assert abs(lasts - LIFETIME) < timedelta(minutes=1)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, client, auth, asha):
    auth.sign_in(EMAIL)
    thief = copy_of(app, client)
    assert signed_in(thief)
    auth.sign_out()
    assert not signed_in(client)
    assert not signed_in(thief)
    assert thief.get("/").status_code == 302
    # Signing in again starts a session that works; the copy stays dead.
    auth.sign_in(EMAIL)
    assert signed_in(client)
    assert not signed_in(thief)


def test_a_new_password_ends_the_sessions_begun_with_the_old_one(app, client, auth, asha):
    auth.sign_in(EMAIL)
    with app.app_context():
        save_user(EMAIL, "practitioner", db.session.scalar(select(User)).team, None, "a brand new passphrase")
    assert not signed_in(client)
    assert auth.sign_in(EMAIL, "a brand new passphrase").status_code == 302
    assert signed_in(client)


def test_switching_an_account_off_ends_its_sessions_and_sign_in(app, client, auth, runner, asha):
    auth.sign_in(EMAIL)
    thief = copy_of(app, client)
    result = runner.invoke(args=["users", "switch-off", "--email", EMAIL])
    assert result.exit_code == 0, result.output
    assert "Switched off asha@norfolk.test" in result.output
    assert not signed_in(client) and not signed_in(thief)
    assert "Enter a correct email address and password." in auth.sign_in(EMAIL).get_data(as_text=True)
    assert not signed_in(client)


def test_a_session_of_a_switched_off_account_is_not_loaded_even_at_its_generation(app, client, auth, asha):
    auth.sign_in(EMAIL)
    with app.app_context():
        user = db.session.scalar(select(User))
        user.active = False  # switched off without moving the generation on
        db.session.commit()
    assert not signed_in(client)


def test_switching_off_an_unknown_address_says_so(runner, asha):
    result = runner.invoke(args=["users", "switch-off", "--email", "nobody@norfolk.test"])
    assert result.exit_code != 0
    assert "no user with the email address 'nobody@norfolk.test'" in result.output


def test_a_session_ends_a_working_day_after_signing_in_however_busy(client, auth, clock, asha):
    auth.sign_in(EMAIL)
    for _ in range(7):
        clock.advance(hours=1)
        assert signed_in(client)
    clock.advance(minutes=59)
    assert signed_in(client)
    clock.advance(minutes=1)
    assert not signed_in(client)


def test_a_session_ends_after_four_hours_without_a_request(client, auth, clock, asha):
    auth.sign_in(EMAIL)
    clock.advance(hours=3, minutes=59)
    assert signed_in(client)  # and this request starts the idle time again
    clock.advance(hours=3, minutes=59)
    assert signed_in(client)
    clock.advance(hours=4)
    assert not signed_in(client)


def test_the_limits_are_settings(app, client, auth, clock, asha):
    app.config.update(SESSION_LIFETIME=timedelta(minutes=30), SESSION_IDLE_LIMIT=timedelta(minutes=10))
    auth.sign_in(EMAIL)
    clock.advance(minutes=9)
    assert signed_in(client)
    clock.advance(minutes=10)
    assert not signed_in(client)


def test_the_session_api_says_how_long_is_left_by_the_servers_clock(client, auth, clock, asha):
    assert client.get("/api/v1/session").status_code == 401
    auth.sign_in(EMAIL)
    answer = client.get("/api/v1/session").get_json()
    assert answer["seconds_left"] == IDLE_LIMIT.total_seconds()  # the idle limit comes first
    assert answer["server_now"] == iso(DEFAULT_NOW)
    # Its token works, as a page's would.
    sent = client.post("/api/v1/sync", json=sync_body(), headers={"X-CSRFToken": answer["csrf_token"]})
    assert sent.status_code == 200
    for _ in range(2):
        clock.advance(hours=3)
        client.get("/api/v1/caseload")  # within the idle limit of the last request
    clock.advance(hours=1)
    assert client.get("/api/v1/session").get_json()["seconds_left"] == timedelta(hours=1).total_seconds()


def test_pages_tell_the_device_how_long_the_session_has_left(app, client, auth, clock, asha):
    auth.sign_in(EMAIL)
    clock.advance(hours=1)
    page = client.get("/").get_data(as_text=True)
    assert '<meta name="session-seconds-left" content="14400">' in page
    assert '<meta name="app-page" content="personal">' in page
    # The pages the worker keeps for everyone (fetched without cookies) carry no countdown.
    worker = app.test_client()
    for public in ("/sign-in-needed", "/signed-out", "/offline", "/visits/new"):
        assert "session-seconds-left" not in worker.get(public).get_data(as_text=True)


def test_the_htmx_history_cache_is_off(client, auth, asha):
    auth.sign_in(EMAIL)
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'", client.get("/").get_data(as_text=True))
    assert '"historyCacheSize": 0' in config[1]


@pytest.mark.parametrize("token", [None, "not-a-token", "page"])
def test_an_api_post_without_a_session_is_a_401_before_any_csrf_check(client, asha, token):
    headers = {}
    if token == "page":
        # A real token, from a page a signed-out browser can fetch.
        headers["X-CSRFToken"] = re.search(
            r'<meta name="csrf-token" content="([^"]+)"', client.get("/sign-in").get_data(as_text=True)
        )[1]
    elif token:
        headers["X-CSRFToken"] = token
    response = client.post("/api/v1/sync", json=sync_body(), headers=headers)
    assert response.status_code == 401
    assert "sign in" in response.get_json()["error"].lower()


def test_an_api_post_after_the_session_expired_is_a_401_even_with_its_old_token(client, auth, clock, asha):
    auth.sign_in(EMAIL)
    token = auth.fetch_token()
    clock.advance(hours=5)
    response = client.post("/api/v1/sync", json=sync_body(), headers={"X-CSRFToken": token})
    assert response.status_code == 401 and response.is_json


def test_a_signed_in_api_post_still_needs_its_csrf_token(client, auth, asha):
    auth.sign_in(EMAIL)
    response = client.post("/api/v1/sync", json=sync_body())
    assert response.status_code == 400
    assert "X-CSRFToken" in response.get_json()["error"]
    assert auth.post_json("/api/v1/sync", sync_body()).status_code == 200


def test_signing_out_without_a_session_is_harmless(client, auth, asha):
    # A device that signed out without signal sends its sign-out later, perhaps after the
    # session has ended anyway.
    assert auth.sign_out().status_code == 302
    assert not signed_in(client)


def test_a_user_made_before_sessions_had_generations_can_sign_in(app, client, asha):
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.session_generation == 0
    assert AuthActions(client).sign_in(EMAIL, PASSWORD).status_code == 302
    assert signed_in(client)
