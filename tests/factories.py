"""The one test password, the one world builder and the one way to sign in through the pages.

- `PASSWORD`: every test user's password, unless a test sets another on purpose.
- `Factory` (the `make` fixture): teams, users, children and checked records, made through the
  models and committed one by one, so that a test reads like the world it sets up. It works in
  whichever app context is current: the `make` fixture holds one open for the whole test, and a
  fixture that builds inside its own `with app.app_context():` can use `Factory()` directly.
- `AuthActions` (the `auth` fixture): signs a test client in and out through the real sign-in
  form, CSRF token and all, and calls the API with the page's token.

Two other ways in do what these cannot, with the same `PASSWORD` and `Factory`: the browser's
`signed_in_page` signs a Playwright page in, and the fault tests' `Device` signs in over a real
socket. tests/auth/provider.py plays a council's single sign-on provider, with its own accounts.
- `serving(app)`: the app on a real socket, for tests that need one (the `live_server` fixture, tests/conftest.py).
"""
from __future__ import annotations

import itertools
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from webapp.extensions import db
from webapp.models import Child, Record, Role, Team, TimelinessCheck, User

PASSWORD = "correct horse battery"

_serial = itertools.count(1)


@lru_cache(maxsize=8)
def password_hash(password: str = PASSWORD) -> str:
    """A fast hash for test users: scrypt's deliberate slowness would dominate the tests' time."""
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


class Factory:
    """Builds rows through the models, committing each, in the current app context."""

    def team(self, name: str | None = None, authority: str = "warwickshire",
             service: str = "children_social_care") -> Team:
        team = Team(name=name or f"Team {next(_serial)}", authority=authority, service=service)
        db.session.add(team)
        db.session.commit()
        return team

    def user(self, team: Team | None = None, role: Role | str = Role.PRACTITIONER, name: str | None = None,
             *, email: str | None = None, password: str = PASSWORD, active: bool = True) -> User:
        """A user; without an email, one is made up, and without a name, one comes from the email."""
        n = next(_serial)
        user = User(
            email=email or f"user{n}@example.test",
            name=name or (email.split("@")[0].title() if email else f"Person {n}"),
            role=getattr(role, "value", role),
            team_id=team.id if team else None,
            active=active,
        )
        user.password_hash = password_hash(password)
        db.session.add(user)
        db.session.commit()
        return user

    def child(self, team: Team, name: str | None = None, reference: str | None = None, *,
              practitioner: User | None = None, statuses=("child_in_need",),
              date_of_birth: date | None = None) -> Child:
        n = next(_serial)
        child = Child(
            reference=reference or f"C{n:05d}",
            name=name or f"Child {reference or n}",
            team_id=team.id,
            practitioner_id=practitioner.id if practitioner else None,
            date_of_birth=date_of_birth,
        )
        child.statuses = list(statuses)
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
        """A stored record and its verdict, as given (no engine involved); event_at is `delay` before received_at."""
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


def csrf_token_from(html: str) -> str:
    """The CSRF token a page carries, in its meta tag or a form's hidden field."""
    match = _CSRF_META.search(html) or _CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


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
        self._token = csrf_token_from(self._client.get("/sign-in", follow_redirects=True).get_data(as_text=True))
        return self._token

    def sign_in(self, who: User | str, password: str = PASSWORD, next: str | None = None):
        """Post the sign-in form as `who` (a user or an email address); returns the answer, whatever it is."""
        email = who if isinstance(who, str) else who.email
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


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on 127.0.0.1 by a threaded werkzeug server while the block lasts; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
