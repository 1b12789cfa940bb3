"""Signing in and signing out give the session a new CSRF token; the old one stops working."""
from __future__ import annotations

from tests.factories import PASSWORD, Factory
from webapp.extensions import db

EMPTY_SYNC = {"device_id": "tablet-1", "device_now": "2026-11-23T10:00:00Z", "records": []}


def test_signing_in_rotates_the_token(app, client, auth):
    with app.app_context():
        make = Factory()
        make.user(make.team("Norwich", "norfolk"), email="asha@norfolk.test")
        db.session.remove()
    before = auth.fetch_token()
    assert auth.sign_in("asha@norfolk.test").status_code == 302

    stale = client.post("/api/v1/sync", json=EMPTY_SYNC, headers={"X-CSRFToken": before})
    assert stale.status_code == 400 and "CSRF" in stale.get_json()["error"]
    assert auth.token != before
    assert auth.post_json("/api/v1/sync", EMPTY_SYNC).status_code == 200


def test_signing_out_rotates_the_token(app, client, auth):
    with app.app_context():
        make = Factory()
        make.user(make.team("Norwich", "norfolk"), email="asha@norfolk.test")
        db.session.remove()
    auth.sign_in("asha@norfolk.test")
    signed_in_token = auth.token
    assert auth.sign_out().status_code == 302

    # A page left in a shared tablet's cache holds the old token: it cannot sign anyone in.
    replay = client.post("/sign-in", data={"email": "asha@norfolk.test", "password": PASSWORD,
                                           "csrf_token": signed_in_token})
    assert replay.status_code == 400
    assert auth.fetch_token() != signed_in_token
