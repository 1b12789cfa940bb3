"""Builders for teams, people and children, and AuthActions for signing in through the pages."""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from werkzeug.security import generate_password_hash

from webapp.extensions import db
from webapp.models import Child, Team, User

PASSWORD = "correct horse battery"


@lru_cache(maxsize=8)
def password_hash(password: str) -> str:
    """A fast hash for test users: scrypt's deliberate slowness would dominate the tests' time."""
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def make_team(name: str, authority: str = "norfolk", service: str = "children_social_care") -> Team:
    team = Team(name=name, authority=authority, service=service)
    db.session.add(team)
    db.session.commit()
    return team


def make_user(email: str, team: Team | None, role: str = "practitioner", password: str = PASSWORD) -> User:
    user = User(email=email, name=email.split("@")[0].title(), role=role, team=team)
    user.password_hash = password_hash(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_child(reference: str, team: Team, practitioner: User | None = None, statuses=("child_in_need",)) -> Child:
    child = Child(reference=reference, name=f"Child {reference}", team=team, practitioner=practitioner)
    child.statuses = list(statuses)
    db.session.add(child)
    db.session.commit()
    return child


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def visit_fields(**overrides: Any) -> dict[str, Any]:
    fields = {
        "visit_type": "child_in_need",
        "announced": "announced",
        "child_seen": True,
        "seen_alone": True,
        "present": "Mother",
        "childs_words": "I like my new school.",
        "observations": "Warm, tidy home.",
        "analysis": "No new concerns.",
        "actions": "Visit again in two weeks.",
    }
    fields.update(overrides)
    return fields


def new_record(child_id: str, event_at: datetime, completed_at: datetime | None = None, **extra: Any) -> dict[str, Any]:
    record = {
        "id": str(uuid.uuid4()),
        "child_id": child_id,
        "record_type": "visit",
        "event_at": iso(event_at),
        "completed_at": iso(completed_at or event_at),
        "fields": visit_fields(),
    }
    record.update(extra)
    return record


_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class AuthActions:
    """Sign in and out through the real pages, and call the API with the page's CSRF token."""

    def __init__(self, client):
        self._client = client
        self._token: str | None = None

    @property
    def token(self) -> str:
        """The session's current CSRF token, as its pages carry it."""
        return self._token or self.fetch_token()

    def fetch_token(self) -> str:
        # Signed in, /sign-in leads home: either page carries the session's current token.
        page = self._client.get("/sign-in", follow_redirects=True).get_data(as_text=True)
        match = _CSRF_META.search(page) or _CSRF_INPUT.search(page)
        assert match, "the sign-in page carries no CSRF token"
        self._token = match.group(1)
        return self._token

    def sign_in(self, email: str, password: str = PASSWORD, next: str | None = None):
        data = {"email": email, "password": password, "csrf_token": self.fetch_token()}
        if next is not None:
            data["next"] = next
        response = self._client.post("/sign-in", data=data)
        self._token = None  # signing in gives the session a new token
        return response

    def sign_out(self):
        response = self._client.post("/sign-out", headers={"X-CSRFToken": self.token})
        self._token = None  # and so does signing out
        return response

    def post_json(self, path: str, body: Any, **kwargs):
        headers = {"X-CSRFToken": self.token}
        return self._client.post(path, json=body, headers=headers, **kwargs)

    def sync(self, records: list, device_now: datetime | str, device_id: str = "tablet-1"):
        now = device_now if isinstance(device_now, str) else iso(device_now)
        return self.post_json("/api/v1/sync", {"device_id": device_id, "device_now": now, "records": records})
