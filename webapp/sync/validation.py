"""Checking a sync request: the envelope as a whole, then each record on its own."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import access
from webapp.extensions import db
from webapp.models import Child, User
from webapp.record_forms import FORMS, FUTURE_TOLERANCE
from webapp.sync.schemas import (
    DEVICE_CLOCK_FIRST_YEAR,
    DEVICE_CLOCK_LAST_YEAR,
    EnvelopeSchema,
    Instant,
    RecordSchema,
    lean_fields_pass,
    text_problem,
    within_calendar,
)
from webapp.timeliness import SPAN_END, SPAN_START, Policy

# The same words for a child that does not exist and one the user may not read: neither says which.
NOT_YOUR_CHILD = "No child with this id is on your caseload."
READ_ONLY_CHILD = (
    "You can read this child's records but not record for them: records are written by the "
    "child's practitioner or their team's manager."
)


class MalformedEnvelope(Exception):
    """The request as a whole is unusable; `errors` holds messages per field."""

    def __init__(self, message: str, errors: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.errors = dict(errors or {})


class TooManyRecords(Exception):
    """More records in one request than SYNC_MAX_RECORDS."""


class Rejected(Exception):
    """One record cannot be stored; `errors` holds messages per field."""

    def __init__(self, errors: dict[str, Any]):
        self.errors = errors


def read_envelope(envelope: Any, max_records: int) -> dict[str, Any]:
    """The envelope's device_id, device_now and (still unchecked) records.

    Raises:
        TooManyRecords: more records than the limit.
        MalformedEnvelope: the request itself is unusable.
    """
    if not isinstance(envelope, dict):
        raise MalformedEnvelope("The request body must be a JSON object.")
    records = envelope.get("records")
    if isinstance(records, list) and len(records) > max_records:
        raise TooManyRecords(
            f"A sync request may carry at most {max_records} records; this one has "
            f"{len(records)}. Send them in smaller batches."
        )
    try:
        return EnvelopeSchema().load(envelope)
    except ValidationError as exc:
        raise MalformedEnvelope("The sync request is malformed.", exc.messages) from None


@dataclass(frozen=True)
class CheckedRecord:
    """A record that passed every check, with its child and its authority's policy."""

    record: dict[str, Any]
    child: Child
    policy: Policy


@dataclass
class RecordChecks:
    """The per-record checks of one request; children are looked up once per request."""

    user: User
    server_now: datetime
    policies: Mapping[str, Policy]
    _children: dict[str, Child | None] = field(default_factory=dict)
    # Marshmallow 4 schemas keep no state between loads, so one serves the whole request.
    _schema: RecordSchema = field(default_factory=RecordSchema)

    def check(self, raw: Any) -> CheckedRecord:
        """Raises: ValidationError or Rejected, with messages per field."""
        if not isinstance(raw, dict):
            raise Rejected({"_schema": ["Each record must be a JSON object."]})
        # Marshmallow only when the lean path is unsure: it then accepts or says what is wrong.
        record = lean_record(raw) or self._schema.load(raw)
        child = self.child(record["child_id"])
        if child is None or not access.may_read_child(self.user, child):
            raise Rejected({"child_id": [NOT_YOUR_CHILD]})
        if not access.may_record_for(self.user, child):
            raise Rejected({"child_id": [READ_ONLY_CHILD]})
        policy = self.policies.get(child.team.authority)
        if policy is None:
            raise Rejected({"child_id": ["The child's authority has no recording policy on this server."]})
        if record["record_type"] not in policy.record_types:
            raise Rejected(
                {"record_type": [f"{policy.name} does not define this record type; it accepts: "
                                 + ", ".join(sorted(policy.record_types)) + "."]}
            )
        if record["event_at"] > self.server_now + FUTURE_TOLERANCE:
            raise Rejected({"event_at": ["Is more than 5 minutes in the future by the server's clock."]})
        form = FORMS.get(record["record_type"])
        if form is not None:
            problems = form.problems(record["fields"], child.statuses)
            if problems:
                raise Rejected({"fields": problems})
        return CheckedRecord(record, child, policy)

    def read_children(self, raws: list[Any]) -> None:
        """Look up every child the request names, with their teams, in one query."""
        references = {
            raw["child_id"] for raw in raws
            if isinstance(raw, dict) and isinstance(raw.get("child_id"), str)
            and 1 <= len(raw["child_id"]) <= 64 and text_problem(raw["child_id"]) is None
        } - self._children.keys()
        if not references:
            return
        query = select(Child).options(joinedload(Child.team)).where(Child.reference.in_(sorted(references)))
        found = {child.reference: child for child in db.session.scalars(query)}
        for reference in references:
            self._children[reference] = found.get(reference)

    def child(self, reference: str) -> Child | None:
        """The child with this reference, as read for the request (or read now)."""
        if reference not in self._children:
            self._children[reference] = db.session.scalar(
                select(Child).where(Child.reference == reference)
            )
        return self._children[reference]


