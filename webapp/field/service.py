"""Queries behind the field pages: a practitioner's caseload, a child's records, their own records."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, or_, select

from webapp import access
from webapp.extensions import db
from webapp.field.verdict_words import stored_verdict_words
from webapp.models import CHILD_STATUSES, Child, Record, TimelinessCheck, User
from webapp.field.deadlines import ChildFacts, deadline_state, deadline_table
from webapp.policies import policy, record_type_labels
from webapp.visits import schedules
from webapp.visits.schedules import DueLine
from webapp.record_forms import Submission

RECENT_RECORDS = 20


class ChildNotFound(Exception):
    """No such child, or not one this user may see: both look the same to the user."""


@dataclass(frozen=True)
class CaseloadEntry:
    child: Child
    status_labels: list[str]
    last_visited_at: datetime | None
    next_due: DueLine | None = None


def _urgency(entry: CaseloadEntry) -> tuple:
    """Most overdue first, then the next due; children without a schedule last; then by name."""
    due = entry.next_due
    return (due is None, due.due_by if due else date.max, entry.child.name)


def caseload(user: User, search: str = "", today: date | None = None) -> list[CaseloadEntry]:
    """The user's children, each with its latest visit and next due requirement.

    With `today`, ordered by urgency (the next due date, most overdue first); without, by name.
    """
    # Only the user's children's visits: with a million records, grouping them all is seconds.
    mine = access.children(user, access.Action.READ).with_only_columns(Child.id)
    last_visit = (
        select(Record.child_id, func.max(Record.event_at).label("last_visited_at"))
        .where(Record.record_type == "visit", Record.child_id.in_(mine))
        .group_by(Record.child_id)
        .subquery()
    )
    query = (
        access.children(user, access.Action.READ)
        .add_columns(last_visit.c.last_visited_at)
        .outerjoin(last_visit, last_visit.c.child_id == Child.id)
        .order_by(Child.name)
    )
    search = search.strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(Child.name).like(pattern), func.lower(Child.reference).like(pattern))
        )
    entries = [
        CaseloadEntry(child, [CHILD_STATUSES.get(s, s) for s in child.statuses], last_visited_at)
        for child, last_visited_at in db.session.execute(query)
    ]
    if today is None:
        return entries
    due = schedules.due_lines([entry.child.id for entry in entries], today)
    entries = [replace(entry, next_due=schedules.next_due(due.get(entry.child.id, []))) for entry in entries]
    return sorted(entries, key=_urgency)


def visible_child(user: User, reference: str) -> Child:
    """Raises: ChildNotFound, for a child that does not exist or that the user may not read."""
    child = db.session.scalars(
        access.children(user, access.Action.READ).where(Child.reference == reference)
    ).one_or_none()
    if child is None:
        raise ChildNotFound(reference)
    return child


def recordable_children(user: User) -> list[Child]:
    """The children the user may record for, by name: the choices on the record forms."""
    return list(db.session.scalars(access.children(user, access.Action.RECORD).order_by(Child.name)))


def record_deadlines(user: User, today: date) -> dict:
    """The deadline table (webapp/field/deadlines.py) for the children the user may record for."""
    facts = []
    for child in recordable_children(user):
        found = _facts(child)
        if found is not None:
            facts.append(found)
    return deadline_table(facts, today)


def _facts(child: Child) -> ChildFacts | None:
    found = policy(child.team.authority)
    return ChildFacts(child.reference, found, child.team.service, child.on_child_protection_plan) if found else None


def deadlines_of(children: list[Child], now: datetime) -> Callable[[Submission], str | None]:
    """Whether the deadline of a record being read from a form has passed (Form.read's
    `deadline`), for a record about one of these children."""
    by_reference = {child.reference: child for child in children}

    def state(submission: Submission) -> str | None:
        child = by_reference.get(submission.child_reference)
        found = _facts(child) if child else None
        if found is None:
            return None
        return deadline_state(found, submission.record_type, submission.child_protection, submission.event_at, now)

    return state


@dataclass(frozen=True)
class RecordLine:
    """A record's current version and its verdict, ready for a table row."""

    uuid: str
    record_type: str
    record_type_label: str
    child_reference: str
    child_name: str
    author_name: str
    event_at: datetime
    received_at: datetime
    verdict: str | None  # "on_time", "late", or None when no verdict was computed
    cause: str | None  # why a late record was late
    words: str


