"""Checking a sync request: the envelope as a whole, then each record on its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from marshmallow import ValidationError
from sqlalchemy import select

from webapp import access
from webapp.extensions import db
from webapp.models import Child, User
from webapp.record_forms import FORMS, FUTURE_TOLERANCE
from webapp.sync.schemas import EnvelopeSchema, Instant, RecordSchema, within_calendar
from webapp.timeliness import Policy

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
        record = self._schema.load(raw)
        child = self._child(record["child_id"])
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

    def _child(self, reference: str) -> Child | None:
        if reference not in self._children:
            self._children[reference] = db.session.scalar(
                select(Child).where(Child.reference == reference)
            )
        return self._children[reference]


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
