"""How the app answers a request it refuses: JSON on /api/, pages elsewhere."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import login_manager


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def not_signed_in():
    """The API answers 401 JSON (a device must not follow a redirect); pages go to sign-in."""
    if is_api_request():
        return jsonify(error="You are not signed in: sign in at /sign-in, then try again."), 401
    requested = request.full_path.rstrip("?") if request.query_string else request.path
    return redirect(url_for("auth.sign_in", next=requested))


def csrf_error(error: CSRFError):
    if is_api_request():
        return (
            jsonify(
                error=f"{error.description} Send the token from the page's "
                '<meta name="csrf-token"> in the X-CSRFToken header.'
            ),
            400,
        )
    return error


def http_error(error: HTTPException):
    """On /api/ every error is JSON, including Flask's own 404, 405 and 413."""
    if not is_api_request():
        return error
    messages = {
        413: (
            f"The request is too large: at most {current_app.config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB "
            f"and {current_app.config['SYNC_MAX_RECORDS']} records. Send the records in smaller batches."
        ),
    }
    return jsonify(error=messages.get(error.code, error.description)), error.code


def init_errors(app: Flask) -> None:
    login_manager.unauthorized_handler(not_signed_in)
    # CSRFError is an HTTPException; Flask picks the most specific handler.
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
