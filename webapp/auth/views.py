"""Sign-in and sign-out pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from webapp import access
from webapp.auth.forms import SignInForm
from webapp.auth.oidc import (
    OidcSettings,
    SignInRefused,
    account_for,
    oidc_client,
    provider_sign_out_url,
    redirect_to_provider,
    verified_claims,
)
from webapp.auth.service import SignInError, Throttle, TooManyAttempts, sign_in as check_sign_in
from webapp.auth.sessions import begin_session, seconds_left
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import AuditEvent, User
from webapp.security import CONTENT_SECURITY_POLICY
from webapp.timeliness import iso_utc

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


def _audit(action: str, user: User | None, **detail: str) -> None:
    if user is not None:
        db.session.add(AuditEvent(at=server_now(), actor_id=user.id, action=action, detail=detail))
        db.session.commit()


def _start_session(user: User, via: str) -> None:
    _new_csrf_secret()
    begin_session(user)
    session["signed_in_via"] = via
    _audit("user.signed_in", user, via=via)


PASSWORDS_OFF = "Passwords are switched off here: sign in with your council account."


def _sign_in_page(
    email: str = "",
    error: str | None = None,
    next_path: str = "",
    status: int = 200,
    error_from: str = "password",
):
    config = current_app.config
    oidc_on = oidc_client() is not None
    provider_sign_out = None
    if session.pop("offer_provider_sign_out", False) and oidc_on:
        provider_sign_out = provider_sign_out_url(
            oidc_client(), config["OIDC_CLIENT_ID"], url_for("auth.sign_in", _external=True)
        )
    page = render_template(
        "auth/sign_in.html",
        email=email,
        error=error,
        error_from=error_from,
        next=next_path,
        local_passwords=config["LOCAL_PASSWORDS"],
        oidc=oidc_on,
        provider_sign_out=provider_sign_out,
    )
    headers = {}
    if oidc_on:
        # The council account button's POST is answered with a redirect to the provider, and
        # browsers hold form redirects to the page's form-action too.
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {_origin(config['OIDC_ISSUER'])}"
        )
    return page, status, headers


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm(formdata=request.form if request.method == "POST" else None)
    next_path = _safe_next(request.values.get("next"))
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(next_path or home_for(current_user))

    error, status = None, 200
    if request.method == "POST" and not current_app.config["LOCAL_PASSWORDS"]:
        error, status = PASSWORDS_OFF, 403
    elif request.method == "POST":
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
                _start_session(user, via="password")
                return redirect(next_path or home_for(user))
    return _sign_in_page(
        (form.email.data or "").strip(),
        error,
        next_path or "",
        status,
        error_from="password" if current_app.config["LOCAL_PASSWORDS"] else "council",
    )


@bp.post("/sign-in/oidc")
def start_oidc_sign_in():
    """Send the browser to the council's provider; CSRFProtect has checked this POST."""
    client = oidc_client()
    if client is None:
        abort(404)
    next_path = _safe_next(request.form.get("next"))
    session["oidc_next"] = next_path
    try:
        return redirect_to_provider(
            client,
            url_for("auth.finish_oidc_sign_in", _external=True),
            current_app.config["OIDC_PROMPT"],
        )
    except SignInRefused as exc:
        return _refused(exc, next_path or "")


@bp.get("/sign-in/oidc/callback")
def finish_oidc_sign_in():
    """The provider's answer: a GET whose state must match the one this session started."""
    client = oidc_client()
    if client is None:
        abort(404)
    settings = OidcSettings.from_config(current_app.config)
    next_path = session.pop("oidc_next", None)
    try:
        user = account_for(verified_claims(client, settings), settings)
    except SignInRefused as exc:
        return _refused(exc, next_path or "")
    _start_session(user, via="oidc")
    return redirect(next_path or home_for(user))


def _refused(refusal: SignInRefused, next_path: str):
    current_app.logger.warning("Single sign-on refused: %s", refusal.reason)
    return _sign_in_page(error=str(refusal), next_path=next_path, status=refusal.status, error_from="council")


@bp.post("/sign-out")
def sign_out():
    """End the session here and everywhere else the person is signed in.

    A device that signed out without signal sends this when signal returns (service-worker/sw.js).
    """
    user = current_user._get_current_object() if current_user.is_authenticated else None
    via = session.get("signed_in_via")
    if user is not None:
        user.end_sessions()  # a copy of this cookie stops working too
        db.session.commit()
    logout_user()
    session.clear()
    _new_csrf_secret()
    _audit("user.signed_out", user)
    if via == "oidc":
        # Signed out here, but still signed in at the provider: the sign-in page offers that too.
        session["offer_provider_sign_out"] = True
    return redirect(url_for("auth.sign_in"))


@bp.get("/api/v1/session")
@login_required
def show_session():
    """Who is signed in, how many seconds the session has left, and its CSRF token.

    The device counts down `seconds_left` on its own clock, and stops showing cached pages when
    it reaches 0; a page from a cache may carry an old token, and this one is current.
    """
    return jsonify(
        user_id=str(current_user.id),
        seconds_left=seconds_left(),
        server_now=iso_utc(server_now()),
        csrf_token=generate_csrf(),
    )


@bp.get("/sign-in-needed")
def sign_in_needed():
    """What the device shows, with or without signal, in place of pages it may no longer show.

    Public and precached: no personal data. The count of records waiting is added on the device.
    """
    return render_template("auth/sign_in_needed.html", signed_out=False)


@bp.get("/signed-out")
def signed_out():
    """Shown after signing out without signal; the server is told when signal returns."""
    return render_template("auth/sign_in_needed.html", signed_out=True)
