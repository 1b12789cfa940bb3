"""Forty guesses sent at once to gunicorn's workers: the throttle lets at most five be checked.

The security review found all forty checked, because each worker read the count, checked the
password and wrote count + 1. Now each attempt is counted by one UPDATE ... RETURNING before
its password is checked, so parallel requests each see the others' counts.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from tests.factories import PASSWORD, Factory, csrf_token_from
from tests.faults.helpers import AppProcess
from webapp.auth.models import SignInAttempts
from webapp.extensions import db

GUESSES = 40


def _guess_in_parallel(base_url: str, email: str, passwords: list[str]) -> list[int]:
    sessions = []
    for _ in passwords:  # each guess from its own session, with its own CSRF token
        session = requests.Session()
        page = session.get(base_url + "/sign-in", timeout=30)
        sessions.append((session, csrf_token_from(page.text)))
    barrier = threading.Barrier(len(passwords))

    def guess(n: int) -> int:
        session, token = sessions[n]
        barrier.wait(timeout=60)
        answer = session.post(
            base_url + "/sign-in",
            data={"email": email, "password": passwords[n], "csrf_token": token},
            allow_redirects=False, timeout=120,
        )
        return answer.status_code

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(guess, range(len(passwords))))


@pytest.mark.postgres_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_forty_simultaneous_guesses_check_at_most_five(app, database_url):
    with app.app_context():
        make = Factory()
        user = make.user(make.team("Norwich", "norfolk"), name="Asha", email="asha@norfolk.test")
        user.set_password(PASSWORD)  # the real, slow hash: the race the review won
        db.session.commit()
    free = app.config["SIGN_IN_FREE_ATTEMPTS"]
    server = AppProcess(database_url, workers=4).start()
    try:
        for email in ("asha@norfolk.test", "nobody@norfolk.test"):
            # All wrong: a right guess among the first five would sign in and start the count
            # again, as it should, but then the number checked would depend on arrival order.
            passwords = [f"guess number {n}" for n in range(GUESSES)]
            statuses = _guess_in_parallel(server.base_url, email, passwords)

            checked = [status for status in statuses if status != 429]
            assert set(statuses) <= {200, 429}, (email, statuses, server.log_tail())
            assert len(checked) <= free, (email, statuses)
            with app.app_context():
                count = db.session.scalar(select(SignInAttempts.count).where(SignInAttempts.email == email))
            assert count == len(checked), (email, count, statuses)

            # Straight after (the wait is 30 s), even the right password is refused.
            right = PASSWORD if email == "asha@norfolk.test" else "no account has this"
            assert _guess_in_parallel(server.base_url, email, [right] * 8) == [429] * 8
    finally:
        server.stop()
