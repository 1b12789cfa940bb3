"""Storing a record posted from a plain form, through the same path as a device's sync."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from webapp.record_forms import Submission
from webapp.models import User
from webapp.sync.ingest import ingest
from webapp.sync.results import ACCEPTED, DUPLICATE, RecordResult
from webapp.timeliness.verdict import iso_utc

# A form posted online is its own device: it is finished and received in the same request.
FORM_DEVICE_ID = "web-form"
# Where each of the sync API's error keys shows on the form.
ERROR_INPUTS = {"child_id": "child_id", "event_at": "event_at-day", "record_type": "record_type"}


class RecordRefused(Exception):
    """The sync service refused the record; `errors` maps form input ids to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def _first(messages: Any) -> str:
    while isinstance(messages, (list, tuple)) and messages:
        messages = messages[0]
    if isinstance(messages, dict):
        return _first(next(iter(messages.values()), ""))
    return str(messages)


def form_errors(sync_errors: dict[str, Any]) -> dict[str, str]:
    """The sync API's per-field messages, keyed by the form input that shows each one."""
    errors: dict[str, str] = {}
    for key, messages in sync_errors.items():
        if key == "fields" and isinstance(messages, dict):
            errors.update({name: _first(value) for name, value in messages.items()})
        else:
            errors[ERROR_INPUTS.get(key, key)] = _first(messages)
    return errors


def store_record(
    user: User, submission: Submission, record_id: str, now: datetime, supersedes: int | None = None
) -> RecordResult:
    """Send one record through the sync service; returns its result, with its timeliness.
    A correction of a stored record keeps its id and names the version it replaces (`supersedes`).

    Raises:
        RecordRefused: the record was rejected (or conflicted), with messages per form input.
    """
    envelope = {
        "device_id": FORM_DEVICE_ID,
        "device_now": iso_utc(now),
        "records": [
            {
                "id": record_id,
                "child_id": submission.child_reference,
                "record_type": submission.record_type,
                "event_at": iso_utc(submission.event_at),
                "completed_at": iso_utc(now),
                "child_protection": submission.child_protection,
                "fields": submission.fields,
                "supersedes": supersedes,
            }
        ],
    }
    result = ingest(user, envelope, now).results[0]
    if result.status not in (ACCEPTED, DUPLICATE):
        raise RecordRefused(form_errors(result.errors) or {"child_id": "The record could not be stored."})
    return result
