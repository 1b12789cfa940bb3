"""The app factory, its database and its security headers."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

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
