"""Signing in and out, slowing down repeated failures, and what an unsigned request gets."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, Factory
from webapp.auth.models import SignInAttempts
from webapp.extensions import db
from webapp.models import AuditEvent, User


@pytest.fixture
def people(app):
    with app.app_context():
        make = Factory()
        team = make.team("Norwich", "norfolk")
        make.user(team, email="asha@norfolk.test")
        make.user(team, role="manager", email="grace@norfolk.test")
        db.session.remove()


def signed_in(client) -> bool:
    return client.get("/api/v1/caseload").status_code == 200


def test_the_sign_in_page_carries_the_csrf_token_and_the_fields(client):
    page = client.get("/sign-in")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<meta name="csrf-token" content="' in html
    for name in ("email", "password", "csrf_token", "next"):
        assert f'name="{name}"' in html


def test_a_practitioner_signs_in_and_goes_home(app, client, auth, people):
    response = auth.sign_in("asha@norfolk.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # the caseload
    assert "My caseload" in client.get("/").get_data(as_text=True)
    assert signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action)) == "user.signed_in"


def test_a_manager_goes_to_the_team_page(app, client, auth, people):
    response = auth.sign_in("grace@norfolk.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/manager/"


def test_sign_in_is_case_insensitive_about_the_email(client, auth, people):
    assert auth.sign_in("  Asha@Norfolk.TEST ").status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(
    ("email", "password"), [("asha@norfolk.test", "wrong password"), ("nobody@norfolk.test", PASSWORD)]
)
def test_wrong_credentials_say_so_without_saying_which(client, auth, people, email, password):
    response = auth.sign_in(email, password)
    assert response.status_code == 200
    assert "Enter a correct email address and password." in response.get_data(as_text=True)
    assert email.strip() in response.get_data(as_text=True)  # the email is kept in the field
    assert not signed_in(client)


def test_empty_fields_get_a_message(client, auth, people):
    response = auth.sign_in("", "")
    assert "Enter your email address" in response.get_data(as_text=True)


def test_the_password_is_stored_hashed(app):
    with app.app_context():
        user = User(email="x@y.test", name="X")
        user.set_password("a secret phrase")
        assert "a secret phrase" not in user.password_hash
        assert user.check_password("a secret phrase") and not user.check_password("another")


@pytest.mark.parametrize("email", ["asha@norfolk.test", "nobody@norfolk.test"])
def test_repeated_failures_are_slowed_down_by_the_clock(app, client, auth, people, clock, email):
    for _ in range(app.config["SIGN_IN_FREE_ATTEMPTS"]):
        assert auth.sign_in(email, "wrong").status_code == 200

    refused = auth.sign_in(email, PASSWORD)
    assert refused.status_code == 429
    assert "Wait 30 seconds and try again." in refused.get_data(as_text=True)
    assert not signed_in(client)

    clock.advance(seconds=29)
    assert "Wait 1 second " in auth.sign_in(email, PASSWORD).get_data(as_text=True)
    clock.advance(seconds=1)
    assert auth.sign_in(email, "wrong again").status_code == 200  # allowed, and counted
    assert "Wait 60 seconds" in auth.sign_in(email, PASSWORD).get_data(as_text=True)  # the delay doubles
    clock.advance(minutes=1)
    answer = auth.sign_in(email, PASSWORD)
    if email == "asha@norfolk.test":
        assert answer.status_code == 302
        with app.app_context():
            assert db.session.get(SignInAttempts, email) is None  # the count starts again
    else:  # no account: heard, refused as any wrong password is, and counted
        assert answer.status_code == 200
        assert "Enter a correct email address and password." in answer.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(SignInAttempts, email).count > 0


def test_the_delay_stops_growing_at_the_maximum(app, auth, people, clock):
    for _ in range(30):
        auth.sign_in("asha@norfolk.test", "wrong")
        clock.advance(hours=1)
    clock.advance(seconds=-3600)
    text = auth.sign_in("asha@norfolk.test", PASSWORD).get_data(as_text=True)
    assert "Wait 15 minutes" in text


def test_a_failure_for_one_email_does_not_slow_another(app, client, auth, people):
    for _ in range(app.config["SIGN_IN_FREE_ATTEMPTS"] + 1):
        auth.sign_in("grace@norfolk.test", "wrong")
    assert auth.sign_in("asha@norfolk.test").status_code == 302


def test_next_takes_you_back_to_a_page_on_this_site_only(client, auth, people):
    assert auth.sign_in("asha@norfolk.test", next="/api/v1/caseload").headers["Location"] == "/api/v1/caseload"
    auth.sign_out()
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        location = auth.sign_in("asha@norfolk.test", next=elsewhere).headers["Location"]
        assert "evil" not in location
        auth.sign_out()


@pytest.mark.parametrize("path", ["/", "/manager/", "/manager/late-entries"])
def test_a_page_without_a_session_redirects_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={path}"


def test_signing_in_needs_the_csrf_token(client, people):
    response = client.post("/sign-in", data={"email": "asha@norfolk.test", "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)


def test_sign_out_needs_a_post_with_the_token_and_ends_the_session(client, auth, people):
    auth.sign_in("asha@norfolk.test")
    assert client.get("/sign-out").status_code == 405
    assert client.post("/sign-out").status_code == 400  # no token
    assert signed_in(client)
    response = auth.sign_out()
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_a_switched_off_account_cannot_sign_in(app, client, auth, people):
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "asha@norfolk.test")).active = False
        db.session.commit()
    assert auth.sign_in("asha@norfolk.test").status_code == 200
    assert not signed_in(client)


def test_switching_an_account_off_ends_its_sessions(app, client, auth, people):
    """A lost tablet still holds a session cookie: switching the account off must end it."""
    auth.sign_in("asha@norfolk.test")
    assert signed_in(client)
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "asha@norfolk.test")).active = False
        db.session.commit()
    assert client.get("/api/v1/caseload").status_code == 401


def test_a_nul_in_the_email_is_a_wrong_credential_not_an_error(client, auth, people):
    response = auth.sign_in("asha\x00@norfolk.test")
    assert response.status_code == 200
    assert "Enter a correct email address and password." in response.get_data(as_text=True)
