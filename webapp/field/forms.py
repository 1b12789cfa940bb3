"""Reading the visit and case-note pages' plain (no-JavaScript) POSTs, by their definitions in
webapp/record_forms.py.

The date and time of the event use the GOV.UK date input pattern: event_at-day, event_at-month,
event_at-year, plus event_at-time ("14:30"), all in London time.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Mapping

from webapp.models import Record
from webapp.record_forms import CASE_NOTE, VISIT, Submission
from webapp.timeliness import LONDON


Deadline = Callable[[Submission], "str | None"]


def read_visit(
    post: Mapping[str, str], children: Mapping[str, list[str]], now: datetime, deadline: Deadline | None = None
) -> Submission:
    """`children` maps each child the user may record for to the child's statuses; `deadline`
    says whether the record's deadline has passed (see Form.read)."""
    return VISIT.read(post, children, now, deadline=deadline)


def read_note(
    post: Mapping[str, str], children: Mapping[str, list[str]], record_types: Mapping[str, str], now: datetime,
    deadline: Deadline | None = None,
) -> Submission:
    """A case note, or another of the record types the child's authority defines."""
    return CASE_NOTE.read(post, children, now, record_types, deadline=deadline)


def starting_values(now: datetime, child_reference: str) -> dict[str, str]:
    """The child named in the link and today's date: the visit was most likely today."""
    local = now.astimezone(LONDON)
    return {
        "child_id": child_reference,
        "event_at-day": str(local.day),
        "event_at-month": str(local.month),
        "event_at-year": str(local.year),
    }


def record_values(record: Record) -> dict[str, str]:
    """A stored record as its form's inputs hold it, to correct it: the reverse of Form.read."""
    local = record.event_at.astimezone(LONDON)
    values = {
        "child_id": record.child.reference,
        "record_type": record.record_type,
        "event_at-day": str(local.day),
        "event_at-month": str(local.month),
        "event_at-year": str(local.year),
        "event_at-time": f"{local:%H:%M}",
    }
    for name, value in record.fields.items():
        if isinstance(value, bool):
            values[name] = "yes" if value else "no"
        elif isinstance(value, str):
            values[name] = value
    return values
