"""Security headers on every response, and trusting the council's reverse proxy when told to."""
from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # The GOV.UK page template's one inline script, which marks <body> as js-enabled; its
        # hash is published by GOV.UK Frontend and checked by tests/field/test_pwa.py.
        "script-src 'self' 'sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw='",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    # Behind a proxy that ends TLS the request itself is plain HTTP; a secure session cookie
    # says the site is served over HTTPS all the same.
    if current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Pages and API answers carry children's personal data: keep them out of shared HTTP caches.
    # The service worker keeps its own copies of the pages it needs offline, per signed-in user.
    if not request.path.startswith(("/static/", "/assets/")):
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
    proxies = app.config["PROXY_FIX"]
    if proxies:
        # Take the client's address, the scheme and the host from the X-Forwarded-* headers
        # set by this many proxies in front of the app, and from no one else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
