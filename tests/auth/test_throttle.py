"""The sign-in throttle counts in the database, alike for addresses with and without accounts."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, AuthActions, Factory
from webapp import create_app
from webapp.auth.models import SignInAttempts
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import User


@pytest.fixture
def asha(app):
    with app.app_context():
        make = Factory()
        make.user(make.team("Norwich", "norfolk"), email="asha@norfolk.test")
        db.session.remove()


def counts(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(SignInAttempts.email, SignInAttempts.count)).all())


@pytest.mark.parametrize("email", ["asha@norfolk.test", "nobody@norfolk.test"])
def test_every_worker_sees_one_count(app, database_url, clock, auth, asha, email):
    """A second app on the same database stands in for another gunicorn worker."""
    other_worker = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, CLOCK=clock)
    other_auth = AuthActions(other_worker.test_client())
    for _ in range(app.config["SIGN_IN_FREE_ATTEMPTS"]):
        assert auth.sign_in(email, "wrong").status_code == 200

    assert other_auth.sign_in(email, PASSWORD).status_code == 429
    assert counts(app) == {email: app.config["SIGN_IN_FREE_ATTEMPTS"]}
    with other_worker.app_context():
        db.engine.dispose()


def test_counts_for_addresses_without_accounts_are_bounded(app, clock, auth, asha):
    app.config["SIGN_IN_MAX_UNKNOWN_EMAILS"] = 3
    auth.sign_in("asha@norfolk.test", "wrong")
    for n in range(6):
        clock.advance(seconds=1)
        assert auth.sign_in(f"guess{n}@norfolk.test", "wrong").status_code == 200

    # The newest three guesses are kept, and the real account's count is never dropped.
    assert set(counts(app)) == {"asha@norfolk.test", "guess3@norfolk.test", "guess4@norfolk.test",
                                "guess5@norfolk.test"}


def test_counts_idle_for_a_day_are_forgotten(app, clock, auth, asha):
    for _ in range(app.config["SIGN_IN_FREE_ATTEMPTS"]):
        auth.sign_in("nobody@norfolk.test", "wrong")
        auth.sign_in("asha@norfolk.test", "wrong")
    clock.advance(hours=23)
    auth.sign_in("asha@norfolk.test", "wrong")
    clock.advance(hours=2)  # 25 hours after the last attempt for nobody@, 2 after asha's

    auth.sign_in("someone@norfolk.test", "wrong")
    assert counts(app) == {"asha@norfolk.test": 6, "someone@norfolk.test": 1}


def test_a_refused_attempt_is_not_counted_and_success_starts_again(app, clock, auth, asha):
    for _ in range(app.config["SIGN_IN_FREE_ATTEMPTS"]):
        auth.sign_in("asha@norfolk.test", "wrong")
    assert auth.sign_in("asha@norfolk.test").status_code == 429
    assert counts(app) == {"asha@norfolk.test": 5}
    clock.advance(seconds=30)
    assert auth.sign_in("asha@norfolk.test").status_code == 302
    assert counts(app) == {}


def _fastest_refusal(auth, emails: list[str]) -> float:
    timings = []
    for email in emails:
        started = time.perf_counter()
        assert auth.sign_in(email, "wrong password").status_code == 200
        timings.append(time.perf_counter() - started)
    return min(timings)


def test_a_missing_account_takes_as_long_as_a_wrong_password(app, auth):
    """Real accounts' passwords are hashed the slow, default way; the dummy hash must match."""
    with app.app_context():
        make = Factory()
        team = make.team("Norwich", "norfolk")
        real = User(email="real@norfolk.test", name="Real", team=team)
        real.set_password(PASSWORD)
        no_password = User(email="imported@norfolk.test", name="Imported", team=team)
        db.session.add_all([real, no_password])
        db.session.commit()

    real_account = _fastest_refusal(auth, ["real@norfolk.test"] * 3)
    missing = _fastest_refusal(auth, [f"missing{n}@norfolk.test" for n in range(3)])
    without_password = _fastest_refusal(auth, ["imported@norfolk.test"] * 3)

    assert missing > real_account / 3, (missing, real_account)
    assert without_password > real_account / 3, (without_password, real_account)
