"""The manager pages' queries: team timeliness, late entries, record explanations, reviews.

Everything reads TimelinessCheck, which carries copies of the columns these pages filter on,
so that a team page touches one table and its indexes.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased

from webapp.extensions import db
from webapp.manager.models import Review
from webapp.manager.schemas import PAGE_SIZE, LateEntryFilters, Period, local_midnight
from webapp.models import AuditEvent, Child, Record, Team, TimelinessCheck, User
from webapp.sync.schemas import valid_uuid
from webapp.timeliness import LONDON, Policy, PolicyError, Rule, Source, iso_utc, load_policy
from webapp.words import short_date

ON_TIME = "on_time"
LATE = "late"

check = TimelinessCheck.__table__.c


class NotFound(Exception):
    """No such record, or none this manager may see."""


class AlreadyReviewed(Exception):
    """The late entry has a review already."""


class NotLate(Exception):
    """Only late entries are reviewed."""


@dataclass(frozen=True)
class Scope:
    """Which teams' records a request may read: one team, or every team (admins)."""

    team_id: int | None

    def clause(self, team_column=check.team_id):
        return literal(True) if self.team_id is None else team_column == self.team_id


# -- team timeliness ----------------------------------------------------------------------


@dataclass
class Tally:
    """On-time and late counts for one group of records."""

    label: str
    on_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_percent(self) -> float | None:
        return 100.0 * self.on_time / self.total if self.total else None


@dataclass
class Week:
    first_day: date
    last_day: date
    tally: Tally


@dataclass
class TeamTimeliness:
    period: Period
    overall: Tally
    by_record_type: list[Tally]
    by_practitioner: list[Tally]
    late_by_cause: dict[str, int]
    weeks: list[Week]
    median_delay_seconds: float | None
    p90_delay_seconds: float | None


def _in_period(scope: Scope, period: Period):
    return and_(
        scope.clause(),
        check.received_at >= period.start_at,
        check.received_at < period.end_at,
    )


