"""Configuration classes. Read values from app.config, never from these classes."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from webapp.clock import SystemClock

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _switch(name: str, default: bool) -> bool:
    """An on/off setting: "1" is on, "0" is off; unset keeps the default."""
    value = os.environ.get(name)
    return default if value in (None, "") else value == "1"


def _minutes(name: str, default: int) -> timedelta:
    """A duration setting, in whole minutes; unset keeps the default."""
    value = os.environ.get(name)
    return timedelta(minutes=int(value) if value not in (None, "") else default)


def _values(name: str) -> list[str]:
    """A comma-separated setting, as a list without empty items."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


class Config:
    # Overridden from the environment in production; a random key is made per instance otherwise.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    POLICY_DIR = os.environ.get("POLICY_DIR", str(PROJECT_ROOT / "policies"))
    CLOCK = SystemClock()

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set SESSION_COOKIE_SECURE=1 whenever the app is served over HTTPS (always, in production).
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE") == "1"
    # How many reverse proxies (e.g. the council's load balancer) set X-Forwarded-* headers; 0: none.
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
    REMEMBER_COOKIE_HTTPONLY = True
    # A session lasts a working day from signing in, closing the browser or not, and ends
    # sooner after SESSION_IDLE_LIMIT without a request: long enough for a visit and the
    # journey back out of signal. Both are measured by the server's clock (webapp/auth/sessions.py);
    # the device is told when its session ends, and stops showing cached pages then.
    SESSION_LIFETIME = _minutes("SESSION_LIFETIME_MINUTES", 8 * 60)
    SESSION_IDLE_LIMIT = _minutes("SESSION_IDLE_LIMIT_MINUTES", 4 * 60)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # Failed sign-ins for one email: this many are free, then waits of 30 s, 60 s, ... 15 min.
    SIGN_IN_FREE_ATTEMPTS = 5
    SIGN_IN_DELAY = timedelta(seconds=30)
    SIGN_IN_MAX_DELAY = timedelta(minutes=15)
    # A count idle this long starts again; at most this many addresses without an account are kept.
    SIGN_IN_FORGET_AFTER = timedelta(hours=24)
    SIGN_IN_MAX_UNKNOWN_EMAILS = 10_000

    # Email and password sign-in; LOCAL_PASSWORDS=0 leaves only the council's accounts (OIDC).
    LOCAL_PASSWORDS = _switch("LOCAL_PASSWORDS", True)
    # Single sign-on with the council's OpenID Connect provider, on when OIDC_ISSUER is set.
    # README "Signing in with your council's accounts" explains each setting.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
    OIDC_EMAIL_CLAIM = os.environ.get("OIDC_EMAIL_CLAIM", "email")
    OIDC_ROLES_CLAIM = os.environ.get("OIDC_ROLES_CLAIM", "groups")
    OIDC_ADMIN_GROUPS = _values("OIDC_ADMIN_GROUPS")
    OIDC_MANAGER_GROUPS = _values("OIDC_MANAGER_GROUPS")
    OIDC_PRACTITIONER_GROUPS = _values("OIDC_PRACTITIONER_GROUPS")
    OIDC_ALLOW_UNKNOWN_USERS = _switch("OIDC_ALLOW_UNKNOWN_USERS", False)
    # "login" makes the provider ask who is there at every sign-in: tablets are shared.
    OIDC_PROMPT = os.environ.get("OIDC_PROMPT", "login")
    OIDC_CLOCK_LEEWAY = timedelta(seconds=60)
    OIDC_HTTP_TIMEOUT = 10  # seconds, for discovery, keys and the token request

    # Sync request limits (issue: 500 records or 2 MB).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SYNC_MAX_RECORDS = 500
    # Records per page of GET /api/v1/records; the answer's next_cursor reads the next page.
    RECORDS_PAGE_SIZE = 200


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # Tests choose these themselves, whatever the machine's environment says.
    LOCAL_PASSWORDS = True
    OIDC_ISSUER = OIDC_CLIENT_ID = OIDC_CLIENT_SECRET = None
    OIDC_ADMIN_GROUPS: list[str] = []
    OIDC_MANAGER_GROUPS: list[str] = []
    OIDC_PRACTITIONER_GROUPS: list[str] = []
    OIDC_ALLOW_UNKNOWN_USERS = False
