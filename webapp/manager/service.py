"""The manager pages' queries: team timeliness, late entries, record explanations, reviews.

Everything reads TimelinessCheck, which carries copies of the columns these pages filter on,
so that a team page touches one table and its indexes.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterator

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import aliased

from webapp import policies
from webapp.access import Scope
from webapp.extensions import db
from webapp.field.verdict_words import stored_verdict_words
from webapp.manager import tallies
from webapp.manager.models import Review
from webapp.manager.formatting import (
    Finish,
    cause_sentence,
    cause_words,
    due_words,
    event_words,
    rule_sentence,
)
from webapp.manager.schemas import PAGE_SIZE, VERDICTS, LateEntryFilters, Period
from webapp.models import AuditEvent, Child, Record, Team, TimelinessCheck, User
from webapp.record_forms import VISIT_TYPES
from webapp.sync.schemas import valid_uuid
from webapp.timeliness.windows import names_a_day_window
from webapp.timeliness import (
    LONDON,
    Policy,
    Rule,
    Source,
    iso_utc,
    load_catalogue,
)
from webapp.words import clock_words, duration_words, numeric_datetime, short_date

ON_TIME = "on_time"
LATE = "late"

check = TimelinessCheck.__table__.c


class NotFound(Exception):
    """No such record, or none in the scope the user may see."""


class AlreadyReviewed(Exception):
    """The late entry has a review already."""


class NotLate(Exception):
    """Only late entries are reviewed."""


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


def delay_percentiles(scope: Scope, period: Period, fractions=(0.5, 0.9)) -> list[float | None]:
    """Continuous percentiles (linear interpolation, like percentile_cont) of the recording delay.

    The period's delay tallies (tallies.py) give the count and which bucket holds each rank
    wanted; only that bucket's rows are then read, in delay order, from the
    (team_id, delay_seconds, received_at) index. Exact, and the same on both databases.
    """
    d = tallies.DELAYS.c
    histogram = db.session.execute(
        select(d.bucket, func.sum(d.records))
        .where(scope.clause(d.team_id), d.day >= period.first_day.toordinal(), d.day <= period.last_day.toordinal())
        .group_by(d.bucket)
        .order_by(d.bucket)
    ).all()
    count = sum(n for _, n in histogram)
    if not count:
        return [None for _ in fractions]

    def value_at(rank: int) -> int | None:
        """The delay of the rank-th row (from 0) of the period in delay order."""
        before = 0
        for bucket, n in histogram:
            if rank < before + n:
                return db.session.scalar(
                    select(check.delay_seconds)
                    .where(
                        _in_period(scope, period),
                        check.delay_seconds >= tallies.BUCKET_STARTS[bucket],
                        check.delay_seconds < tallies.BUCKET_STARTS[bucket + 1],
                    )
                    .order_by(check.delay_seconds)
                    .offset(rank - before)
                    .limit(1)
                )
            before += n
        return None

    results = []
    for fraction in fractions:
        exact = fraction * (count - 1)
        below, weight = int(exact), exact - int(exact)
        low = value_at(below)
        high = value_at(below + 1) if weight and below + 1 < count else low
        results.append(None if low is None or high is None else float(low + (high - low) * weight))
    return results


def team_timeliness(scope: Scope, period: Period, record_type_labels: dict[str, str]) -> TeamTimeliness:
    """Every figure on the team page, from the period's daily tallies (tallies.py)."""
    t = tallies.TALLY.c
    first, last = period.first_day.toordinal(), period.last_day.toordinal()
    where = and_(scope.clause(t.team_id), t.day >= first, t.day <= last)

    by_type: dict[str, Tally] = {}
    by_author: dict[int, Tally] = {}
    late_by_cause = {"recorded_late": 0, "synced_late": 0, "unknown": 0}
    overall = Tally("All records")
    weeks = [Week(first, last, Tally(f"{short_date(first)} to {short_date(last)}")) for first, last in period.weeks()]
    # One pass over the period's tallies (from their covering index), grouped by every
    # dimension at once; the groups (a few thousand for a year) are summed up each way here.
    # Weeks are counted back from the last day: whole weeks before it, in integer arithmetic.
    weeks_back = ((literal(last) - t.day) // 7).label("weeks_back")
    rows = db.session.execute(
        select(weeks_back, t.record_type, t.author_id, t.verdict, t.cause, func.sum(t.records))
        .where(where)
        .group_by(weeks_back, t.record_type, t.author_id, t.verdict, t.cause)
    ).all()
    for back, record_type, author_id, verdict, cause, count in rows:
        tally = by_type.get(record_type)
        if tally is None:
            label = record_type_labels.get(record_type, record_type.replace("_", " "))
            tally = by_type[record_type] = Tally(label)
        _add(tally, verdict, count)
        _add(overall, verdict, count)
        _add(by_author.setdefault(author_id, Tally("")), verdict, count)
        _add(weeks[len(weeks) - 1 - back].tally, verdict, count)
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


# The managers' CSV: headings and values in words, London times, one row per entry. Every
# column is described in the README ("Exporting late entries"), with the raw variant's.
CSV_COLUMNS = [
    "Child's reference",
    "Child's name",
    "Record",
    "Visit type",
    "Child protection",
    "Team",
    "Practitioner",
    "Visit or event",
    "Finished on the tablet",
    "Tablet's clock",
    "Received",
    "Time limit",
    "Due by",
    "On time or late",
    "Late by (hours)",
    "Late by",
    "Cause",
    "Reviewed",
    "Reviewed by",
    "Reviewed on",
    "Review note",
    "Record ID",
]
# The analysts' CSV (?format=raw): codes, ISO 8601 UTC instants and plain numbers.
RAW_CSV_COLUMNS = [
    "record_uuid",
    "authority",
    "team",
    "child_reference",
    "child_name",
    "practitioner",
    "record_type",
    "visit_type",
    "child_protection",
    "event_at",
    "completed_at",
    "completed_at_corrected",
    "skew_seconds",
    "received_at",
    "window",
    "due_at",
    "verdict",
    "late_by_seconds",
    "late_by_working_days",
    "cause",
    "rule_id",
    "policy_version",
    "reviewed_at",
    "reviewed_by",
    "review_note",
]
VISIT_TYPE_NAMES = dict(VISIT_TYPES)
# Excel opens a CSV as UTF-8 only when it starts with a byte order mark; without one, names
# such as "Zoë" come out garbled.
BYTE_ORDER_MARK = "\ufeff"


@dataclass
class ExportRow(LateEntry):
    """A late entry with the columns only the CSV shows."""

    authority: str
    team: str
    late_by_working_days: int | None
    completed_at_corrected: datetime | None
    skew_seconds: float
    policy_version: str
    completed_at: datetime | None
    child_protection: bool
    visit_type: str | None

    @property
    def finish(self) -> Finish:
        return Finish(
            self.completed_at,
            self.completed_at_corrected,
            self.skew_seconds,
            self.event_at,
            self.received_at,
            self.record_type,
        )


def _export_select(scope: Scope, filters: LateEntryFilters):
    return (
        _entries_select(scope, filters)
        .add_columns(
            check.policy_id,
            Team.name,
            check.late_by_working_days,
            check.completed_at_corrected,
            check.skew_seconds,
            check.policy_version,
            Record.completed_at,
            Record.child_protection,
            Record.fields["visit_type"].as_string(),
        )
        .join(Team, Team.id == check.team_id)
        .join(Record, Record.id == check.record_id)
    )


def _manager_cells(entry: ExportRow, labels: dict[str, str]) -> list:
    late = entry.verdict == LATE
    when = lambda instant: numeric_datetime(instant) if instant else ""  # noqa: E731
    return [
        entry.child_reference,
        entry.child_name,
        labels.get(entry.record_type, entry.record_type.replace("_", " ").capitalize()),
        VISIT_TYPE_NAMES.get(entry.visit_type, entry.visit_type or ""),
        "Yes" if entry.child_protection else "No",
        entry.team,
        entry.practitioner,
        when(entry.event_at),
        when(entry.completed_at_corrected),
        clock_words(entry.skew_seconds) if entry.completed_at else "",
        when(entry.received_at),
        entry.window,
        when(entry.due_at - timedelta(minutes=1) if names_a_day_window(entry.window) else entry.due_at),
        VERDICTS[entry.verdict],
        f"{entry.late_by_seconds / 3600:.2f}" if late else "",
        duration_words(entry.late_by_seconds) if late else "",
        cause_words(entry.cause, entry.finish),
        ("Yes" if entry.reviewed_at else "No") if late else "",
        entry.reviewer or "",
        when(entry.reviewed_at),
        entry.review_note or "",
        entry.record_uuid,
    ]


def _raw_cells(entry: ExportRow, labels: dict[str, str]) -> list:
    instant = lambda value: iso_utc(value) if value else ""  # noqa: E731
    return [
        entry.record_uuid,
        entry.authority,
        entry.team,
        entry.child_reference,
        entry.child_name,
        entry.practitioner,
        entry.record_type,
        entry.visit_type or "",
        "true" if entry.child_protection else "false",
        instant(entry.event_at),
        instant(entry.completed_at),
        instant(entry.completed_at_corrected),
        entry.skew_seconds,
        instant(entry.received_at),
        entry.window,
        instant(entry.due_at),
        entry.verdict,
        entry.late_by_seconds,
        "" if entry.late_by_working_days is None else entry.late_by_working_days,
        entry.cause or "",
        entry.rule_id,
        entry.policy_version,
        instant(entry.reviewed_at),
        entry.reviewer or "",
        entry.review_note or "",
    ]


def late_entries_csv(
    scope: Scope,
    filters: LateEntryFilters,
    labels: dict[str, str] | None = None,
    raw: bool = False,
    batch: int = 1000,
) -> Iterator[str]:
    """The filtered list as CSV, a batch of rows at a time: in words for managers, or raw.

    yield_per streams from a server-side cursor on PostgreSQL and fetches in batches on
    SQLite, so memory stays flat however many rows match.
    """
    labels = labels or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if raw:
        cells, header = _raw_cells, RAW_CSV_COLUMNS
    else:
        cells, header = _manager_cells, CSV_COLUMNS
        buffer.write(BYTE_ORDER_MARK)
    writer.writerow(header)
    statement = _export_select(scope, filters).execution_options(yield_per=batch)
    result = db.session.execute(statement)
    count = 0
    for row in result:
        writer.writerow([_safe_cell(cell) for cell in cells(ExportRow(*row), labels)])
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    result.close()
    yield buffer.getvalue()


# What a spreadsheet may take for the start of a formula, even after spaces: the ASCII signs,
# their full-width forms (which some Excel locales also accept), and tab, CR and LF.
_FORMULA_STARTS = tuple("=+-@\t\r\n＝＋－＠")


def _safe_cell(value):
    """Stop a spreadsheet running a cell's text as a formula: a leading apostrophe makes it text.

    Numbers are left alone, so that a negative clock skew stays a number.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


# -- one record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A sentence of the council's document, once, with the sections it appears in."""

    text: str
    sections: tuple[str, ...]


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
    record_label: str
    sources: tuple[Source, ...] = field(default_factory=tuple)
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    document: str | None = None

    @property
    def council(self) -> str:
        return self.policy_name or self.check.policy_id

    @property
    def rule_sentence(self) -> str:
        return rule_sentence(
            self.council,
            self.record_label,
            self.check.window,
            self.check.record_type,
            general=self.rule is not None and self.rule.record_type is None,
            conditions=self.rule.conditions if self.rule else {},
        )

    @property
    def event(self) -> str:
        """'the visit' or 'the event'."""
        return event_words(self.check.record_type)

    @property
    def finish(self) -> Finish:
        check = self.check
        return Finish(
            self.record.completed_at,
            check.completed_at_corrected,
            check.skew_seconds,
            check.event_at,
            check.received_at,
            check.record_type,
        )

    @property
    def cause_sentence(self) -> str:
        return cause_sentence(self.check.cause, self.author.name, self.finish)

    @property
    def due_words(self) -> str:
        return due_words(self.check.due_at, self.check.window)

    @property
    def verdict_words(self) -> str:
        """The verdict in the words the practitioner reads too."""
        return stored_verdict_words(self.check)


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


def explain_record(scope: Scope, record_uuid: str) -> Explanation:
    """The record's verdict with the rule and the council's words it came from.

    Raises:
        NotFound: no such record in the scope.
    """
    found = find_check(scope, record_uuid)
    review = db.session.scalar(select(Review).where(Review.timeliness_check_id == found.id))
    policy = policies.policy(found.policy_id)
    rule = None
    if policy is not None:
        try:
            rule = policy.rule_by_id(found.rule_id)
        except KeyError:
            rule = None  # the rule was renamed or removed since the verdict
    sources = rule.sources if rule else ()
    quotes, document = _quotes(policy, sources)
    labels = policy.record_types if policy else {}
    return Explanation(
        check=found,
        record=found.record,
        child=found.child,
        author=found.author,
        review=review,
        rule=rule,
        policy_name=policy.name if policy else None,
        policy_changed=policy is not None and policy.version != found.policy_version,
        record_label=labels.get(found.record_type, found.record_type.replace("_", " ").capitalize()),
        sources=sources,
        quotes=quotes,
        document=document,
    )


def _quotes(policy: Policy | None, sources: tuple[Source, ...]) -> tuple[tuple[Quote, ...], str | None]:
    """Each distinct quote once with the sections it comes from, and the document's title.

    A rule often cites the same words on many lines (Norfolk's visit row repeats "Within 2
    working days of visit" for ten kinds of visit); the reader needs them once.
    """
    if policy is None or not sources:
        return (), None
    try:
        catalogue = load_catalogue(policies.policy_dir() / "sources")
    except FileNotFoundError:
        catalogue = None
    sections: dict[str, list[str]] = {}
    for source in sources:
        text = " ".join(source.quote.replace("**", "").split())
        entry = catalogue.entry(policy.catalogue_authority, source.catalogue_id) if catalogue else None
        found = sections.setdefault(text, [])
        if entry is not None and entry.heading and entry.heading not in found:
            found.append(entry.heading)
    document = catalogue.documents.get(policy.catalogue_authority) if catalogue else None
    return tuple(Quote(text, tuple(headings)) for text, headings in sections.items()), document


def team_record_type_labels(teams: list[Team]) -> dict[str, str]:
    """The record types of these teams' authorities and their names; where two name a type, the first wins."""
    labels: dict[str, str] = {}
    for authority in dict.fromkeys(team.authority for team in teams):
        for key, label in policies.record_type_labels(authority).items():
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
