"""Which passwords are accepted, following the NCSC's password guidance.

A minimum length and a deny-list of the passwords attackers try first, and no composition
rules (no demands for digits, capitals or symbols): those push people to predictable
patterns such as "Password1!" without making guessing any harder.
"""
from __future__ import annotations

from functools import lru_cache

MIN_PASSWORD_LENGTH = 10


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from leaked sets, as shipped (in lower case) with zxcvbn."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # large: loaded only when a password is set

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str) -> str | None:
    """Why this password cannot be used, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must be at least {MIN_PASSWORD_LENGTH} characters"
    if password.lower() in common_passwords():
        return "the password is one of the most common passwords; choose another, e.g. three random words"
    return None