def _latest_versions(*conditions):
    """Each record's current version; `conditions` narrow the records first (a million grouped is seconds)."""
    latest = (
        select(Record.uuid, func.max(Record.version).label("version"))
        .where(*conditions)
        .group_by(Record.uuid)
        .subquery()
    )
    return (
        select(Record, TimelinessCheck)
        .join(latest, (latest.c.uuid == Record.uuid) & (latest.c.version == Record.version))
        .outerjoin(TimelinessCheck, TimelinessCheck.record_uuid == Record.uuid)
    )


def _lines(rows) -> list[RecordLine]:
    lines = []
    labels_by_authority: dict[str, dict[str, str]] = {}
    for record, check in rows:
        authority = record.child.team.authority
        if authority not in labels_by_authority:
            labels_by_authority[authority] = record_type_labels(authority)
        labels = labels_by_authority[authority]
        words = (
            stored_verdict_words(check)
            if check is not None
            else "No verdict: the authority's policy did not cover this record."
        )
        lines.append(
            RecordLine(
                uuid=record.uuid,
                record_type=record.record_type,
                record_type_label=labels.get(record.record_type, record.record_type),
                child_reference=record.child.reference,
                child_name=record.child.name,
                author_name=record.author.name,
                event_at=record.event_at,
                received_at=record.received_at,
                verdict=check.verdict if check is not None else None,
                cause=check.cause if check is not None else None,
                words=words,
            )
        )
    return lines


def child_records(child: Child, limit: int = RECENT_RECORDS) -> list[RecordLine]:
    """The child's most recent records (by when the event happened), newest first."""
    rows = db.session.execute(
        _latest_versions(Record.child_id == child.id)
        .where(Record.child_id == child.id)
        .order_by(Record.event_at.desc(), Record.id.desc())
        .limit(limit)
    )
    return _lines(rows)


def authored_records(user: User, limit: int = 100) -> list[RecordLine]:
    """The user's own synced records, latest to reach the file first."""
    rows = db.session.execute(
        _latest_versions()
        .where(access.written_by(user))
        # Records sent together reach the file at the same instant: then the last finished first.
        .order_by(Record.received_at.desc(), Record.completed_at.desc().nulls_last(), Record.id.desc())
        .limit(limit)
    )
    return _lines(rows)


class RecordNotFound(Exception):
    """No such record among the user's own: another person's looks the same as none."""


@dataclass(frozen=True)
class OwnRecord:
    """One of the user's records at a chosen version, with every version for its history."""

    line: RecordLine  # the current version's verdict in words
    shown: Record  # the version on the page
    versions: list[Record]  # oldest first

    @property
    def current(self) -> Record:
        return self.versions[-1]


def own_record(user: User, record_uuid: str, version: int | None = None) -> OwnRecord:
    """Raises: RecordNotFound, for a record that does not exist, is not the user's, or lacks that version."""
    versions = list(db.session.scalars(
        select(Record).where(Record.uuid == record_uuid, access.written_by(user)).order_by(Record.version)
    ))
    if not versions:
        raise RecordNotFound(record_uuid)
    shown = versions[-1] if version is None else next((v for v in versions if v.version == version), None)
    if shown is None:
        raise RecordNotFound(record_uuid)
    check = db.session.scalar(select(TimelinessCheck).where(TimelinessCheck.record_uuid == record_uuid))
    [line] = _lines([(versions[-1], check)])
    return OwnRecord(line, shown, versions)


@dataclass(frozen=True)
class RequirementLine:
    """One requirement on the child's page: when it is due, when last met, and the rule's words."""

    due: DueLine
    quote: str | None


def child_requirements(child: Child, today: date) -> list[RequirementLine]:
    """Each requirement of the child's schedule, most urgent first, with the rule's quoted source."""
    from webapp import policies

    policy = policies.policy(child.team.authority)
    lines = []
    for due in schedules.due_lines([child.id], today).get(child.id, []):
        quote = None
        if policy is not None:
            try:
                quote = policy.schedule.rule_by_id(due.rule_id).sources[0].quote
            except (KeyError, IndexError):
                quote = None  # the policy changed since: the rule's id and window still say which
        lines.append(RequirementLine(due, quote))
    return lines
