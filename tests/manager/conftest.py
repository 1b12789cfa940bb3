"""Factories for the manager tests: teams, people, children and checked records, made directly."""
from __future__ import annotations

import functools
import itertools
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.security import generate_password_hash

from webapp.extensions import db
from webapp.models import Child, Record, Role, Team, TimelinessCheck, User

UTC = timezone.utc
_serial = itertools.count(1)
PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash() -> str:
    """Hashed once: every factory user shares the password, and hashing is slow on purpose."""
    return generate_password_hash(PASSWORD)


class Factory:
    """Builds rows through the models, committing each, so that tests read like their fixtures."""

    def team(self, name: str | None = None, authority: str = "warwickshire") -> Team:
        team = Team(name=name or f"Team {next(_serial)}", authority=authority)
        db.session.add(team)
        db.session.commit()
        return team

    def user(self, team: Team | None, role: Role = Role.PRACTITIONER, name: str | None = None) -> User:
        n = next(_serial)
        user = User(
            email=f"user{n}@example.test",
            name=name or f"Person {n}",
            role=role.value,
            team_id=team.id if team else None,
        )
        user.password_hash = _password_hash()
        db.session.add(user)
        db.session.commit()
        return user

    def child(self, team: Team, name: str | None = None, reference: str | None = None) -> Child:
        n = next(_serial)
        child = Child(reference=reference or f"C{n:05d}", name=name or f"Child {n}", team_id=team.id)
        db.session.add(child)
        db.session.commit()
        return child

    def checked_record(
        self,
        child: Child,
        author: User,
        *,
        received_at: datetime,
        delay: timedelta = timedelta(hours=2),
        record_type: str = "visit",
        verdict: str = "on_time",
        cause: str | None = None,
        window_hours: int = 72,
        completed_at: datetime | None = None,
        skew_seconds: float = 0.0,
        rule_id: str = "warwickshire_default",
    ) -> TimelinessCheck:
        """A record and its verdict; event_at is `delay` before received_at."""
        event_at = received_at - delay
        due_at = event_at + timedelta(hours=window_hours)
        record_uuid = str(uuid.uuid4())
        record = Record(
            uuid=record_uuid,
            child_id=child.id,
            author_id=author.id,
            record_type=record_type,
            event_at=event_at,
            completed_at=completed_at,
            received_at=received_at,
            device_id="tablet-1",
            fields={},
            content_hash="0" * 64,
        )
        db.session.add(record)
        db.session.flush()
        late_by = max(0, int((received_at - due_at).total_seconds())) if verdict == "late" else 0
        check = TimelinessCheck(
            record_uuid=record_uuid,
            record_id=record.id,
            team_id=child.team_id,
            author_id=author.id,
            child_id=child.id,
            record_type=record_type,
            event_at=event_at,
            received_at=received_at,
            policy_id="warwickshire",
            policy_version="test",
            rule_id=rule_id,
            window=f"{window_hours} hours",
            due_at=due_at,
            verdict=verdict,
            late_by_seconds=late_by,
            cause=cause if verdict == "late" else None,
            completed_at_corrected=(completed_at + timedelta(seconds=skew_seconds)) if completed_at else None,
            skew_seconds=skew_seconds,
        )
        db.session.add(check)
        db.session.commit()
        return check


@pytest.fixture
def make(app):
    with app.app_context():
        yield Factory()


class AuthActions:
    """Signs a user in for the test client, through the real sign-in form."""

    def __init__(self, client):
        self._client = client

    def sign_in(self, user: User):
        page = self._client.get("/sign-in").get_data(as_text=True)
        response = self._client.post(
            "/sign-in",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
        )
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
        return response

    def csrf_token(self) -> str:
        """This session's CSRF token, from the page the sign-in link leads to (home, once signed in)."""
        page = self._client.get("/sign-in", follow_redirects=True).get_data(as_text=True)
        return csrf_token_from(page)

    def sign_out(self) -> None:
        with self._client.session_transaction() as session:
            session.clear()


@pytest.fixture
def auth(client):
    return AuthActions(client)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