def _delay_seconds():
    """Seconds from the event to arrival on file, as a SQL expression on either database."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", check.received_at - check.event_at)
    # SQLite stores UTC text; julianday() reads it. Rounded to whole seconds, as the
    # floating-point day fraction carries about a millisecond of noise.
    return func.round((func.julianday(check.received_at) - func.julianday(check.event_at)) * 86400.0)


def delay_percentiles(scope: Scope, period: Period, fractions=(0.5, 0.9)) -> list[float | None]:
    """Continuous percentiles (linear interpolation, like percentile_cont) of the recording delay."""
    where = _in_period(scope, period)
    delay = _delay_seconds()
    if db.engine.dialect.name == "postgresql":
        columns = [func.percentile_cont(f).within_group(delay) for f in fractions]
        row = db.session.execute(select(*columns).where(where)).one()
        return [None if value is None else float(value) for value in row]

    # SQLite has no percentile_cont. Work the delay out once per row (parsing the stored
    # text is the dear part), number the rows in delay order with the count alongside, and
    # keep the one or two rows either side of each fraction's position to interpolate.
    delays = select(delay.label("delay")).where(where).subquery()
    ranked = select(
        delays.c.delay,
        func.row_number().over(order_by=delays.c.delay).label("rank"),
        func.count().over().label("n"),
    ).subquery()
    near = [
        ranked.c.rank.between(
            cast(f * (ranked.c.n - 1), Integer) + 1, cast(f * (ranked.c.n - 1), Integer) + 2
        )
        for f in fractions
    ]
    rows = db.session.execute(select(ranked.c.rank, ranked.c.delay, ranked.c.n).where(or_(*near))).all()
    return _interpolate(rows, fractions)


def _interpolate(rows, fractions) -> list[float | None]:
    """percentile_cont from (rank, value, n) rows, ranks counted from 1."""
    if not rows:
        return [None for _ in fractions]
    values = {rank: value for rank, value, _ in rows}
    count = rows[0][2]
    results = []
    for fraction in fractions:
        exact = fraction * (count - 1)
        below, weight = int(exact), exact - int(exact)
        low, high = values[below + 1], values[min(below + 2, count)]
        results.append(float(low + (high - low) * weight))
    return results


def _week_case(period: Period):
    """The week number (0 = oldest) of each record, from London-midnight week boundaries."""
    weeks = period.weeks()
    whens = [
        (check.received_at >= local_midnight(first), index)
        for index, (first, _) in reversed(list(enumerate(weeks)))
    ]
    return case(*whens[:-1], else_=0) if len(whens) > 1 else literal(0)


def team_timeliness(scope: Scope, period: Period, record_type_labels: dict[str, str]) -> TeamTimeliness:
    """Every figure on the team page, from three aggregate queries."""
    where = _in_period(scope, period)

    by_type: dict[str, Tally] = {}
    by_author: dict[int, Tally] = {}
    late_by_cause = {"recorded_late": 0, "synced_late": 0, "unknown": 0}
    overall = Tally("All records")
    weeks = [Week(first, last, Tally(f"{short_date(first)} to {short_date(last)}")) for first, last in period.weeks()]
    week = _week_case(period).label("week")
    # One pass over the period's rows (from the covering index); the few hundred groups are
    # summed up each way here.
    rows = db.session.execute(
        select(check.record_type, check.author_id, week, check.verdict, check.cause, func.count())
        .where(where)
        .group_by(check.record_type, check.author_id, week, check.verdict, check.cause)
    ).all()
    for record_type, author_id, week_index, verdict, cause, count in rows:
        tally = by_type.setdefault(
            record_type, Tally(record_type_labels.get(record_type, record_type.replace("_", " ")))
        )
        _add(tally, verdict, count)
        _add(overall, verdict, count)
        _add(by_author.setdefault(author_id, Tally("")), verdict, count)
        _add(weeks[week_index].tally, verdict, count)
        if verdict == LATE:
            late_by_cause[cause or "unknown"] = late_by_cause.get(cause or "unknown", 0) + count

    if by_author:
        names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(by_author))).all())
        for author_id, tally in by_author.items():
            tally.label = names.get(author_id, f"User {author_id}")

    median, p90 = delay_percentiles(scope, period) if overall.total else (None, None)
    return TeamTimeliness(
        period=period,
        overall=overall,
        by_record_type=sorted(by_type.values(), key=lambda t: (-t.total, t.label)),
        by_practitioner=sorted(by_author.values(), key=lambda t: t.label),
        late_by_cause=late_by_cause,
        weeks=weeks,
        median_delay_seconds=median,
        p90_delay_seconds=p90,
    )


def _add(tally: Tally, verdict: str, count: int) -> None:
    if verdict == ON_TIME:
        tally.on_time += count
    else:
        tally.late += count


# -- late entries -------------------------------------------------------------------------


_SORT_COLUMNS = {
    "received": check.received_at,
    "event": check.event_at,
    "due": check.due_at,
    "late_by": check.late_by_seconds,
}


def _filter_clauses(scope: Scope, filters: LateEntryFilters) -> list:
    clauses = [_in_period(scope, filters.period)]
    if filters.verdict != "any":
        clauses.append(check.verdict == filters.verdict)
    if filters.practitioner is not None:
        clauses.append(check.author_id == filters.practitioner)
    if filters.record_type is not None:
        clauses.append(check.record_type == filters.record_type)
    if filters.cause is not None:
        clauses.append(check.cause == filters.cause)
    if filters.child:
        text = filters.child.strip()
        children = select(Child.id).where(
            scope.clause(Child.team_id),
            or_(Child.reference == text, func.lower(Child.name).contains(text.lower(), autoescape=True)),
        )
        clauses.append(check.child_id.in_(children))
    if filters.reviewed is not None:
        # correlate_except: the list query also outer-joins Review, to show the reviewer.
        reviewed = (
            select(Review.id)
            .where(Review.timeliness_check_id == check.id)
            .correlate_except(Review)
            .exists()
        )
        clauses.append(reviewed if filters.reviewed == "yes" else ~reviewed)
    return clauses


@dataclass
class LateEntry:
    record_uuid: str
    record_type: str
    event_at: datetime
    received_at: datetime
    due_at: datetime
    verdict: str
    late_by_seconds: int
    cause: str | None
    window: str
    rule_id: str
    child_reference: str
    child_name: str
    practitioner: str
    reviewed_at: datetime | None
    reviewer: str | None
    review_note: str | None


@dataclass
class LateEntryPage:
    entries: list[LateEntry]
    total: int
    page: int
    page_size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.page_size)


def _entries_select(scope: Scope, filters: LateEntryFilters):
    reviewer = aliased(User)
    author = aliased(User)
    sort = _SORT_COLUMNS[filters.sort]
    ordering = (sort.desc(), check.id.desc()) if filters.order == "desc" else (sort.asc(), check.id.asc())
    return (
        select(
            check.record_uuid,
            check.record_type,
            check.event_at,
            check.received_at,
            check.due_at,
            check.verdict,
            check.late_by_seconds,
            check.cause,
            check.window,
            check.rule_id,
            Child.reference,
            Child.name,
            author.name,
            Review.reviewed_at,
            reviewer.name,
            Review.note,
        )
        .select_from(TimelinessCheck)
        .join(Child, Child.id == check.child_id)
        .join(author, author.id == check.author_id)
        .outerjoin(Review, Review.timeliness_check_id == check.id)
        .outerjoin(reviewer, reviewer.id == Review.reviewer_id)
        .where(*_filter_clauses(scope, filters))
        .order_by(*ordering)
    )


def late_entries(scope: Scope, filters: LateEntryFilters) -> LateEntryPage:
    total = db.session.scalar(
        select(func.count()).select_from(TimelinessCheck).where(*_filter_clauses(scope, filters))
    )
    page = min(filters.page, max(1, -(-total // PAGE_SIZE)))
    rows = db.session.execute(
        _entries_select(scope, filters).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return LateEntryPage([LateEntry(*row) for row in rows], total, page)


CSV_HEADER = [
    "record_uuid",
    "record_type",
    "child_reference",
    "child_name",
    "practitioner",
    "event_at",
    "due_at",
    "received_at",
    "verdict",
    "late_by_hours",
    "cause",
    "window",
    "rule_id",
    "reviewed_at",
    "reviewed_by",
    "review_note",
]


def late_entries_csv(scope: Scope, filters: LateEntryFilters, batch: int = 1000) -> Iterator[str]:
    """The filtered list as CSV, a batch of rows at a time.

    yield_per streams from a server-side cursor on PostgreSQL and fetches in batches on
    SQLite, so memory stays flat however many rows match.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    statement = _entries_select(scope, filters).execution_options(yield_per=batch)
    result = db.session.execute(statement)
    count = 0
    for row in result:
        entry = LateEntry(*row)
        writer.writerow(
            [
                entry.record_uuid,
                entry.record_type,
                _safe_cell(entry.child_reference),
                _safe_cell(entry.child_name),
                _safe_cell(entry.practitioner),
                iso_utc(entry.event_at),
                iso_utc(entry.due_at),
                iso_utc(entry.received_at),
                entry.verdict,
                f"{entry.late_by_seconds / 3600:.2f}",
                entry.cause or "",
                entry.window,
                entry.rule_id,
                iso_utc(entry.reviewed_at) if entry.reviewed_at else "",
                _safe_cell(entry.reviewer or ""),
                _safe_cell(entry.review_note or ""),
            ]
        )
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    result.close()
    yield buffer.getvalue()


