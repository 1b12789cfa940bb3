"""A timeliness verdict in plain words, for the practitioner who wrote the record.

Durations and deadlines are put into words by webapp/words.py. static/js/verdict-words.mjs
mirrors these sentences and tags for records synced while the page is open;
tests/field/verdict_words_examples.json is the table of examples both must produce.
"""
from __future__ import annotations

from datetime import datetime

from webapp.timeliness.windows import names_a_day_window
from webapp.words import deadline_words, duration_words

# Each cause of lateness in words, with its GOV.UK tag colour: the one wording of a cause on
# every page, filter and CSV (the manager's pages take theirs from here). A record finished in
# time but held up by no signal is not the worker's lateness, so it never wears the red of
# "Written late".
CAUSES = {
    "recorded_late": ("Written late", "red"),
    "synced_late": ("Finished on time, sent late (no signal)", "yellow"),
    "unknown": ("Cause unknown", "orange"),
}

# A verdict's tag: its words and its colour.
TAGS = {
    None: ("No verdict", "grey"),
    "on_time": ("On time", "green"),
    "synced_late": CAUSES["synced_late"],
    "recorded_late": CAUSES["recorded_late"],
    "unknown": ("Late", CAUSES["unknown"][1]),  # the sentence says "Cause unknown: ..."
}


def verdict_tag(verdict: str | None, cause: str | None) -> tuple[str, str]:
    """The tag for a verdict: ('On time', 'green'), ('Written late', 'red'), ..."""
    if verdict == "late":
        return TAGS.get(cause) or TAGS["unknown"]
    return TAGS.get(verdict) or TAGS[None]


def cause_tag(cause: str) -> tuple[str, str]:
    """A cause of lateness as a tag: ('Written late', 'red'), ..."""
    return CAUSES.get(cause) or CAUSES["unknown"]


def verdict_words(
    *,
    verdict: str,
    window: str,
    due_at: datetime,
    due_exclusive: bool,
    late_by_seconds: float,
    cause: str | None,
    received_at: datetime,
    finished_at_known: bool = True,
) -> str:
    """The sentence beside a verdict's tag: how long before or after the deadline, and why.

    `finished_at_known` is False when the tablet sent no time of finishing at all.
    """
    deadline = f"Deadline ({window}): {deadline_words(due_at, due_exclusive)}."
    if verdict == "on_time":
        ahead = (due_at - received_at).total_seconds()
        if ahead <= 0:
            return f"Reached the file exactly at the deadline. {deadline}"
        return f"Reached the file {duration_words(ahead)} before the deadline. {deadline}"
    late_by = duration_words(late_by_seconds)
    if cause == "synced_late":
        return (
            f"Finished on this tablet in time, but reached the file {late_by} after the deadline,"
            f" held up by no signal. {deadline}"
        )
    if cause == "recorded_late":
        return f"Finished after the deadline, and reached the file {late_by} after it. {deadline}"
    why = "no time from the tablet" if not finished_at_known else "the tablet's clock was wrong"
    return f"{CAUSES['unknown'][0]}: {why}. Reached the file {late_by} after the deadline. {deadline}"


def stored_verdict_words(check) -> str:
    """The sentence for a stored verdict (a TimelinessCheck), whose window words say its kind."""
    return verdict_words(
        verdict=check.verdict,
        window=check.window,
        due_at=check.due_at,
        due_exclusive=names_a_day_window(check.window),
        late_by_seconds=check.late_by_seconds,
        cause=check.cause,
        received_at=check.received_at,
        finished_at_known=check.completed_at_corrected is not None,
    )
