"""Who a session belongs to: Flask-Login's user loader, shared by pages and the API."""
from __future__ import annotations

from flask import Flask

from webapp.extensions import db, login_manager
from webapp.models import User


def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


def init_sessions(app: Flask) -> None:
    login_manager.user_loader(load_user)
