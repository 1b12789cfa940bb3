"""Sign-in and sign-out pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from webapp import access
from webapp.auth.forms import SignInForm
from webapp.auth.service import SignInError, Throttle, TooManyAttempts, sign_in as check_sign_in
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import AuditEvent, User

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site, so that a crafted link cannot send someone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def home_for(user: User) -> str:
    if access.may_see_team_pages(user) and "manager.team_timeliness" in current_app.view_functions:
        return url_for("manager.team_timeliness")
    if "field.caseload" in current_app.view_functions:
        return url_for("field.caseload")
    return "/"


def _throttle() -> Throttle:
    config = current_app.config
    return Throttle(
        free_attempts=config["SIGN_IN_FREE_ATTEMPTS"],
        base_delay=config["SIGN_IN_DELAY"],
        max_delay=config["SIGN_IN_MAX_DELAY"],
        forget_after=config["SIGN_IN_FORGET_AFTER"],
        max_unknown_emails=config["SIGN_IN_MAX_UNKNOWN_EMAILS"],
    )


def _new_csrf_secret() -> None:
    """Tokens issued before signing in or out stop working: the next page gets a new secret.

    So a token read from a page before sign-in (or left in a shared tablet's cache after
    sign-out) cannot be replayed in the new session.
    """
    session.pop("csrf_token", None)  # Flask-WTF's per-session secret
    g.pop("csrf_token", None)  # and the token it made from it for this request


def _audit(action: str, user: User | None) -> None:
    if user is not None:
        db.session.add(AuditEvent(at=server_now(), actor_id=user.id, action=action, detail={}))
        db.session.commit()


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm(formdata=request.form if request.method == "POST" else None)
    next_path = _safe_next(request.values.get("next"))
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(next_path or home_for(current_user))

    error, status = None, 200
    if request.method == "POST":
        if not form.validate():
            error = form.first_error()
        else:
            try:
                user = check_sign_in(
                    form.email.data,
                    form.password.data,
                    server_now(),
                    _throttle(),
                )
            except TooManyAttempts as exc:
                error, status = str(exc), 429
            except SignInError as exc:
                error = str(exc)
            else:
                _new_csrf_secret()
                login_user(user)
                _audit("user.signed_in", user)
                return redirect(next_path or home_for(user))
    return (
        render_template(
            "auth/sign_in.html",
            email=(form.email.data or "").strip(),
            error=error,
            next=next_path or "",
        ),
        status,
    )


@bp.post("/sign-out")
def sign_out():
    user = current_user._get_current_object() if current_user.is_authenticated else None
    logout_user()
    _new_csrf_secret()
    _audit("user.signed_out", user)
    return redirect(url_for("auth.sign_in"))
