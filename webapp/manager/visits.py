"""The Visits page: which of the team's children must be seen soon, and how often visits were in time.

Everything here reads the stored schedule answers (`VisitDue`, `VisitCheck`; see
webapp/visits/schedules.py), within the teams `webapp/access.py` gives the request. Statuses
are worked out for the day the page is read, from the stored dates.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from sqlalchemy import case, func, select

from webapp.access import Scope
from webapp.extensions import db
from webapp.manager.schemas import PAGE_SIZE, VisitFilters
from webapp.models import Child, User, VisitCheck, VisitDue
from webapp.timeliness.calendar import default_calendar
from webapp.visits import schedules
from webapp.visits.schedules import DueLine
from webapp.words import long_date

VISIT = "visit"
SEEN_ALONE_OR_BEDROOM = ("seen_alone", "bedroom_seen")
NOT_ALLOCATED = "Not allocated"


@dataclass(frozen=True)
class DueChild:
    practitioner: str
    child_reference: str
    child_name: str
    due: DueLine


@dataclass(frozen=True)
class PractitionerCounts:
    practitioner_id: int | None
    practitioner: str
    overdue: int
    due_soon: int


@dataclass(frozen=True)
class Share:
    """Visits that saw the child in a period, and how many were within the schedule's timescale."""

    visits: int
    within: int

    @property
    def percent(self) -> int | None:
        return None if not self.visits else round(100 * self.within / self.visits)


@dataclass
class VisitsPage:
    counts: list[PractitionerCounts]
    due: list[DueChild]
    total: int
    page: int
    not_seen: list[DueChild]
    share: Share
    share_by_practitioner: list[tuple[str, Share]]
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def overdue(self) -> int:
        return sum(row.overdue for row in self.counts)

    @property
    def due_soon(self) -> int:
        return sum(row.due_soon for row in self.counts)


def _due_query(scope: Scope, filters: VisitFilters, today: date, requirements):
    query = (
        select(VisitDue, Child.reference, Child.name, User.name)
        .join(Child, Child.id == VisitDue.child_id)
        .outerjoin(User, User.id == Child.practitioner_id)
        .where(scope.clause(VisitDue.team_id), VisitDue.requirement.in_(requirements))
    )
    if filters.practitioner is not None:
        query = query.where(Child.practitioner_id == filters.practitioner)
    return query


def _children(rows, today: date) -> list[DueChild]:
    calendar = default_calendar()
    return [
        DueChild(practitioner or NOT_ALLOCATED, reference, name, schedules.line(due, today, calendar))
        for due, reference, name, practitioner in rows
    ]


def visits_page(scope: Scope, filters: VisitFilters, today: date, page_size: int = PAGE_SIZE) -> VisitsPage:
    schedules.refresh_rechecks(today, team_ids=None if scope.team_id is None else [scope.team_id])
    attention = schedules.attention_clause(today)
    overdue = VisitDue.due_by < today

    counts_query = (
        select(
            Child.practitioner_id, User.name,
            func.sum(case((overdue, 1), else_=0)), func.sum(case((overdue, 0), else_=1)),
        )
        .select_from(VisitDue)
        .join(Child, Child.id == VisitDue.child_id)
        .outerjoin(User, User.id == Child.practitioner_id)
        .where(scope.clause(VisitDue.team_id), VisitDue.requirement == VISIT, attention)
        .group_by(Child.practitioner_id, User.name)
        .order_by(User.name)
    )
    if filters.practitioner is not None:
        counts_query = counts_query.where(Child.practitioner_id == filters.practitioner)
    counts = [
        PractitionerCounts(practitioner_id, name or NOT_ALLOCATED, int(late or 0), int(soon or 0))
        for practitioner_id, name, late, soon in db.session.execute(counts_query)
    ]
    total = sum(row.overdue + row.due_soon for row in counts)
    page = min(filters.page, max(1, -(-total // page_size)))
    due_rows = db.session.execute(
        _due_query(scope, filters, today, (VISIT,)).where(attention)
        .order_by(User.name, VisitDue.due_by, Child.name, VisitDue.id)
        .limit(page_size).offset((page - 1) * page_size)
    )
    not_seen_rows = db.session.execute(
        _due_query(scope, filters, today, SEEN_ALONE_OR_BEDROOM).where(overdue)
        .order_by(User.name, VisitDue.due_by, Child.name, VisitDue.id)
        .limit(page_size)
    )
    share, by_practitioner = visit_share(scope, filters)
    return VisitsPage(
        counts=counts, due=_children(due_rows, today), total=total, page=page,
        not_seen=_children(not_seen_rows, today), share=share, share_by_practitioner=by_practitioner,
        page_size=page_size,
    )


def visit_share(scope: Scope, filters: VisitFilters) -> tuple[Share, list[tuple[str, Share]]]:
    """The period's visits that saw the child, and how many were within timescale: all, and by who made them."""
    within = func.sum(case((VisitCheck.within, 1), else_=0))
    query = (
        select(User.name, func.count(), within)
        .select_from(VisitCheck)
        .join(User, User.id == VisitCheck.author_id)
        .where(
            scope.clause(VisitCheck.team_id),
            VisitCheck.visited_on >= filters.period.first_day,
            VisitCheck.visited_on <= filters.period.last_day,
        )
        .group_by(User.name)
        .order_by(User.name)
    )
    if filters.practitioner is not None:
        query = query.where(VisitCheck.author_id == filters.practitioner)
    by_practitioner = [(name, Share(int(count), int(met or 0))) for name, count, met in db.session.execute(query)]
    total = Share(sum(s.visits for _, s in by_practitioner), sum(s.within for _, s in by_practitioner))
    return total, by_practitioner


CSV_HEADER = ("Practitioner", "Child", "Reference", "Requirement", "Status", "Due by", "When", "Last met", "Rule")


def visits_csv(scope: Scope, filters: VisitFilters, today: date) -> Iterator[str]:
    """Every child overdue or due soon, and every seen-alone or bedroom requirement overdue, in words."""
    schedules.refresh_rechecks(today, team_ids=None if scope.team_id is None else [scope.team_id])
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_HEADER)
    yield flush()
    queries = (
        _due_query(scope, filters, today, (VISIT,)).where(schedules.attention_clause(today)),
        _due_query(scope, filters, today, SEEN_ALONE_OR_BEDROOM).where(VisitDue.due_by < today),
    )
    for query in queries:
        rows = db.session.execute(query.order_by(User.name, VisitDue.due_by, Child.name, VisitDue.id))
        for child in _children(rows, today):
            due = child.due
            writer.writerow((
                child.practitioner, child.child_name, child.child_reference, due.label, due.tag[0],
                long_date(due.due_by) if due.due_by else "", due.words, due.last_met_words,
                f"{due.window}, {due.episode_kind.replace('_', ' ')} ({due.rule_id})",
            ))
            yield flush()
