"""Words the manager pages and their CSV alone need: causes of lateness and percentages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webapp.timeliness.verdict import COMPLETED_AFTER_SENDING, COMPLETED_BEFORE_EVENT, implausible_completion
from webapp.timeliness.windows import names_a_day_window
from webapp.manager.schemas import CAUSES
from webapp.words import clock_words, deadline_words, duration_words, london_datetime


@dataclass(frozen=True)
class Finish:
    """When the tablet said a record was finished, and how far to believe it."""

    completed_at: datetime | None  # the tablet's clock, as sent
    corrected_at: datetime | None  # the same, corrected for the tablet's clock
    skew_seconds: float
    event_at: datetime
    received_at: datetime
    record_type: str


def event_words(record_type: str) -> str:
    return "the visit" if record_type == "visit" else "the event"


def due_words(due_at: datetime, window: str) -> str:
    """'By the end of Wednesday 8 April' for a day window, else 'By 16:00 on Thursday 9 April'."""
    words = deadline_words(due_at, names_a_day_window(window))
    return words[0].upper() + words[1:]


def rule_sentence(
    council: str, record_label: str, window: str, record_type: str, general: bool, conditions: dict
) -> str:
    """The council's rule in one sentence: '... rule for "Visit" is that it must be on the
    child's file within 2 working days of the visit.'"""
    event = event_words(record_type)
    if window.startswith("same"):
        limit = f"on the {window} as {event}"
    elif "before" in window:
        limit = f"no later than {window}"
    else:
        limit = f"within {window} of {event}"
    kind = f"“{record_label}”"
    if conditions.get("child_protection") is True:
        kind += " in child protection work"
    elif conditions.get("child_protection") is False:
        kind += " outside child protection work"
    if conditions.get("service"):
        kind += f" in {conditions['service'].replace('_', ' ')}"
    whose = f"{council}’s general rule, which covers {kind}," if general else f"{council}’s rule for {kind}"
    return f"{whose} is that it must be on the child’s file {limit}."


def unknown_reason(finish: Finish) -> str:
    """Why nobody can tell whether a late record was finished late or sent late."""
    if finish.completed_at is None or finish.corrected_at is None:
        return "the tablet did not send the time the record was finished"
    # The skew is measured when the tablet sends; its clock may have been changed in between.
    reason = (
        f"the tablet’s clock could not be believed: it was {clock_words(finish.skew_seconds)}"
        " when the record was sent"
    )
    allowing = "and even allowing for that the tablet said the record was finished"
    implausible = implausible_completion(finish.event_at, finish.corrected_at, finish.received_at)
    if implausible == COMPLETED_BEFORE_EVENT:
        return f"{reason}, {allowing} before {event_words(finish.record_type)}"
    if implausible == COMPLETED_AFTER_SENDING:
        after = duration_words((finish.corrected_at - finish.received_at).total_seconds())
        return f"{reason}, {allowing} {after} after the tablet sent it"
    return reason


def cause_sentence(cause: str | None, author: str, finish: Finish) -> str:
    """One sentence saying why a late record was late, for a team manager."""
    if cause == "recorded_late":
        finished = london_datetime(finish.corrected_at)
        return f"{author} finished it on the tablet after it was due, at {finished}."
    if cause == "synced_late":
        return (
            f"{author} finished it on the tablet in time, at {london_datetime(finish.corrected_at)}, but"
            " it reached the council late, usually because the tablet had no signal."
        )
    return f"We cannot tell whether it was finished late or sent late, because {unknown_reason(finish)}."


def cause_words(cause: str | None, finish: Finish) -> str:
    """The cause in a spreadsheet cell: 'Written late', 'Unknown: the tablet did not ...'."""
    if cause is None:
        return ""
    if cause == "unknown":
        return f"{CAUSES[cause]}: {unknown_reason(finish)}"
    return CAUSES[cause]


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"
