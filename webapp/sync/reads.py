"""What a device reads back: its caseload with the forms to work offline, and its own records."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import and_, func, or_, select

from webapp import access
from webapp import policies as policy_registry
from webapp.extensions import db
from webapp.models import CHILD_STATUSES, Child, Record, TimelinessCheck, User
from webapp.record_forms import FORMS
from webapp.sync.paging import Position
from webapp.timeliness import Policy, iso_utc
from webapp.visits import schedules
from webapp.visits.schedules import today_in_london


def records_page(user: User, position: Position, page_size: int) -> tuple[list[tuple[Record, TimelinessCheck]], Position | None]:
    """One page of the user's own records, each at its current version, oldest receipt first.

    Returns the page and the position after it, or None when the page is the last.
    """
    current = (
        select(Record.uuid, func.max(Record.version).label("version"))
        .where(access.written_by(user))
        .group_by(Record.uuid)
        .subquery()
    )
    query = (
        select(Record, TimelinessCheck)
        .join(current, (Record.uuid == current.c.uuid) & (Record.version == current.c.version))
        .join(TimelinessCheck, TimelinessCheck.record_uuid == Record.uuid)
        .order_by(Record.received_at, Record.id)
        .limit(page_size + 1)
    )
    if position.since is not None:
        query = query.where(Record.received_at >= position.since)
    if position.received_at is not None:
        query = query.where(or_(
            Record.received_at > position.received_at,
            and_(Record.received_at == position.received_at, Record.id > position.record_id),
        ))
    rows = [(record, check) for record, check in db.session.execute(query)]
    if len(rows) <= page_size:
        return rows, None
    rows = rows[:page_size]
    last = rows[-1][0]
    return rows, position.after(last.received_at, last.id)


def stored_record_json(record: Record, check: TimelinessCheck) -> dict[str, Any]:
    return {
        "id": record.uuid,
        "version": record.version,
        "supersedes": record.supersedes,
        "child_id": record.child.reference,
        "record_type": record.record_type,
        "child_protection": record.child_protection,
        "event_at": iso_utc(record.event_at),
        "completed_at": iso_utc(record.completed_at) if record.completed_at else None,
        "received_at": iso_utc(record.received_at),
        "implausible": record.implausible,
        "fields": record.fields,
        "timeliness": check.as_timeliness(),
    }


def caseload(user: User, server_now: datetime, policies: Mapping[str, Policy] | None = None) -> dict[str, Any]:
    """What a device needs to work offline: the children the user may read, and each authority's record types and forms."""
    if policies is None:
        policies = policy_registry.every_policy()
    children = list(db.session.scalars(
        access.children(user, access.Action.READ).order_by(Child.name, Child.reference)
    ))
    last_visits = dict(
        db.session.execute(
            select(Record.child_id, func.max(Record.event_at))
            .where(Record.child_id.in_([child.id for child in children]), Record.record_type == "visit")
            .group_by(Record.child_id)
        ).all()
    ) if children else {}

    # Each child's requirements in words as of today, the most urgent first: the device shows
    # the server's words and works nothing out itself.
    visits_due = schedules.due_lines([child.id for child in children], today_in_london(server_now))
    authority_ids = {child.team.authority for child in children}
    if user.team is not None:
        authority_ids.add(user.team.authority)
    authorities = []
    for authority_id in sorted(authority_ids):
        policy = policies.get(authority_id)
        if policy is None:
            continue
        authorities.append({
            "id": policy.authority,
            "name": policy.name,
            "policy_version": policy.version,
            "record_types": [
                {"id": record_type, "label": label, "form": record_type if record_type in FORMS else None}
                for record_type, label in policy.record_types.items()
            ],
            "forms": {
                record_type: form.as_json()
                for record_type, form in FORMS.items()
                if record_type in policy.record_types
            },
        })

    return {
        "server_now": iso_utc(server_now),
        "user": {
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "team": user.team.name if user.team else None,
        },
        "children": [
            {
                "id": child.reference,
                "name": child.name,
                "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
                "authority": child.team.authority,
                "team": child.team.name,
                "practitioner": child.practitioner.name if child.practitioner else None,
                "statuses": child.statuses,
                "status_labels": [CHILD_STATUSES.get(s, s) for s in child.statuses],
                "child_protection": child.on_child_protection_plan,
                "last_visit_at": iso_utc(last_visits[child.id]) if child.id in last_visits else None,
                "visits_due": [due.as_json() for due in visits_due.get(child.id, [])],
            }
            for child in children
        ],
        "authorities": authorities,
    }
