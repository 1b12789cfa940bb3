"""The visit and case-note forms: their choices, and reading a plain (no-JavaScript) POST.

The field names are the sync API's keys (`fields` of a record), so the browser code can build
the same record from the same form offline. The date and time of the event use the GOV.UK date
input pattern: event_at-day, event_at-month, event_at-year, plus event_at-time ("14:30"),
all in London time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from webapp.sync.forms_spec import CASE_NOTE_TYPES, SHORT_TEXT_MAX, TEXT_MAX, VISIT_TYPES
from webapp.timeliness import LONDON

# The sync API refuses events further ahead than this; say so before it has to.
FUTURE_TOLERANCE = timedelta(minutes=5)

ANNOUNCED = (("announced", "Announced"), ("unannounced", "Unannounced"))
# Yes/no questions post "yes" or "no"; the record's fields hold true or false.
YES_NO = (("yes", "Yes"), ("no", "No"))
BOOLEANS = {"yes": True, "no": False}

# The free-text questions after the choices, in page order: (name, label, hint).
VISIT_TEXT_LAYOUT = [
    ("present", "Who was present?", "Names and relationship to the child"),
    ("childs_words", "What did the child say?", "In the child’s own words, where you can"),
    ("observations", "What did you observe?", "What you saw and heard, including the home and how the child presented"),
    ("analysis", "Analysis", "What the visit tells you about the child’s safety and well-being"),
    ("actions", "Actions and next steps", "Who will do what, and by when"),
]
TEXT_LIMITS = {"present": SHORT_TEXT_MAX, "child_not_seen_reason": TEXT_MAX, "childs_words": TEXT_MAX,
               "observations": TEXT_MAX, "analysis": TEXT_MAX, "actions": TEXT_MAX, "text": TEXT_MAX}
TEXT_LABELS = {"child_not_seen_reason": "Why the child was not seen", "present": "Who was present",
               "childs_words": "What the child said", "observations": "Your observations",
               "analysis": "Your analysis", "actions": "Actions and next steps", "text": "The record"}
REQUIRED_TEXT = {"observations": "Enter what you observed", "analysis": "Enter your analysis",
                 "actions": "Enter the actions and next steps"}
VISIT_FIELD_KEYS = (
    "visit_type",
    "announced",
    "child_seen",
    "child_not_seen_reason",
    "seen_alone",
    "bedroom_seen",
    "present",
    "childs_words",
    "observations",
    "analysis",
    "actions",
)
EVENT_NAMES = ["event_at-day", "event_at-month", "event_at-year", "event_at-time"]
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


@dataclass
class Submission:
    """A form read from a POST: what was typed, the record built from it, and any errors.

    `errors` maps a field name to its message, in the order the fields appear on the page,
    and each name is also the id of the input the error summary links to.
    """

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    child_reference: str = ""
    record_type: str = ""
    event_at: datetime | None = None
    child_protection: bool = False
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def _values(form: Mapping[str, str], names) -> dict[str, str]:
    return {name: (form.get(name) or "").strip() for name in names}


def _read_event_at(sub: Submission, now: datetime, what: str) -> None:
    day, month, year = (sub.values[f"event_at-{part}"] for part in ("day", "month", "year"))
    if not (day or month or year):
        sub.errors["event_at-day"] = f"Enter the date of the {what}"
    else:
        try:
            when = date(int(year), int(month), int(day))
            if when.year < 2000:
                raise ValueError
        except ValueError:
            sub.errors["event_at-day"] = f"The date of the {what} must be a real date, like 23 11 2026"
            when = None
    match = TIME_PATTERN.match(sub.values["event_at-time"])
    if not sub.values["event_at-time"]:
        sub.errors["event_at-time"] = f"Enter the time of the {what}"
    elif not match or int(match[1]) > 23 or int(match[2]) > 59:
        sub.errors["event_at-time"] = f"Enter the time of the {what} as hours and minutes, like 14:30"
    if sub.errors.keys() & {"event_at-day", "event_at-time"}:
        return
    local = datetime.combine(when, time(int(match[1]), int(match[2])), tzinfo=LONDON)
    event_at = local.astimezone(timezone.utc)
    if event_at > now + FUTURE_TOLERANCE:
        sub.errors["event_at-day"] = f"The date and time of the {what} must be in the past"
        return
    sub.event_at = event_at


def _text_length(sub: Submission, name: str) -> None:
    limit = TEXT_LIMITS[name]
    if len(sub.values[name]) > limit:
        sub.errors[name] = f"{TEXT_LABELS[name]} must be {limit:,} characters or fewer"


def _choice(sub: Submission, name: str, choices, message: str) -> None:
    if sub.values[name] not in {value for value, _ in choices}:
        sub.errors[name] = message


def read_visit(form: Mapping[str, str], children: Mapping[str, list[str]], now: datetime) -> Submission:
    """`children` maps each child the user may record for to the child's statuses."""
    names = ["child_id", *EVENT_NAMES, *VISIT_FIELD_KEYS]
    sub = Submission(_values(form, names), record_type="visit")
    statuses = children.get(sub.values["child_id"])
    if statuses is None:
        sub.errors["child_id"] = "Select the child you visited"
    _read_event_at(sub, now, "visit")
    _choice(sub, "visit_type", VISIT_TYPES, "Select the type of visit")
    _choice(sub, "announced", ANNOUNCED, "Select whether the visit was announced")
    _choice(sub, "child_seen", YES_NO, "Select whether you saw the child")
    seen = BOOLEANS.get(sub.values["child_seen"])
    if seen is False and not sub.values["child_not_seen_reason"]:
        sub.errors["child_not_seen_reason"] = "Enter why the child was not seen"
    if seen is True:
        _choice(sub, "seen_alone", YES_NO, "Select whether you saw the child alone")
    # The sync API requires the bedroom answer for looked-after children only.
    if sub.values["bedroom_seen"] or (statuses and "looked_after" in statuses):
        _choice(sub, "bedroom_seen", YES_NO, "Select whether you saw the child’s bedroom")
    for name, message in REQUIRED_TEXT.items():
        if not sub.values[name]:
            sub.errors[name] = message
    for name in TEXT_LIMITS.keys() & set(names):
        _text_length(sub, name)
    sub.errors = {name: sub.errors[name] for name in names if name in sub.errors}

    sub.child_reference = sub.values["child_id"]
    sub.child_protection = sub.values["visit_type"] == "statutory_child_protection"
    fields: dict[str, Any] = {name: sub.values[name] for name in VISIT_FIELD_KEYS if sub.values[name]}
    for name in ("child_seen", "seen_alone", "bedroom_seen"):
        if name in fields:
            fields[name] = BOOLEANS.get(fields[name])
    if seen is not False:
        fields.pop("child_not_seen_reason", None)
    if seen is not True:
        fields.pop("seen_alone", None)
    sub.fields = fields
    return sub


