"""Marshmallow schemas of the sync API: what devices send, and what they get back.

The OpenAPI document (/api/v1/openapi.json) is generated from these, so the descriptions
here are the API's reference.
"""
from __future__ import annotations

import math
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from webapp.record_forms import (
    FIELD_NAME_PATTERN,
    FIELDS_MAX,
    LIST_MAX,
    SHORT_TEXT_MAX,
    TEXT_MAX,
)
from webapp.timeliness import SPAN_END, SPAN_START, iso_utc

ISO_EXAMPLE = "2026-11-23T10:00:00Z"
_FIELD_NAME = re.compile(FIELD_NAME_PATTERN)


class Instant(fields.AwareDateTime):
    """An ISO 8601 date and time with a UTC offset (or Z), loaded as an aware UTC datetime."""

    default_error_messages = {
        "invalid": f"Not a valid date and time; use ISO 8601, e.g. {ISO_EXAMPLE}.",
        "invalid_awareness": f"Give a UTC offset or Z, e.g. {ISO_EXAMPLE}.",
        "format": "Cannot be formatted as a date and time.",
    }

    def __init__(self, **kwargs: Any):
        super().__init__(format="iso", default_timezone=None, **kwargs)
        self.metadata.setdefault("example", ISO_EXAMPLE)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if isinstance(value, str) and len(value) > 64:
            raise self.make_error("invalid")
        instant = super()._deserialize(value, attr, data, **kwargs)
        try:
            return instant.astimezone(timezone.utc)
        except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00+01:00
            raise self.make_error("invalid") from None


def text_problem(text: str) -> str | None:
    """Why text cannot be stored: PostgreSQL holds neither NUL nor half a surrogate pair."""
    if "\x00" in text:
        return "Must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode (it holds half of a surrogate pair)."
    return None


