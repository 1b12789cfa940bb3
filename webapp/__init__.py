"""Visit recorder: offline-first recording of children's social care visits."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from webapp.config import Config


def _instance_secret_key(app: Flask) -> str:
    """A random key kept in instance/, so sessions survive restarts of a local install."""
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        os.chmod(key_file, 0o600)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for the plain postgresql:// URLs that councils' platforms hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_app(config_class: type = Config, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "visits.sqlite"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)

    from webapp.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)

    from webapp import models  # noqa: F401  (registers the tables with the metadata)
    from webapp.security import init_security

    init_security(app)
    from webapp.auth.oidc import init_oidc

    init_oidc(app)

    # Blueprints and command groups.
    from webapp.templating import init_templating

    init_templating(app)
    from webapp.field.views import bp as field_bp

    app.register_blueprint(field_bp)
    from webapp.policy_cli import policy_cli

    app.cli.add_command(policy_cli)
    from webapp.auth.commands import users_cli
    from webapp.auth.views import bp as auth_bp
    from webapp.caseload.commands import caseload_cli
    from webapp.demo import demo_data_command
    from webapp.sync.views import bp as sync_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(sync_bp)
    app.cli.add_command(users_cli)
    app.cli.add_command(caseload_cli)
    app.cli.add_command(demo_data_command)
    from webapp.manager.views import bp as manager_bp

    app.register_blueprint(manager_bp)
    return app
