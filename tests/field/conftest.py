"""Field page fixtures: a Warwickshire team with two practitioners, and signing in through the form."""
from __future__ import annotations

import re
from datetime import date

import pytest
from werkzeug.security import generate_password_hash

from webapp.extensions import db
from webapp.models import Child, Team, User

PASSWORD = "a long enough passphrase"
# Hashed once: scrypt is slow on purpose, and every test makes three users.
_PASSWORD_HASH = None


def _password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = generate_password_hash(PASSWORD)
    return _PASSWORD_HASH


def csrf_token_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class People:
    """The rows the field tests use, by role."""

    def __init__(self):
        team = Team(name="Warwick North", authority="warwickshire")
        other_team = Team(name="Rugby South", authority="warwickshire")
        self.practitioner = User(email="sam@example.org", name="Sam Field", team=team)
        self.colleague = User(email="alex@example.org", name="Alex Other", team=team)
        self.stranger = User(email="kim@example.org", name="Kim Far", team=other_team)
        for user in (self.practitioner, self.colleague, self.stranger):
            user.password_hash = _password_hash()
        self.amira = self._child("WK-1", "Amira Khan", team, self.practitioner, ["child_protection"])
        self.ben = self._child("WK-2", "Ben Taylor", team, self.practitioner, ["looked_after"])
        self.dylan = self._child("WK-3", "Dylan Price", team, self.colleague, ["child_in_need"])
        self.erin = self._child("RS-1", "Erin Shaw", other_team, self.stranger, [])
        db.session.add_all([team, other_team])
        db.session.commit()

    @staticmethod
    def _child(ref, name, team, practitioner, statuses) -> Child:
        child = Child(reference=ref, name=name, date_of_birth=date(2015, 1, 2), team=team,
                      practitioner=practitioner)
        child.statuses = statuses
        db.session.add(child)
        return child


@pytest.fixture
def people(app):
    with app.app_context():
        yield People()


class SignIn:
    """Signs a user in through the real sign-in form, CSRF token and all."""

    def __init__(self, client):
        self._client = client

    def __call__(self, user: User) -> None:
        token = csrf_token_from(self._client.get("/sign-in").get_data(as_text=True))
        response = self._client.post(
            "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    def token(self) -> str:
        """The CSRF token of the signed-in session, as a page would carry it."""
        return csrf_token_from(self._client.get("/offline").get_data(as_text=True))


@pytest.fixture
def sign_in(client):
    return SignIn(client)