def read_note(
    form: Mapping[str, str], children: Mapping[str, list[str]], record_types: Mapping[str, str], now: datetime
) -> Submission:
    """A case note, or another of the record types the child's authority defines."""
    names = ["child_id", "record_type", "note_type", *EVENT_NAMES, "text"]
    sub = Submission(_values(form, names))
    if sub.values["child_id"] not in children:
        sub.errors["child_id"] = "Select the child this record is about"
    if sub.values["record_type"] not in record_types:
        sub.errors["record_type"] = "Select the type of record"
    # A case note also says what kind of contact it records (the sync API's case note form).
    is_case_note = sub.values["record_type"] == "case_note"
    if is_case_note:
        _choice(sub, "note_type", CASE_NOTE_TYPES, "Select the kind of case note")
    _read_event_at(sub, now, "event")
    if not sub.values["text"]:
        sub.errors["text"] = "Enter what happened"
    _text_length(sub, "text")
    sub.errors = {name: sub.errors[name] for name in names if name in sub.errors}

    sub.child_reference = sub.values["child_id"]
    sub.record_type = sub.values["record_type"]
    sub.fields = {"note_type": sub.values["note_type"], "text": sub.values["text"]} if is_case_note else {
        "text": sub.values["text"]
    }
    return sub


def event_at_values(now: datetime) -> dict[str, str]:
    """Today's date and no time, as the form's starting values: the visit was most likely today."""
    local = now.astimezone(LONDON)
    return {
        "event_at-day": str(local.day),
        "event_at-month": str(local.month),
        "event_at-year": str(local.year),
        "event_at-time": "",
    }
