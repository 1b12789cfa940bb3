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

    # Configuration.
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

    # Extensions, and the app-wide wiring every blueprint relies on.
    from webapp import access_log
    from webapp.auth.oidc import init_oidc
    from webapp.auth.sessions import init_sessions
    from webapp.extensions import csrf, db, htmx, login_manager, migrate
    from webapp.security import init_security
    from webapp.templating import init_templating

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    init_sessions(app)  # before CSRFProtect: the API's 401 comes before its token check
    csrf.init_app(app)
    htmx.init_app(app)
    init_security(app)
    init_oidc(app)
    init_templating(app)
    access_log.init_app(app)

    # Blueprints: each registers its own routes and nothing else.
    from webapp.auth.views import bp as auth_bp
    from webapp.field.views import bp as field_bp
    from webapp.manager.views import bp as manager_bp
    from webapp.sync.views import bp as sync_bp

    app.register_blueprint(field_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(sync_bp)
    app.register_blueprint(manager_bp)

    # Error handlers.
    from webapp.errors import init_errors

    init_errors(app)

    # Command-line groups.
    from webapp.auth.commands import users_cli
    from webapp.caseload.commands import caseload_cli
    from webapp.demo import demo_data_command
    from webapp.policy_cli import policy_cli
    from webapp.schedule_cli import schedule_cli

    app.cli.add_command(policy_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(caseload_cli)
    app.cli.add_command(demo_data_command)
    return app
