"""Configuration classes. Read values from app.config, never from these classes."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from webapp.clock import SystemClock

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    PERMANENT_SESSION_LIFETIME = 8 * 60 * 60  # one working day, in seconds
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    # Failed sign-ins for one email: this many are free, then waits of 30 s, 60 s, ... 15 min.
    SIGN_IN_FREE_ATTEMPTS = 5
    SIGN_IN_DELAY = timedelta(seconds=30)
    SIGN_IN_MAX_DELAY = timedelta(minutes=15)
    # A count idle this long starts again; at most this many addresses without an account are kept.
    SIGN_IN_FORGET_AFTER = timedelta(hours=24)
    SIGN_IN_MAX_UNKNOWN_EMAILS = 10_000

    # Sync request limits (issue: 500 records or 2 MB).
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SYNC_MAX_RECORDS = 500


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