def storable_text(text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise ValidationError(problem)


def within_calendar(instant: datetime) -> None:
    if not SPAN_START.year <= instant.year <= SPAN_END.year:
        raise ValidationError(
            f"Must fall between {SPAN_START.year} and {SPAN_END.year}, the years the working calendar covers."
        )


# A device's clock may be wildly wrong (a tablet whose battery ran flat can wake in 1970), but a
# reading outside these years is no clock at all. Checked before any arithmetic, so that adding
# the skew to completed_at can never overflow.
DEVICE_CLOCK_FIRST_YEAR, DEVICE_CLOCK_LAST_YEAR = 1970, 2100


def device_clock_reading(instant: datetime) -> None:
    if not DEVICE_CLOCK_FIRST_YEAR <= instant.year <= DEVICE_CLOCK_LAST_YEAR:
        raise ValidationError(
            f"Reads the year {instant.year}; a device's clock must read between "
            f"{DEVICE_CLOCK_FIRST_YEAR} and {DEVICE_CLOCK_LAST_YEAR}."
        )


def device_clock_now(instant: datetime) -> None:
    try:
        device_clock_reading(instant)
    except ValidationError as exc:
        raise ValidationError(f"{exc.messages[0]} Set the device's date and time, then sync again.") from None


class StrictBoolean(fields.Boolean):
    default_error_messages = {"invalid": "Must be true or false."}

    def __init__(self, **kwargs: Any):
        super().__init__(truthy={True}, falsy={False}, **kwargs)


class StrictUUID(fields.UUID):
    """Only the canonical text form, so that one record cannot hide behind two spellings."""

    default_error_messages = {"invalid_uuid": "Not a valid UUID, e.g. 0b8f8b9e-2a6c-4f0e-9c4e-2f1d3c5b7a90."}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not isinstance(value, str) or len(value) != 36:
            raise self.make_error("invalid_uuid")
        parsed = super()._deserialize(value, attr, data, **kwargs)
        return str(parsed)


class RecordFields(fields.Field):
    """The form's answers: names to text, numbers, true/false, null or lists of short text."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError("Must be an object of field names and values.")
        if len(value) > FIELDS_MAX:
            raise ValidationError(f"At most {FIELDS_MAX} fields.")
        errors: dict[str, list[str]] = {}
        for name, item in value.items():
            if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
                errors[str(name)[:64]] = [
                    "Field names are lower case letters, digits and _, starting with a letter, up to 64 characters."
                ]
                continue
            problem = _value_problem(item)
            if problem:
                errors[name] = [problem]
        if errors:
            raise ValidationError(errors)
        return value


def lean_fields_pass(value: dict[str, Any]) -> bool:
    """Whether RecordFields accepts these answers as they are (the lean path's question)."""
    return len(value) <= FIELDS_MAX and all(
        type(name) is str and _FIELD_NAME.fullmatch(name) and _value_problem(item) is None
        for name, item in value.items()
    )


def _value_problem(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return "Numbers must be finite."
        return None
    if isinstance(value, str):
        if len(value) > TEXT_MAX:
            return f"Text must be {TEXT_MAX} characters or fewer."
        return text_problem(value)
    if isinstance(value, list):
        if len(value) > LIST_MAX:
            return f"A list may hold at most {LIST_MAX} items."
        if not all(isinstance(item, str) and len(item) <= SHORT_TEXT_MAX for item in value):
            return f"A list may hold only text of {SHORT_TEXT_MAX} characters or fewer."
        return next(filter(None, map(text_problem, value)), None)
    return "Must be text, a number, true or false, null, or a list of text."


class RecordSchema(Schema):
    """One record written on the device."""

    class Meta:
        unknown = EXCLUDE  # newer devices may send more; the content hash ignores it

    id = StrictUUID(required=True, metadata={"description": "Generated on the device; the same for every version."})
    child_id = fields.String(
        required=True, validate=[validate.Length(1, 64), storable_text],
        metadata={"description": "The child's reference, as in /api/v1/caseload."},
    )
    record_type = fields.String(
        required=True, validate=[validate.Length(1, 60), storable_text],
        metadata={"description": "One of the record types the child's authority defines."},
    )
    event_at = Instant(
        required=True, validate=within_calendar,
        metadata={"description": "When the visit or event took place; at most 5 minutes ahead of the server's clock."},
    )
    completed_at = Instant(
        required=True, validate=device_clock_reading,
        metadata={"description": "The device's clock when the record was finished; corrected by the request's skew."},
    )
    child_protection = StrictBoolean(
        load_default=False,
        metadata={"description": "Child protection work; a child on a child protection plan counts as such anyway."},
    )
    section_47 = StrictBoolean(
        load_default=False,
        metadata={"description": "Section 47 enquiries were started; some authorities give such records their own window."},
    )
    immediate = StrictBoolean(
        load_default=False,
        metadata={"description": "Marked immediate, e.g. an immediate child protection referral."},
    )
    supersedes = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=1_000_000),
        metadata={"description": "To change a stored record: the version this one replaces (the current version)."},
    )
    fields = RecordFields(
        load_default=dict,
        metadata={
            "type": "object",
            "description": (
                f"The form's answers. Names: lower case letters, digits and _, up to 64 characters; at most "
                f"{FIELDS_MAX}. Values: text up to {TEXT_MAX} characters (one-line form fields up to "
                f"{SHORT_TEXT_MAX}), numbers, true/false, null, or lists of at most {LIST_MAX} texts of up to "
                f"{SHORT_TEXT_MAX} characters. Visit and case note records must also satisfy their form "
                "(see /api/v1/caseload)."
            ),
        },
    )


class EnvelopeSchema(Schema):
    """A sync request: up to 500 records (and 2 MB) from one device."""

    class Meta:
        unknown = EXCLUDE

    device_id = fields.String(required=True, validate=[validate.Length(1, 100), storable_text])
    device_now = Instant(
        required=True, validate=device_clock_now,
        metadata={"description": "The device's clock when it sent the request; gives the skew. Between 1970 and 2100."},
    )
    records = fields.List(
        fields.Raw(metadata={"type": "object"}), required=True,
        metadata={"description": "Each item is a Record; a bad item is rejected on its own."},
    )


def canonical_record(record: dict[str, Any]) -> dict[str, Any]:
    """The submitted content that decides whether a resend is the same record (not `supersedes`)."""
    return {
        "id": record["id"],
        "child_id": record["child_id"],
        "record_type": record["record_type"],
        "event_at": iso_utc(record["event_at"]),
        "completed_at": iso_utc(record["completed_at"]),
        "child_protection": record["child_protection"],
        # Only when set, so records sent before these facts existed keep their content hash.
        **{name: True for name in ("section_47", "immediate") if record.get(name)},
        "fields": record["fields"],
    }


def record_id_of(raw: Any) -> str | None:
    """The id of a record as sent, for its result, even when the rest is invalid."""
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and len(raw["id"]) <= 64:
        return raw["id"]
    return None


def valid_uuid(text: str | None) -> str | None:
    try:
        return str(uuid.UUID(text)) if text and len(text) == 36 else None
    except ValueError:
        return None


# -- answers -----------------------------------------------------------------------------


IMPLAUSIBLE = (
    "completed_at cannot be right: corrected for the skew it is before event_at, or it is more "
    "than 5 minutes after device_now (after the device sent the record). The record is stored, "
    "but its completed_at never explains a verdict: a late record's cause is unknown."
)


class TimelinessSchema(Schema):
    authority = fields.String(metadata={"description": "The policy id of the child's authority."})
    policy_version = fields.String()
    rule_id = fields.String()
    window = fields.String(metadata={"example": "2 working days"})
    due_at = fields.String(
        metadata={
            "format": "date-time",
            "description": (
                "The due instant. For day windows it is exclusive: the local midnight that starts the day "
                "after the due date, so a record is on time only when received before it. For hour windows "
                "it is inclusive: on time when received at or before it."
            ),
        }
    )
    due_exclusive = fields.Boolean(metadata={"description": "true for day windows: on time only when received before due_at."})
    due_by_local_day = fields.String(
        allow_none=True,
        metadata={
            "format": "date",
            "description": "For day windows, the last London date on which the record is on time; null for hour windows.",
        },
    )
    received_at = fields.String(metadata={"format": "date-time"})
    verdict = fields.String(validate=validate.OneOf(["on_time", "late"]))
    late_by_seconds = fields.Integer()
    late_by_working_days = fields.Integer(allow_none=True)
    cause = fields.String(
        allow_none=True, validate=validate.OneOf(["synced_late", "recorded_late", "unknown"]),
        metadata={"description": (
            "Why a late record was late, from completed_at corrected for the skew: synced_late "
            "(finished before it was due), recorded_late (finished after), unknown (no completed_at, "
            "or an implausible one). null when on time."
        )},
    )


class RecordResultSchema(Schema):
    id = fields.String(allow_none=True, metadata={"description": "The record's id as sent (null if it had none)."})
    status = fields.String(validate=validate.OneOf(["accepted", "duplicate", "conflict", "rejected"]))
    errors = fields.Dict(
        metadata={"description": "Messages per field, e.g. {\"event_at\": [\"...\"]}; empty unless rejected or conflict."}
    )
    version = fields.Integer(
        allow_none=True,
        metadata={"description": "accepted/duplicate: the stored version; conflict: the current version."},
    )
    implausible = fields.Boolean(metadata={"description": IMPLAUSIBLE})
    timeliness = fields.Nested(
        TimelinessSchema, allow_none=True,
        metadata={"description": "The verdict computed when the record was first received; kept by later versions."},
    )


class SyncResponseSchema(Schema):
    server_now = fields.String(metadata={"format": "date-time"})
    skew_seconds = fields.Float(metadata={"description": "server_now - device_now"})
    skew_flagged = fields.Boolean(metadata={"description": "The device clock is more than 5 minutes out."})
    results = fields.List(fields.Nested(RecordResultSchema), metadata={"description": "One per record, in order."})


class ErrorSchema(Schema):
    error = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Messages per field, when the envelope is malformed."})


class StoredRecordSchema(Schema):
    id = fields.String()
    version = fields.Integer()
    supersedes = fields.Integer(allow_none=True)
    child_id = fields.String()
    record_type = fields.String()
    child_protection = fields.Boolean()
    event_at = fields.String(metadata={"format": "date-time"})
    completed_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    received_at = fields.String(metadata={"format": "date-time"})
    implausible = fields.Boolean(metadata={"description": IMPLAUSIBLE})
    timeliness = fields.Nested(TimelinessSchema)
    fields = fields.Dict()  # last: the name shadows marshmallow's `fields` in the class body


class RecordsResponseSchema(Schema):
    server_now = fields.String(metadata={
        "format": "date-time",
        "description": "When this reading's first page was answered (the same on every page): the next reading's ?since=",
    })
    records = fields.List(fields.Nested(StoredRecordSchema))
    next_cursor = fields.String(allow_none=True, metadata={
        "description": (
            "Opaque. Pass it as ?cursor= (without since) for the next page; null on the last page. "
            "Records that arrive while the pages are read come on later pages, and a record that "
            "gets a new version meanwhile comes again, at that version: keep the last copy of each id."
        ),
    })


class ChoiceSchema(Schema):
    value = fields.String()
    label = fields.String()


class FormFieldSchema(Schema):
    name = fields.String()
    label = fields.String()
    type = fields.String(
        validate=validate.OneOf(["text", "textarea", "choice", "boolean", "datetime", "child", "record_type"])
    )
    required = fields.Boolean(metadata={"description": "Required whenever the field is shown."})
    hint = fields.String(allow_none=True)
    max_length = fields.Integer(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceSchema))
    show_when = fields.Dict(
        allow_none=True,
        metadata={
            "description": '{"field": name, "equals": value} or {"child_status": status}, each with a "hint" '
            "saying when to answer"
        },
    )
    envelope = fields.String(
        allow_none=True,
        metadata={
            "description": "Set for child_id, record_type and event_at, which belong to the record, not its fields."
        },
    )
    messages = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        metadata={"description": "What to say when an answer is missing, of the wrong kind, or too long."},
    )


