"""A record's answers in words, question by question, from its form's definition: what the record
page and the server's "Check your answers" page list. static/js/check-answers.mjs lists them the
same way on the device."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from webapp.record_forms import BOOLEAN, CASE_NOTE, CHILD, CHOICE, DATETIME, DEADLINE, FORMS, RECORD_TYPE, Form
from webapp.words import london_datetime

NOT_ANSWERED = "Not answered"


@dataclass(frozen=True)
class Answer:
    name: str  # the input a Change link goes back to
    label: str
    text: str


def form_of(record_type: str) -> Form:
    """The form a record of this type is written on: visits have their own, the rest the case note's."""
    return FORMS.get(record_type, CASE_NOTE)


def _words(field, value: Any) -> str:
    if value is None or value == "":
        return NOT_ANSWERED
    if field.type == BOOLEAN:
        return "Yes" if value is True else "No" if value is False else str(value)
    if field.type == CHOICE:
        return dict(field.choices).get(value, str(value))
    return str(value)


def answers(
    form: Form,
    *,
    child_label: str,
    record_type: str,
    record_type_label: str,
    event_at: datetime,
    fields: Mapping[str, Any],
    statuses: list[str],
    deadline: str | None = None,
) -> list[Answer]:
    """One answer per question that applies (or was answered), in the form's order; then any
    field the form does not ask (a record sent by another client), under its own name.
    `deadline` is whether the record's deadline has passed, as Form.read found it."""
    rows: list[Answer] = []
    context = {"record_type": record_type, DEADLINE: deadline, **fields}
    for field in form.fields:
        if field.type == CHILD:
            rows.append(Answer("child_id", field.label, child_label))
        elif field.type == RECORD_TYPE:
            rows.append(Answer("record_type", field.label, record_type_label))
        elif field.type == DATETIME:
            rows.append(Answer("event_at-day", field.label, london_datetime(event_at)))
        elif field.name in fields or form.shown(field, context, statuses):
            rows.append(Answer(field.name, field.label, _words(field, fields.get(field.name))))
    asked = {field.name for field in form.fields}
    rows += [Answer(name, name.replace("_", " ").capitalize(), str(value)) for name, value in fields.items() if name not in asked]
    return rows
