"""Checking a sign-in, and slowing down repeated attempts for one email address.

No sleeping: a refused attempt is answered at once with how long to wait, measured by the
injectable clock, so that tests move the clock instead of waiting.

Attempts are counted in the database, so that every worker process sees one count, and an
attempt is counted by one UPDATE ... RETURNING before its password is checked: requests sent
in parallel each claim their own count, and only those the throttle allows reach the hash.
Addresses with and without accounts are counted, hashed and answered alike.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth.models import SignInAttempts
from webapp.extensions import db
from webapp.models import User, UTCDateTime
from webapp.words import wait_words

_MAX_DOUBLINGS = 20  # 2**20 is far past any max_delay


@dataclass(frozen=True)
class Throttle:
    """After `free_attempts` failures, each further attempt waits `base_delay`, doubling each time.

    Counts idle for `forget_after` are forgotten; at most `max_unknown_emails` addresses without
    an account are remembered (the oldest go first), so guessing addresses cannot fill the table.
    """

    free_attempts: int
    base_delay: timedelta
    max_delay: timedelta
    forget_after: timedelta = timedelta(hours=24)
    max_unknown_emails: int = 10_000

    def delay_after(self, failures: int) -> timedelta:
        if failures < self.free_attempts:
            return timedelta(0)
        doublings = min(failures - self.free_attempts, _MAX_DOUBLINGS)
        return min(self.base_delay * 2**doublings, self.max_delay)

    def next_allowed_at(self, count, now: datetime):
        """SQL for `now + delay_after(count)`, one branch per step, so the database can compute it."""
        steps = [(count < self.free_attempts, _instant(now))]
        for failures in range(self.free_attempts, self.free_attempts + _MAX_DOUBLINGS):
            delay = self.delay_after(failures)
            if delay >= self.max_delay:
                break
            steps.append((count == failures, _instant(now + delay)))
        return case(*steps, else_=_instant(now + self.max_delay))


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


def sign_in(email: str, password: str, now: datetime, throttle: Throttle) -> User:
    """The account for these credentials; every allowed attempt is counted before it is checked.

    Raises:
        TooManyAttempts: the email address must wait before another attempt (not counted).
        SignInError: wrong email address or password, or the account is switched off.
    """
    email = normalise_email(email)
    if "\x00" in email or "\x00" in password:  # PostgreSQL text cannot hold NUL
        raise SignInError(WRONG_CREDENTIALS)
    _claim_attempt(email, now, throttle)

    user = find_user(email)
    # A missing account, or one without a password, checks a hash all the same: answering
    # sooner would tell which addresses have accounts.
    stored_hash = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    matches = check_password_hash(stored_hash, password)
    if user is None or not user.password_hash or not matches or not user.is_active:
        raise SignInError(WRONG_CREDENTIALS)
    forget_attempts(email)
    return user



def forget_attempts(email: str) -> None:
    """Start the count for this address again, after a successful sign-in or a new password."""
    db.session.execute(delete(SignInAttempts).where(SignInAttempts.email == normalise_email(email)))
    db.session.commit()


def _claim_attempt(email: str, now: datetime, throttle: Throttle) -> int:
    """Count one attempt for this address, if the throttle allows one now; the new count.

    Raises:
        TooManyAttempts: not counted; how long until the next attempt is allowed.
    """
    db.session.execute(delete(SignInAttempts).where(SignInAttempts.last_at < now - throttle.forget_after))
    if _insert_if_missing(email, now):
        _keep_unknown_emails_within(throttle.max_unknown_emails, keep=email)
    new_count = SignInAttempts.count + 1
    claimed = db.session.execute(
        update(SignInAttempts)
        .where(SignInAttempts.email == email, SignInAttempts.next_allowed_at <= _instant(now))
        .values(count=new_count, last_at=now, next_allowed_at=throttle.next_allowed_at(new_count, now))
        .returning(SignInAttempts.count)
        .execution_options(synchronize_session=False)
    ).scalar()
    next_allowed_at = None
    if claimed is None:
        next_allowed_at = db.session.scalar(
            select(SignInAttempts.next_allowed_at).where(SignInAttempts.email == email)
        )
    db.session.commit()  # before the slow hash, so that parallel attempts see this count
    if claimed is None:
        # The row can only be missing if a successful sign-in deleted it just now.
        raise TooManyAttempts(next_allowed_at - now if next_allowed_at else timedelta(seconds=1))
    return claimed


def _insert_if_missing(email: str, now: datetime) -> bool:
    """Add a zero count for this address unless it has one; whether a row was added."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    inserted = db.session.execute(
        dialect.insert(SignInAttempts)
        .values(email=email, count=0, last_at=now, next_allowed_at=now)
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(SignInAttempts.email)
    )
    return inserted.scalar() is not None


def _keep_unknown_emails_within(limit: int, keep: str) -> None:
    """Forget the oldest counts of addresses without an account beyond `limit` (never `keep`'s).

    Counts of real accounts are never dropped here, so filling the table with made-up
    addresses cannot reset the count of the account under attack.
    """
    unknown = SignInAttempts.email.not_in(select(func.lower(User.email)))
    excess = db.session.scalar(select(func.count()).select_from(SignInAttempts).where(unknown)) - limit
    if excess > 0:
        oldest = (
            select(SignInAttempts.email)
            .where(unknown, SignInAttempts.email != keep)
            .order_by(SignInAttempts.last_at)
            .limit(excess)
        )
        db.session.execute(delete(SignInAttempts).where(SignInAttempts.email.in_(oldest)))


def _instant(value: datetime):
    return literal(value, UTCDateTime())


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash made the way real passwords are hashed, of a password nobody knows."""
    return generate_password_hash(secrets.token_urlsafe(16))