class RecordTypeGroupSchema(Schema):
    label = fields.String()
    record_types = fields.List(fields.String())
    statuses = fields.List(
        fields.String(),
        metadata={"description": "The child statuses the group applies to; empty: every child."},
    )


class FormSchema(Schema):
    record_type = fields.String()
    label = fields.String()
    title = fields.String(metadata={"description": "The form page's heading."})
    event_at_messages = fields.Dict(keys=fields.String(), values=fields.String())
    child_protection_when = fields.Dict(
        allow_none=True, metadata={"description": "A record made with the form counts as child protection when this holds."}
    )
    time_pattern = fields.String(metadata={"description": "How a time is typed, as a regular expression."})
    number_pattern = fields.String()
    earliest_year = fields.Integer()
    latest_year = fields.Integer()
    future_tolerance_seconds = fields.Integer(
        metadata={"description": "How far ahead of the server's clock an event may be."}
    )
    record_type_groups = fields.List(
        fields.Nested(RecordTypeGroupSchema),
        metadata={"description": "The groups a form asking the record type offers them in; empty for other forms."},
    )
    # Last: the name hides marshmallow's `fields` for the rest of the class body.
    fields = fields.List(fields.Nested(FormFieldSchema))


class RecordTypeSchema(Schema):
    id = fields.String()
    label = fields.String()
    form = fields.String(allow_none=True, metadata={"description": "The key in `forms`, if it has one."})


