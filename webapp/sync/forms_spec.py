"""The visit and case note forms, defined once: the device builds its offline forms from them
(through /api/v1/caseload) and the server checks synced records against them.

The limits here are documented in the README ("Sync API") and in the OpenAPI document.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Limits on any record's `fields`, whatever its record type.
TEXT_MAX = 20_000  # characters in one free-text value
SHORT_TEXT_MAX = 500  # characters in a one-line value, and in each item of a list
FIELDS_MAX = 100  # names in one record's fields
LIST_MAX = 50  # items in one list value
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

TEXT = "text"  # one line, up to SHORT_TEXT_MAX
TEXTAREA = "textarea"  # free text, up to TEXT_MAX
CHOICE = "choice"
BOOLEAN = "boolean"
DATETIME = "datetime"
CHILD = "child"


@dataclass(frozen=True)
class Condition:
    """Show (and require) a field only when another field has a value, or the child a status."""

    field: str | None = None
    equals: Any = None
    child_status: str | None = None

    def holds(self, values: dict[str, Any], child_statuses: list[str]) -> bool:
        if self.child_status is not None:
            return self.child_status in child_statuses
        return values.get(self.field) == self.equals

    def as_json(self) -> dict[str, Any]:
        if self.child_status is not None:
            return {"child_status": self.child_status}
        return {"field": self.field, "equals": self.equals}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str
    required: bool = False  # when shown
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    show_when: Condition | None = None
    # Fields that are not part of the record's `fields` but of the record itself.
    envelope: str | None = None

    @property
    def max_length(self) -> int | None:
        return {TEXT: SHORT_TEXT_MAX, TEXTAREA: TEXT_MAX}.get(self.type)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "hint": self.hint,
            "max_length": self.max_length,
            "choices": [{"value": value, "label": label} for value, label in self.choices],
            "show_when": self.show_when.as_json() if self.show_when else None,
            "envelope": self.envelope,
        }

    def problem(self, value: Any) -> str | None:
        """Why a value given for this field is not acceptable, or None."""
        if self.type in (TEXT, TEXTAREA):
            if not isinstance(value, str):
                return "Enter text."
            if self.required and not value.strip():
                return f"Enter {self.label[0].lower() + self.label[1:]}."
            if len(value) > self.max_length:
                return f"Must be {self.max_length} characters or fewer."
        elif self.type == CHOICE:
            allowed = [choice for choice, _ in self.choices]
            if value not in allowed:
                return "Must be one of: " + ", ".join(allowed) + "."
        elif self.type == BOOLEAN:
            if not isinstance(value, bool):
                return "Must be true or false."
        return None


@dataclass(frozen=True)
class Form:
    record_type: str
    label: str
    fields: tuple[FormField, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "label": self.label,
            "fields": [f.as_json() for f in self.fields],
        }

    def problems(self, values: dict[str, Any], child_statuses: list[str]) -> dict[str, list[str]]:
        """Per-field messages for the fields of a finished record; {} when it is acceptable."""
        errors: dict[str, list[str]] = {}
        for field in self.fields:
            if field.envelope:
                continue
            shown = field.show_when is None or field.show_when.holds(values, child_statuses)
            value = values.get(field.name)
            if value is None:
                if field.required and shown:
                    errors[field.name] = ["Missing data for required field."]
                continue
            problem = field.problem(value)
            if problem:
                errors[field.name] = [problem]
        return errors


VISIT_TYPES = (
    ("statutory_child_protection", "Statutory child protection visit"),
    ("child_in_need", "Child in need visit"),
    ("looked_after", "Looked-after child visit"),
    ("care_leaver", "Care leaver visit"),
    ("early_help", "Early help visit"),
    ("other", "Other visit"),
)

VISIT = Form(
    "visit",
    "Visit",
    (
        FormField("child", "Child", CHILD, required=True, envelope="child_id"),
        FormField(
            "event_at", "Date and time of the visit", DATETIME, required=True, envelope="event_at",
            hint="When the visit started.",
        ),
        FormField("visit_type", "Type of visit", CHOICE, required=True, choices=VISIT_TYPES),
        FormField(
            "announced", "Was the visit announced?", CHOICE, required=True,
            choices=(("announced", "Announced"), ("unannounced", "Unannounced")),
        ),
        FormField("child_seen", "Was the child seen?", BOOLEAN, required=True),
        FormField(
            "child_not_seen_reason", "Why was the child not seen?", TEXTAREA, required=True,
            show_when=Condition(field="child_seen", equals=False),
        ),
        FormField(
            "seen_alone", "Was the child seen alone?", BOOLEAN, required=True,
            show_when=Condition(field="child_seen", equals=True),
        ),
        FormField(
            "bedroom_seen", "Was the child's bedroom seen?", BOOLEAN, required=True,
            show_when=Condition(child_status="looked_after"),
        ),
        FormField("present", "Who was present", TEXT, hint="Names and relationship to the child."),
        FormField(
            "childs_words", "The child's words", TEXTAREA,
            hint="What the child said, in their own words where you can.",
        ),
        FormField("observations", "What you observed", TEXTAREA, required=True),
        FormField("analysis", "Analysis", TEXTAREA, required=True,
                  hint="What the visit tells you about the child's safety and well-being."),
        FormField("actions", "Actions and next steps", TEXTAREA, required=True),
    ),
)

CASE_NOTE_TYPES = (
    ("phone_call", "Phone call"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("office_visit", "Office visit"),
    ("letter", "Letter"),
    ("professional_contact", "Contact with another professional"),
    ("other", "Other"),
)

CASE_NOTE = Form(
    "case_note",
    "Case note",
    (
        FormField("child", "Child", CHILD, required=True, envelope="child_id"),
        FormField("event_at", "Date and time", DATETIME, required=True, envelope="event_at",
                  hint="When the contact or event happened."),
        FormField("note_type", "Type of case note", CHOICE, required=True, choices=CASE_NOTE_TYPES),
        FormField("text", "Case note", TEXTAREA, required=True),
    ),
)

FORMS: dict[str, Form] = {form.record_type: form for form in (VISIT, CASE_NOTE)}