def _safe_cell(text: str) -> str:
    """Stop a spreadsheet running a name or note that starts like a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- one record ---------------------------------------------------------------------------


@dataclass
class Explanation:
    check: TimelinessCheck
    record: Record
    child: Child
    author: User
    review: Review | None
    rule: Rule | None
    policy_name: str | None
    policy_changed: bool
    sources: tuple[Source, ...] = field(default_factory=tuple)


def find_check(scope: Scope, record_uuid: str) -> TimelinessCheck:
    """Raises: NotFound: no such record in the scope."""
    if valid_uuid(record_uuid) is None:  # e.g. a NUL, which PostgreSQL cannot even compare
        raise NotFound(record_uuid)
    found = db.session.scalar(
        select(TimelinessCheck).where(
            TimelinessCheck.record_uuid == record_uuid, scope.clause(TimelinessCheck.team_id)
        )
    )
    if found is None:
        raise NotFound(record_uuid)
    return found


def explain_record(scope: Scope, record_uuid: str, policy_dir: str) -> Explanation:
    """The record's verdict with the rule and source text it came from.

    Raises:
        NotFound: no such record in the scope.
    """
    found = find_check(scope, record_uuid)
    review = db.session.scalar(select(Review).where(Review.timeliness_check_id == found.id))
    policy = authority_policy(policy_dir, found.policy_id)
    rule = None
    if policy is not None:
        try:
            rule = policy.rule_by_id(found.rule_id)
        except KeyError:
            rule = None  # the rule was renamed or removed since the verdict
    return Explanation(
        check=found,
        record=found.record,
        child=found.child,
        author=found.author,
        review=review,
        rule=rule,
        policy_name=policy.name if policy else None,
        policy_changed=policy is not None and policy.version != found.policy_version,
        sources=rule.sources if rule else (),
    )


def authority_policy(policy_dir: str, authority: str) -> Policy | None:
    """The authority's current policy, or None when it is missing or invalid."""
    path = Path(policy_dir) / f"{authority}.yaml"
    if Path(authority).name != authority or not path.is_file():
        return None
    try:
        return _load_policy_cached(str(path), path.stat().st_mtime_ns)
    except PolicyError:
        return None


