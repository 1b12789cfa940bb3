"""The app factory, its database and its security headers."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        assert "timeliness_check" in inspect(db.engine).get_table_names()


def test_security_headers_on_every_response(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_whenever_the_session_cookie_is_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    app.config["SESSION_COOKIE_SECURE"] = True  # TLS ends at a proxy: the request is plain HTTP
    assert client.get("/sign-in").headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_headers_are_trusted_only_with_proxy_fix(database_url, clock):
    """X-Forwarded-Proto: https makes the request secure, and so sends HSTS, only behind PROXY_FIX."""
    for proxies, trusted in ((0, False), (1, True)):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, CLOCK=clock, PROXY_FIX=proxies)
        response = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in response.headers) is trusted
