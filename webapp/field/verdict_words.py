"""A timeliness verdict in plain words, for the practitioner who wrote the record.

Durations are put into words by webapp/words.py. static/js/verdict-words.mjs mirrors these
sentences for records synced while the page is open; tests/field/verdict_words_examples.json is
the table of examples both must produce.
"""
from __future__ import annotations

from datetime import datetime

from webapp.words import duration_words


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
