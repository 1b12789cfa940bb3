"""A timeliness verdict in plain words, for the practitioner who wrote the record.

static/js/verdict-words.mjs mirrors these rules for records synced while the page is open;
tests/field/verdict_words_examples.json is the table of examples both must produce.
"""
from __future__ import annotations

from datetime import datetime

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def _unit(amount: int, name: str) -> str:
    return f"{amount} {name}" if amount == 1 else f"{amount} {name}s"


def duration_words(seconds: float) -> str:
    """'3 hours 10 minutes', '2 days 5 hours', 'less than a minute'.

    Rounded down: a record 59 seconds late is late by "less than a minute", never "1 minute".
    Past a day, minutes no longer help the reader, so they are left out.
    """
    seconds = int(max(seconds, 0))
    if seconds < MINUTE:
        return "less than a minute"
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    if days:
        parts = [_unit(days, "day"), _unit(hours, "hour") if hours else ""]
    else:
        parts = [_unit(hours, "hour") if hours else "", _unit(minutes, "minute") if minutes else ""]
    return " ".join(part for part in parts if part)


def verdict_words(
    *,
    verdict: str,
    window: str,
    late_by_seconds: float,
    cause: str | None,
    event_at: datetime,
    received_at: datetime,
    record_type: str,
) -> str:
    """One sentence saying whether a record reached the file in time and, if late, why."""
    event = "the visit" if record_type == "visit" else "the event"
    if verdict == "on_time":
        elapsed = (received_at - event_at).total_seconds()
        return f"On time: reached the file {duration_words(elapsed)} after {event} (limit {window})."
    late_by = f"Late by {duration_words(late_by_seconds)}"
    if cause == "synced_late":
        return f"{late_by}: finished on this tablet in time, but reached the file late (no signal)."
    if cause == "recorded_late":
        return f"{late_by}: finished after the limit of {window}."
    # "unknown": the device's clock could not be believed, so nobody can say which it was.
    return (
        f"{late_by}: reached the file after the limit of {window}. The tablet's clock was wrong,"
        " so we cannot tell when it was finished."
    )