_RECORD_KEYS = ("id", "child_id", "record_type", "event_at", "completed_at")
_FLAGS = ("child_protection", "section_47", "immediate")


def lean_record(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The record as RecordSchema loads it, for a record that plainly passes; else None.

    The common case (a well-formed record from the app) is checked here without marshmallow's
    per-field machinery. It accepts only what RecordSchema accepts and returns what it returns
    (tests/sync/test_lean_validation.py holds the two together); anything unusual returns None,
    and RecordSchema then decides, with its messages.
    """
    record_id, child_id, record_type, event_at, completed_at = map(raw.get, _RECORD_KEYS)
    if type(record_id) is not str or len(record_id) != 36:
        return None
    try:
        record_id = str(uuid.UUID(record_id))
    except ValueError:
        return None
    for text, longest in ((child_id, 64), (record_type, 60)):
        if type(text) is not str or not 1 <= len(text) <= longest or text_problem(text) is not None:
            return None
    event_at, completed_at = _lean_instant(event_at), _lean_instant(completed_at)
    if event_at is None or completed_at is None:
        return None
    if not SPAN_START.year <= event_at.year <= SPAN_END.year:
        return None
    if not DEVICE_CLOCK_FIRST_YEAR <= completed_at.year <= DEVICE_CLOCK_LAST_YEAR:
        return None
    record = {
        "id": record_id, "child_id": child_id, "record_type": record_type,
        "event_at": event_at, "completed_at": completed_at,
    }
    for flag in _FLAGS:
        value = raw.get(flag, False)
        if value is not True and value is not False:
            return None
        record[flag] = value
    supersedes = raw.get("supersedes")
    if supersedes is not None and (type(supersedes) is not int or not 1 <= supersedes <= 1_000_000):
        return None
    record["supersedes"] = supersedes
    answers = raw.get("fields", _NO_FIELDS)
    if answers is _NO_FIELDS:
        answers = {}
    elif type(answers) is not dict or not lean_fields_pass(answers):
        return None
    record["fields"] = answers
    return record


_NO_FIELDS = object()


def _lean_instant(value: Any) -> datetime | None:
    if type(value) is not str or len(value) > 64:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    if instant.tzinfo is None or instant.tzinfo.utcoffset(instant) is None:
        return None
    try:
        return instant.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def anchor_instant(values: dict[str, Any], name: str) -> datetime:
    """The instant a `*_before` rule counts back from, read from the record's fields.

    Raises:
        Rejected: the field is missing or is not an instant.
    """
    text = values.get(name)
    if not isinstance(text, str):
        raise Rejected({"fields": {name: [anchor_message(name)]}})
    try:
        instant = Instant().deserialize(text)
        within_calendar(instant)
    except ValidationError as exc:
        raise Rejected({"fields": {name: exc.messages}}) from None
    return instant


def anchor_message(name: str) -> str:
    return (
        f"This record type is due a set time before {name}; give {name} as a date and time "
        "with a UTC offset, e.g. 2026-11-23T10:00:00Z."
    )
