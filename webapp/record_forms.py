"""The visit and case-note forms, defined once.

Everything about a question lives here: its label, hint, choices, when it is shown, its limits
and its error messages. The server renders its pages from these definitions and reads plain
POSTs with them; the sync API checks a record's `fields` against them and sends them to devices
in `GET /api/v1/caseload`; each form page embeds its definition as JSON, from which
static/js/record-fields.mjs checks and builds the same record offline. tests/
record_form_examples.json holds the examples both readers must agree on.

The limits here are documented in the README ("Sync API") and in the OpenAPI document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Mapping

from webapp.timeliness import LONDON

# Limits on any record's `fields`, whatever its record type.
TEXT_MAX = 20_000  # characters in one free-text value
SHORT_TEXT_MAX = 500  # characters in a one-line value, and in each item of a list
FIELDS_MAX = 100  # names in one record's fields
LIST_MAX = 50  # items in one list value
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"

# The sync API refuses events further ahead of its clock than this (a device a little fast is
# not lying), and the forms say so before it has to.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Times are typed as hours and minutes, "14:30" or "14.30". ASCII digits only: Python's \d
# would also take other scripts' digits, which the browser's reader refuses.
TIME_PATTERN = r"^([0-9]{1,2})[:.]([0-9]{2})$"
NUMBER_PATTERN = r"^[0-9]+$"
EARLIEST_YEAR = 2000
LATEST_YEAR = 9999

TEXT = "text"  # one line, up to SHORT_TEXT_MAX
TEXTAREA = "textarea"  # free text, up to TEXT_MAX
CHOICE = "choice"
BOOLEAN = "boolean"
DATETIME = "datetime"
CHILD = "child"
RECORD_TYPE = "record_type"  # one of the child's authority's record types

# Yes/no questions post "yes" or "no"; the record's fields hold true or false.
YES_NO = (("yes", "Yes"), ("no", "No"))
BOOLEANS = {"yes": True, "no": False}


# Whether a record's deadline has passed, as the record is read: the context's DEADLINE is
# PASSED or AHEAD, or absent when nobody can tell (no deadline known for it).
DEADLINE = "deadline"
PASSED = "passed"
AHEAD = "ahead"


@dataclass(frozen=True)
class Condition:
    """Show (and require) a field only when another field has a value, the child a status, or
    (`late`) unless the record's deadline is known not to have passed.

    `hint` tells the person when to answer, where the page cannot hide the question (no
    JavaScript).
    """

    field: str | None = None
    equals: Any = None
    child_status: str | None = None
    late: bool = False
    hint: str | None = None

    def holds(self, values: Mapping[str, Any], child_statuses: list[str]) -> bool:
        if self.late:
            return values.get(DEADLINE) != AHEAD
        if self.child_status is not None:
            return self.child_status in child_statuses
        return values.get(self.field) == self.equals

    def as_json(self) -> dict[str, Any]:
        if self.late:
            return {"late": True, "hint": self.hint}
        if self.child_status is not None:
            return {"child_status": self.child_status, "hint": self.hint}
        return {"field": self.field, "equals": self.equals, "hint": self.hint}


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
    # The message when a required answer is missing ("Select the type of visit").
    missing: str | None = None
    # How a message about its length names it ("Your analysis must be ...").
    called: str | None = None

    @property
    def max_length(self) -> int | None:
        return {TEXT: SHORT_TEXT_MAX, TEXTAREA: TEXT_MAX}.get(self.type)

    @property
    def too_long(self) -> str | None:
        if self.max_length is None:
            return None
        return f"{self.called or self.label} must be {self.max_length:,} characters or fewer"

    @property
    def invalid(self) -> str | None:
        """The message for a value of the wrong kind (only a device or a tampered form sends one)."""
        if self.type in (TEXT, TEXTAREA):
            return "Must be text."
        if self.type == CHOICE:
            return "Must be one of: " + ", ".join(value for value, _ in self.choices) + "."
        if self.type == BOOLEAN:
            return "Must be true or false."
        return None

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
            "messages": {"missing": self.missing, "invalid": self.invalid, "too_long": self.too_long},
        }

    def page_choices(self) -> tuple[tuple[str, str], ...]:
        """The choices as the page offers them: a yes/no question posts "yes" or "no"."""
        return YES_NO if self.type == BOOLEAN else self.choices

    def problem(self, value: Any) -> str | None:
        """Why a value given for this field is not acceptable, or None. Blank text is missing."""
        if self.type in (TEXT, TEXTAREA):
            if not isinstance(value, str):
                return self.invalid
            if self.required and not value.strip():
                return self.missing
            if len(value) > self.max_length:
                return self.too_long
        elif self.type == CHOICE:
            if value not in [choice for choice, _ in self.choices]:
                return self.invalid
        elif self.type == BOOLEAN:
            if not isinstance(value, bool):
                return self.invalid
        return None

    def posted(self, text: str) -> Any:
        """A value as a plain form posts it, as the record holds it: None when not answered."""
        if text == "":
            return None
        if self.type == BOOLEAN:
            return BOOLEANS.get(text, text)
        return text


@dataclass(frozen=True)
class EventAtMessages:
    """What the date-and-time question says is wrong, naming the event ("visit", "event")."""

    what: str

    def as_json(self) -> dict[str, str]:
        what = self.what
        return {
            "date_missing": f"Enter the date of the {what}",
            "date_invalid": f"The date of the {what} must be a real date, like 23 11 2026",
            "time_missing": f"Enter the time of the {what}",
            "time_invalid": f"Enter the time of the {what} as hours and minutes, like 14:30",
            "future": f"The date and time of the {what} must be in the past",
        }


@dataclass
class Submission:
    """A form read from a POST: what was typed, the record built from it, and any errors.

    `errors` maps an input name to its message, in the order the inputs appear on the page;
    each name is also the id of the input the error summary links to.
    """

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    child_reference: str = ""
    record_type: str = ""
    event_at: datetime | None = None
    child_protection: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    deadline: str | None = None  # PASSED, AHEAD, or None when nobody can tell

    @property
    def valid(self) -> bool:
        return not self.errors

    def record(self) -> dict[str, Any]:
        """The record as the sync API takes it (without its id and completion time)."""
        return {
            "child_id": self.child_reference,
            "record_type": self.record_type,
            "event_at": self.event_at.isoformat().replace("+00:00", "Z") if self.event_at else None,
            "child_protection": self.child_protection,
            "fields": self.fields,
        }


@dataclass(frozen=True)
class Form:
    record_type: str
    label: str
    title: str  # the page's heading, "Record a visit"
    fields: tuple[FormField, ...]
    event_at: EventAtMessages
    # A record made with this form counts as child protection when this holds.
    child_protection_when: Condition | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "label": self.label,
            "title": self.title,
            "fields": [f.as_json() for f in self.fields],
            "event_at_messages": self.event_at.as_json(),
            "child_protection_when": self.child_protection_when.as_json() if self.child_protection_when else None,
            "time_pattern": TIME_PATTERN,
            "number_pattern": NUMBER_PATTERN,
            "earliest_year": EARLIEST_YEAR,
            "latest_year": LATEST_YEAR,
            "future_tolerance_seconds": int(FUTURE_TOLERANCE.total_seconds()),
            "record_type_groups": (
                [group.as_json() for group in RECORD_TYPE_GROUPS] + [RecordTypeGroup(OTHER_RECORD_TYPES, ()).as_json()]
                if self.asks_record_type else []
            ),
        }

    @property
    def asks_record_type(self) -> bool:
        return any(f.type == RECORD_TYPE for f in self.fields)

    def field(self, name: str) -> FormField:
        return next(f for f in self.fields if f.name == name)

    def input_names(self) -> list[str]:
        """The names a page of this form posts, in page order."""
        names = []
        for f in self.fields:
            if f.type == DATETIME:
                names += [f"{f.name}-day", f"{f.name}-month", f"{f.name}-year", f"{f.name}-time"]
            else:
                names.append(f.envelope or f.name)
        return names

    def shown(self, f: FormField, values: Mapping[str, Any], child_statuses: list[str]) -> bool:
        return f.show_when is None or f.show_when.holds({"record_type": self.record_type, **values}, child_statuses)

    def problems(self, values: Mapping[str, Any], child_statuses: list[str]) -> dict[str, list[str]]:
        """Per-field messages for the fields of a finished record; {} when it is acceptable."""
        errors: dict[str, list[str]] = {}
        for f in self.fields:
            if f.envelope:
                continue
            value = values.get(f.name)
            if value is None:
                if f.required and self.shown(f, values, child_statuses):
                    errors[f.name] = [f.missing]
                continue
            problem = f.problem(value)
            if problem:
                errors[f.name] = [problem]
        return errors

    def read(
        self,
        post: Mapping[str, str],
        children: Mapping[str, list[str]],
        now: datetime,
        record_types: Mapping[str, str] | None = None,
        deadline: Callable[[Submission], str | None] | None = None,
    ) -> Submission:
        """Read a plain POST of this form's page into a record, or into messages by input.

        `children` maps each child the user may record for to the child's statuses;
        `record_types` are the types the page offers, where the form asks for one;
        `deadline` says of the record read so far (its child, type, time and child protection)
        whether its deadline has passed (PASSED, AHEAD or None). A question that does not apply
        is left out of the record, whatever was typed in it.
        """
        names = self.input_names()
        sub = Submission({name: (post.get(name) or "").strip() for name in names})
        typed: dict[str, Any] = {}
        for f in self.fields:
            if f.type == CHILD:
                if sub.values["child_id"] not in children:
                    sub.errors["child_id"] = f.missing
            elif f.type == RECORD_TYPE:
                if sub.values["record_type"] not in (record_types or {}):
                    sub.errors["record_type"] = f.missing
                typed["record_type"] = sub.values["record_type"]
            elif f.type == DATETIME:
                sub.event_at = self._read_event_at(sub, now)
            else:
                typed[f.name] = f.posted(sub.values[f.name])
        statuses = children.get(sub.values["child_id"], [])
        sub.child_reference = sub.values["child_id"]
        sub.record_type = typed.get("record_type", self.record_type)
        sub.child_protection = bool(self.child_protection_when and self.child_protection_when.holds(typed, statuses))
        if deadline is not None and sub.event_at is not None and not sub.errors.keys() & {"child_id", "record_type"}:
            sub.deadline = deadline(sub)
        context = {**typed, DEADLINE: sub.deadline}
        answers = {
            f.name: typed[f.name] for f in self.fields
            if not f.envelope and self.shown(f, context, statuses) and typed.get(f.name) is not None
        }
        problems = self.problems(
            {"record_type": sub.record_type, DEADLINE: sub.deadline, **answers}, statuses
        )
        sub.errors.update({name: messages[0] for name, messages in problems.items()})
        sub.errors = {name: sub.errors[name] for name in names if name in sub.errors}
        sub.fields = answers
        return sub

    def _read_event_at(self, sub: Submission, now: datetime) -> datetime | None:
        messages = self.event_at.as_json()
        day, month, year = (sub.values[f"event_at-{part}"] for part in ("day", "month", "year"))
        when = None
        if not (day or month or year):
            sub.errors["event_at-day"] = messages["date_missing"]
        else:
            try:
                if not all(re.match(NUMBER_PATTERN, part) for part in (day, month, year)):
                    raise ValueError
                when = date(int(year), int(month), int(day))
                if not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
                    raise ValueError
            except ValueError:
                sub.errors["event_at-day"] = messages["date_invalid"]
        clock = sub.values["event_at-time"]
        match = re.match(TIME_PATTERN, clock)
        if not clock:
            sub.errors["event_at-time"] = messages["time_missing"]
        elif not match or int(match[1]) > 23 or int(match[2]) > 59:
            sub.errors["event_at-time"] = messages["time_invalid"]
        if sub.errors.keys() & {"event_at-day", "event_at-time"}:
            return None
        local = datetime.combine(when, time(int(match[1]), int(match[2])), tzinfo=LONDON)
        event_at = local.astimezone(timezone.utc)
        if event_at > now + FUTURE_TOLERANCE:
            sub.errors["event_at-day"] = messages["future"]
            return None
        return event_at


# Asked on every form, but applies only once the record's deadline has passed: with JavaScript
# the question is shown only then (static/js/deadline.mjs), and an answer given while the
# deadline is ahead is dropped, on the device and on the server alike. Optional: a late record
# is still a record. The team manager sees it.
DELAY_REASON = FormField(
    "delay_reason", "Why is this record late?", TEXTAREA,
    show_when=Condition(
        late=True,
        hint="Only if it will reach the file after its deadline: say what held it up. Your manager will see this.",
    ),
    called="The reason for the delay",
)

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
    "Record a visit",
    (
        FormField("child", "Child", CHILD, required=True, envelope="child_id",
                  missing="Select the child you visited"),
        FormField("event_at", "When did the visit start?", DATETIME, required=True, envelope="event_at"),
        FormField("visit_type", "What type of visit was it?", CHOICE, required=True, choices=VISIT_TYPES,
                  missing="Select the type of visit"),
        FormField(
            "announced", "Was the visit announced?", CHOICE, required=True,
            choices=(("announced", "Announced"), ("unannounced", "Unannounced")),
            missing="Select whether the visit was announced",
        ),
        FormField("child_seen", "Did you see the child?", BOOLEAN, required=True,
                  missing="Select whether you saw the child"),
        FormField(
            "child_not_seen_reason", "Why did you not see the child?", TEXTAREA, required=True,
            show_when=Condition(field="child_seen", equals=False, hint="Answer if you did not see the child."),
            missing="Enter why you did not see the child", called="Why you did not see the child",
        ),
        FormField(
            "seen_alone", "Did you see the child alone?", BOOLEAN, required=True,
            show_when=Condition(field="child_seen", equals=True, hint="Answer if you saw the child."),
            missing="Select whether you saw the child alone",
        ),
        FormField(
            "bedroom_seen", "Did you see the child’s bedroom?", BOOLEAN, required=True,
            show_when=Condition(child_status="looked_after", hint="Answer for a looked after child."),
            missing="Select whether you saw the child’s bedroom",
        ),
        FormField("present", "Who was present?", TEXT, hint="Names and relationship to the child",
                  called="Who was present"),
        FormField("childs_words", "What did the child say?", TEXTAREA,
                  hint="In the child’s own words, where you can", called="What the child said"),
        FormField("observations", "What did you observe?", TEXTAREA, required=True,
                  hint="What you saw and heard, including the home and how the child presented",
                  missing="Enter what you observed", called="Your observations"),
        FormField("analysis", "Analysis", TEXTAREA, required=True,
                  hint="What the visit tells you about the child’s safety and well-being",
                  missing="Enter your analysis", called="Your analysis"),
        FormField("actions", "Actions and next steps", TEXTAREA, required=True,
                  hint="Who will do what, and by when",
                  missing="Enter the actions and next steps"),
        DELAY_REASON,
    ),
    EventAtMessages("visit"),
    child_protection_when=Condition(field="visit_type", equals="statutory_child_protection"),
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

# The case note page also records the authority's other record types, which keep only `text`.
CASE_NOTE = Form(
    "case_note",
    "Case note",
    "Record a case note",
    (
        FormField("child", "Child", CHILD, required=True, envelope="child_id",
                  missing="Select the child this record is about"),
        FormField("record_type", "What type of record is it?", RECORD_TYPE, required=True,
                  envelope="record_type", missing="Select the type of record"),
        FormField(
            "note_type", "What kind of case note is it?", CHOICE, required=True, choices=CASE_NOTE_TYPES,
            show_when=Condition(field="record_type", equals="case_note", hint="Answer for a case note only."),
            missing="Select the kind of case note",
        ),
        FormField("event_at", "When did it happen?", DATETIME, required=True, envelope="event_at"),
        FormField("text", "What happened?", TEXTAREA, required=True, missing="Enter what happened",
                  called="The record"),
        DELAY_REASON,
    ),
    EventAtMessages("event"),
)

FORMS: dict[str, Form] = {form.record_type: form for form in (VISIT, CASE_NOTE)}


@dataclass(frozen=True)
class RecordTypeGroup:
    """Record types offered together on the case note page. `statuses`: the child statuses
    the group is offered for (empty: every child); a child with no status recorded is offered
    every group, since nothing says which apply."""

    label: str
    record_types: tuple[str, ...]
    statuses: tuple[str, ...] = ()

    def applies_to(self, child_statuses: list[str]) -> bool:
        return not self.statuses or not child_statuses or bool(set(self.statuses) & set(child_statuses))

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "record_types": list(self.record_types), "statuses": list(self.statuses)}


# The authorities' record types (policies/*.yaml), in groups a practitioner recognises. The
# groups are narrowed by the child's status only where a record cannot be about a child
# without it (a plan's review needs the plan); what starts a process (a strategy discussion,
# a child coming into care) is offered for every child. A type in no group is under "Other".
RECORD_TYPE_GROUPS = (
    RecordTypeGroup("Case notes and contacts", (
        "case_note", "contact", "general_update", "referrer_feedback", "safeguarding_record",
        "initial_visit", "group_work_session",
    )),
    RecordTypeGroup("Management and supervision", (
        "management_decision", "supervision", "group_supervision", "first_case_supervision",
        "case_allocation", "case_transfer", "case_consultation", "assessment_authorisation", "case_closure",
    )),
    RecordTypeGroup("Referrals, assessments and summaries", (
        "referral", "referral_decision", "information_gathering", "assessment", "genogram", "family_help_assessment", "outcome_star_assessment",
        "health_screening", "chronology", "case_summary", "social_work_summary", "monthly_summary",
        "overall_summary", "workbook_closure",
    )),
    RecordTypeGroup("Child in need and early help", (
        "cin_plan", "cin_meeting_report", "cin_meeting_outcomes", "cin_review", "early_help_plan",
        "early_help_review", "early_help_review_case_note", "step_up_request", "step_down", "step_down_plan",
    )),
    RecordTypeGroup("Child protection enquiries", (
        "strategy_discussion", "child_protection_consultation", "section_47_decision", "section_47_enquiry",
        "abe_interview", "safety_plan", "initial_child_protection_conference_report", "initial_cp_conference_report",
        "initial_cp_conference_decisions", "child_protection_conference", "child_protection_conference_minutes",
    )),
    RecordTypeGroup("Child protection plans", (
        "child_protection_plan", "core_group_minutes", "review_child_protection_conference_report",
        "review_cp_conference_report", "review_cp_conference_decisions", "midway_monitoring",
    ), statuses=("child_protection",)),
    RecordTypeGroup("Exploitation and missing children", (
        "exploitation_screening", "exploitation_planning_meeting", "missing_episode", "return_home_interview",
    )),
    RecordTypeGroup("Coming into care", (
        "becoming_looked_after", "care_plan", "planned_care_plan", "health_assessment_request",
        "placement_information_record", "placement_matching", "emergency_placement_risk_assessment",
    )),
    RecordTypeGroup("Children in care", (
        "care_plan_update", "placement_plan", "placement_plan_review", "placement_change", "placement_search", "placement_offer",
        "placement_notification", "placement_agreement", "distant_placement_notification", "legal_status_change",
        "delegated_authority", "safer_caring_policy", "residential_daily_record", "behaviour_passport",
        "initial_cla_review_report", "cla_review_report", "cla_review_decisions", "cla_review_decisions_response",
        "cla_review_minutes", "cla_review_discussion_summary", "iro_qa_monitoring", "health_assessment", "health_assessment_refusal", "health_education_outcome",
        "initial_pep", "pep", "later_life_letter", "life_story_book", "ceasing_looked_after",
        "ceasing_looked_after_at_18",
    ), statuses=("looked_after", "care_leaver")),
    RecordTypeGroup("Care leavers", (
        "care_leaver_needs_assessment", "pathway_plan_progress_report", "pathway_plan_update", "pathway_plan_review",
    ), statuses=("looked_after", "care_leaver")),
    RecordTypeGroup("Adoption", (
        "adoption_workflow", "child_permanence_report", "adoption_medical", "adoption_placement_report",
    ), statuses=("looked_after",)),
    RecordTypeGroup("Fostering", (
        "fostering_review_draft_report", "fostering_review_report", "fostering_review_iro_report",
        "fostering_review_adm_submission", "fostering_review_decision", "fostering_panel_decision",
    ), statuses=("looked_after",)),
    RecordTypeGroup("Private fostering", (
        "private_fostering", "private_fostering_notification", "private_fostering_assessment",
    )),
    RecordTypeGroup("Court and legal", (
        "legal_planning_meeting", "pre_proceedings_letter", "pre_proceedings_meeting", "letter_of_intent",
        "social_work_evidence", "court_order", "expert_assessment",
    )),
    RecordTypeGroup("Youth justice", ("youth_justice_report", "referral_order_panel")),
)
OTHER_RECORD_TYPES = "Other records"


def grouped_record_types(
    record_types: Mapping[str, str], child_statuses: list[str] | None = None
) -> list[tuple[RecordTypeGroup, list[tuple[str, str]]]]:
    """An authority's record types ({id: label}, visits excluded by the caller) in their
    groups, in the groups' order then the policy's; only the groups that apply to a child
    with `child_statuses` (None: every group). Empty groups are left out."""
    groups = [*RECORD_TYPE_GROUPS, RecordTypeGroup(OTHER_RECORD_TYPES, ())]
    grouped_ids = {record_type for group in RECORD_TYPE_GROUPS for record_type in group.record_types}
    found = []
    for group in groups:
        if child_statuses is not None and not group.applies_to(child_statuses):
            continue
        if group.label == OTHER_RECORD_TYPES:
            members = [(key, label) for key, label in record_types.items() if key not in grouped_ids]
        else:
            members = [(key, record_types[key]) for key in group.record_types if key in record_types]
        if members:
            found.append((group, members))
    return found
