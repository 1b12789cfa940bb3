"""Who a session belongs to, and for how long: Flask-Login's user loader, shared by pages and API.

The session lives in Flask's signed cookie, which the server cannot take back by itself. So
each session carries the user's `session_generation` from when it began, and the loader
refuses it once the user's generation has moved on: signing out, a new password and switching
the account off each move it, ending every session of that person, copied cookies included.

A session also ends SESSION_LIFETIME after signing in and SESSION_IDLE_LIMIT after its last
request, both by the server's clock (`webapp.clock`), so tests move the clock instead of waiting.
The cookie is permanent, so closing the browser does not end the working day; the device is told
when its session ends (`ends_at`), and the service worker stops showing cached pages then.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, request, session
from flask_login import current_user, login_user

from webapp.clock import server_now
from webapp.errors import is_api_request, not_signed_in
from webapp.extensions import db, login_manager
from webapp.models import User
from webapp.timeliness import iso_utc

# Keys of this module's in the session cookie.
GENERATION = "generation"
SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# How often a request moves LAST_SEEN_AT on: not on every request, so that parallel requests
# rarely race to rewrite the cookie, and idle time is still measured to the minute.
LAST_SEEN_STEP = timedelta(minutes=1)


def begin_session(user: User) -> None:
    """Sign `user` in with a session that outlives the browser, for one working day."""
    now = server_now()
    login_user(user)
    session.permanent = True
    session[GENERATION] = user.session_generation
    session[SIGNED_IN_AT] = iso_utc(now)
    session[LAST_SEEN_AT] = iso_utc(now)


def session_ends_at(now: datetime | None = None) -> datetime | None:
    """When the current session ends if no further request comes: the earlier of its lifetime
    and its idle limit; None when there is no session."""
    signed_in_at, last_seen_at = _instant(session.get(SIGNED_IN_AT)), _instant(session.get(LAST_SEEN_AT))
    if signed_in_at is None or last_seen_at is None:
        return None
    config = current_app.config
    return min(signed_in_at + config["SESSION_LIFETIME"], last_seen_at + config["SESSION_IDLE_LIMIT"])


def seconds_left() -> int:
    """Whole seconds until the current session ends (0 when it has): what the device is told.

    A length of time, not an instant, so that a device whose clock is wrong still counts it
    down correctly from the moment it heard it.
    """
    ends_at = session_ends_at()
    return max(0, int((ends_at - server_now()).total_seconds())) if ends_at else 0


def load_user(user_id: str) -> User | None:
    """The session's user, or None: no such user, switched off, signed out, or out of time."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active or session.get(GENERATION) != user.session_generation:
        return None
    now = server_now()
    ends_at = session_ends_at()
    if ends_at is None or now >= ends_at:
        return None
    if now - _instant(session[LAST_SEEN_AT]) >= LAST_SEEN_STEP:
        session[LAST_SEEN_AT] = iso_utc(now)
    return user


def refuse_api_without_session():
    """A state-changing API request without a valid session is a 401, before any CSRF check.

    Without a session there is no CSRF token to check against, and a device must be told to
    sign in again rather than that its token is missing.
    """
    if (
        is_api_request()
        and request.method in current_app.config["WTF_CSRF_METHODS"]
        and not current_user.is_authenticated
    ):
        return not_signed_in()
    return None


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def init_sessions(app: Flask) -> None:
    """Install the loader and the API's 401, ahead of CSRFProtect's check (so call this first)."""
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME"]
    # The cookie is written only when the session changes. Flask would otherwise send a
    # permanent session back with every answer, and an answer to a request sent just before
    # signing out (a page's caseload or deadlines) would write the old session back over the
    # signed-out one, losing what signing out put there (the offer to sign out at the provider).
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.config.setdefault("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
    login_manager.user_loader(load_user)
    app.jinja_env.globals["session_seconds_left"] = seconds_left
    app.before_request(refuse_api_without_session)
