"""Shared fixtures: the app on SQLite and on PostgreSQL, a client, a CLI runner, a clock,
the world builder (`make`) and signing in through the pages (`auth`); see tests/factories.py."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from tests.factories import AuthActions, Factory, serving
from webapp import create_app, normalise_database_url
from webapp.clock import FixedClock
from webapp.config import TestConfig
from webapp.extensions import db

POSTGRES_URL = normalise_database_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
# Monday 23 November 2026, 10:00 in London (GMT).
DEFAULT_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test run's own, so that runs side by side never collide."""
    name = f"visits_test_{os.getpid()}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def clock():
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def app(database_url, clock):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, CLOCK=clock)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """The world builder, in an app context held open for the whole test."""
    with app.app_context():
        yield Factory()


@pytest.fixture
def auth(client):
    """Signs the test's client in and out through the real pages."""
    return AuthActions(client)


@pytest.fixture
def live_server(app):
    """The test's app on a real socket (the browser tests have their own, for the whole session)."""
    with serving(app) as base_url:
        yield base_url
