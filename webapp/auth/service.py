"""Checking a sign-in, and slowing down repeated failures for one email address.

No sleeping: a refused attempt is answered at once with how long to wait, measured by the
injectable clock, so that tests move the clock instead of waiting.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import MutableMapping

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import User
from webapp.words import wait_words


@dataclass(frozen=True)
class Throttle:
    """After `free_attempts` failures, each further attempt waits `base_delay`, doubling each time."""

    free_attempts: int
    base_delay: timedelta
    max_delay: timedelta

    def delay_after(self, failures: int) -> timedelta:
        if failures < self.free_attempts:
            return timedelta(0)
        doublings = min(failures - self.free_attempts, 20)  # 2**20 is far past any max_delay
        return min(self.base_delay * 2**doublings, self.max_delay)


@dataclass
class Failures:
    """Failed attempts for an email with no account, kept so that it behaves like one that has."""

    count: int = 0
    last_at: datetime | None = None


class SignInError(Exception):
    """The email address and password do not match an active account."""


class TooManyAttempts(SignInError):
    """Too many failures for this email address; `wait` is how long until the next try."""

    def __init__(self, wait: timedelta):
        self.wait = wait
        super().__init__(
            "Too many failed attempts to sign in with this email address. "
            f"Wait {wait_words(wait.total_seconds())} and try again."
        )


WRONG_CREDENTIALS = "Enter a correct email address and password."


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def sign_in(
    email: str,
    password: str,
    now: datetime,
    throttle: Throttle,
    unknown_emails: MutableMapping[str, Failures],
) -> User:
    """The account for these credentials; failures are counted against the email address.

    Raises:
        TooManyAttempts: the email address must wait before another attempt (not counted).
        SignInError: wrong email address or password, or the account is switched off.
    """
    email = normalise_email(email)
    if "\x00" in email or "\x00" in password:  # PostgreSQL text cannot hold NUL
        raise SignInError(WRONG_CREDENTIALS)
    user = find_user(email)
    if user is None:
        failures = unknown_emails.setdefault(email, Failures())
        count, last_at = failures.count, failures.last_at
    else:
        count, last_at = user.failed_sign_ins or 0, user.last_failed_sign_in_at
    if last_at is not None:
        ready_at = last_at + throttle.delay_after(count)
        if now < ready_at:
            raise TooManyAttempts(ready_at - now)

    if user is None or not user.check_password(password) or not user.is_active:
        if user is None:
            failures.count, failures.last_at = count + 1, now
        else:
            user.failed_sign_ins, user.last_failed_sign_in_at = count + 1, now
            db.session.commit()
        raise SignInError(WRONG_CREDENTIALS)

    user.failed_sign_ins, user.last_failed_sign_in_at = 0, None
    db.session.commit()
    return user
