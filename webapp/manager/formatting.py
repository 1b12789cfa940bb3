"""Words for durations and London times on the manager pages."""
from __future__ import annotations

from datetime import datetime

from webapp.timeliness import LONDON


def duration_words(seconds: float | None) -> str:
    """Seconds as "2 days 3 hours", "45 minutes", "under a minute"."""
    if seconds is None:
        return "no records"
    seconds = abs(int(round(seconds)))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    for amount, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    if not parts:
        return "under a minute" if seconds else "0 minutes"
    return " ".join(parts[:2])


def london_time(instant: datetime | None) -> str:
    """An instant as the team reads it: "Mon 23 Nov 2026, 10:00"."""
    if instant is None:
        return ""
    local = instant.astimezone(LONDON)
    return f"{local:%a %-d %b %Y, %H:%M}"


def skew_words(skew_seconds: float) -> str:
    """skew = server time - device time, so a positive skew is a device clock running behind."""
    if abs(skew_seconds) < 60:
        return "Device clock agreed with the server (within a minute)"
    direction = "behind" if skew_seconds > 0 else "ahead of"
    return f"Device clock was {duration_words(skew_seconds)} {direction} the server"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"
