"""Words the manager pages alone need: clock skew and percentages."""
from __future__ import annotations

from webapp.words import duration_words


def skew_words(skew_seconds: float) -> str:
    """skew = server time - device time, so a positive skew is a device clock running behind."""
    if abs(skew_seconds) < 60:
        return "Device clock agreed with the server (within a minute)"
    direction = "behind" if skew_seconds > 0 else "ahead of"
    return f"Device clock was {duration_words(abs(skew_seconds))} {direction} the server"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"