@lru_cache(maxsize=16)
def _load_policy_cached(path: str, mtime_ns: int) -> Policy:
    return load_policy(path, Path(path).parent / "sources")


def record_type_labels(policy_dir: str, teams: list[Team]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for authority in dict.fromkeys(team.authority for team in teams):
        policy = authority_policy(policy_dir, authority)
        if policy is not None:
            for key, label in policy.record_types.items():
                labels.setdefault(key, label)
    return labels


# -- reviews ------------------------------------------------------------------------------


def review_late_entry(scope: Scope, record_uuid: str, reviewer: User, note: str, now: datetime) -> Review:
    """Mark a late entry reviewed, and audit who, when and the note.

    Raises:
        NotFound: no such record in the scope.
        NotLate: the record was on time.
        AlreadyReviewed: someone has reviewed it.
    """
    found = find_check(scope, record_uuid)
    if found.verdict != LATE:
        raise NotLate(record_uuid)
    if db.session.scalar(select(Review.id).where(Review.timeliness_check_id == found.id)):
        raise AlreadyReviewed(record_uuid)
    review = Review(timeliness_check_id=found.id, reviewer_id=reviewer.id, reviewed_at=now, note=note)
    db.session.add(review)
    db.session.add(
        AuditEvent(
            at=now,
            actor_id=reviewer.id,
            action="record.reviewed",
            record_uuid=record_uuid,
            detail={"note": note, "team_id": found.team_id, "cause": found.cause},
        )
    )
    db.session.commit()
    return review


# -- who sees what ------------------------------------------------------------------------


def teams_in_scope(scope: Scope) -> list[Team]:
    statement = select(Team).order_by(Team.name)
    if scope.team_id is not None:
        statement = statement.where(Team.id == scope.team_id)
    return list(db.session.scalars(statement))


def all_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def team_practitioners(scope: Scope) -> list[User]:
    """The people whose records the filters can pick: the team's members."""
    statement = select(User).where(User.team_id.is_not(None)).order_by(User.name)
    if scope.team_id is not None:
        statement = statement.where(User.team_id == scope.team_id)
    return list(db.session.scalars(statement))


def today_in_london(now: datetime) -> date:
    return now.astimezone(LONDON).date()
