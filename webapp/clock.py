"""The server's clock, injectable so that tests never sleep."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app


class SystemClock:
    """Reads the real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime):
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = now.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now.astimezone(timezone.utc)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


def server_now() -> datetime:
    """The current instant by the app's clock (config key CLOCK)."""
    return current_app.config["CLOCK"].now()
