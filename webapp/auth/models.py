"""Sign-in attempts counted per email address, for the throttle."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime


class SignInAttempts(db.Model):
    """Attempts to sign in with one email address since its last successful sign-in.

    Kept the same way whether or not the address has an account, so that the throttle's
    answers cannot tell anyone which addresses do. An attempt is counted before its password
    is checked, and a successful sign-in deletes the row.
    """

    __tablename__ = "sign_in_attempts"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)  # normalised
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    next_allowed_at: Mapped[datetime] = mapped_column(UTCDateTime())