class AuthoritySchema(Schema):
    id = fields.String()
    name = fields.String()
    policy_version = fields.String()
    record_types = fields.List(fields.Nested(RecordTypeSchema))
    forms = fields.Dict(keys=fields.String(), values=fields.Nested(FormSchema))


class VisitDueSchema(Schema):
    episode = fields.String(metadata={"description": "The episode the requirement hangs on, e.g. child_protection_plan."})
    requirement = fields.String(metadata={"description": "visit, seen_alone, bedroom_seen or unannounced_visit."})
    rule_id = fields.String()
    catalogue_id = fields.String()
    window = fields.String(metadata={"description": "The deadline or interval in force, in words."})
    due_by = fields.String(allow_none=True, metadata={"format": "date", "description": "The last London date on which it is met."})
    last_met_on = fields.String(allow_none=True, metadata={"format": "date"})
    status = fields.String(metadata={"description": "overdue, due_soon or ok, on the server's today."})
    status_words = fields.String(metadata={"description": "The status as the pages' tag says it, e.g. 'Overdue'."})
    status_tag = fields.String(metadata={"description": "The GOV.UK tag's colour class for the status."})
    words = fields.String(metadata={"description": "What the caseload shows, e.g. 'Overdue by 2 working days'."})


class CaseloadChildSchema(Schema):
    id = fields.String(metadata={"description": "The child's reference: child_id in records."})
    name = fields.String()
    date_of_birth = fields.String(allow_none=True, metadata={"format": "date"})
    authority = fields.String()
    team = fields.String()
    practitioner = fields.String(allow_none=True, metadata={"description": "The allocated practitioner's name."})
    statuses = fields.List(fields.String())
    status_labels = fields.List(fields.String())
    child_protection = fields.Boolean(metadata={"description": "On a child protection plan."})
    last_visit_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    visits_due = fields.List(fields.Nested(VisitDueSchema), metadata={"description": "The most urgent first."})


class CaseloadUserSchema(Schema):
    name = fields.String()
    email = fields.String()
    role = fields.String()
    team = fields.String(allow_none=True)


class DeadlineWindowSchema(Schema):
    words = fields.String(metadata={"description": "The window in words, \"72 hours\"."})
    exclusive = fields.Boolean(metadata={"description": "Whether a due instant is the exclusive end of a day."})
    hours = fields.Integer(metadata={"description": "Elapsed hours after the event, where the window counts them."})
    due_at = fields.List(
        fields.String(metadata={"format": "date-time"}),
        metadata={"description": "One due instant per day of the table, from `first_day`, for the other windows."},
    )
    adds_time = fields.List(
        fields.Boolean(),
        metadata={"description": "Working hours in whole days: per day, whether the event's time of day carries over."},
    )


class DeadlinesSchema(Schema):
    first_day = fields.String(metadata={"format": "date", "description": "The London date of the table's first event day."})
    days = fields.Integer(metadata={"description": "How many event days the table covers."})
    windows = fields.Dict(keys=fields.String(), values=fields.Nested(DeadlineWindowSchema))
    profiles = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.List(fields.String(allow_none=True))),
        metadata={"description": (
            "Per kind of child, per record type: the key in `windows` for a record outside child "
            "protection work and for one inside it; null where the device cannot say."
        )},
    )
    children = fields.Dict(
        keys=fields.String(), values=fields.String(),
        metadata={"description": "Each child's reference and the key of their kind in `profiles`."},
    )


class CaseloadSchema(Schema):
    server_now = fields.String(metadata={"format": "date-time"})
    user = fields.Nested(CaseloadUserSchema)
    children = fields.List(fields.Nested(CaseloadChildSchema))
    authorities = fields.List(fields.Nested(AuthoritySchema))
