"""Per-team daily tallies of timeliness verdicts, kept in the same transaction as each verdict.

A team page for a long period would otherwise count every `timeliness_check` row of the
period (half a million for a year of a busy team). Instead each stored verdict adds one to

- `type_tally`: (team, London day received, record type, verdict, cause): the overall figures,
  the weeks, the record types and the causes of lateness;
- `author_tally`: (team, London day received, author, verdict): the practitioners; and
- `delay_tally`: (team, London day received, delay bucket), the bucket of its recording delay,

so the page sums a few dozen rows per day of the period. One tally per dimension the page
shows, rather than one keyed by all of them: a key of type, author, verdict and cause together
holds nearly every combination each day (about 187 rows a day at 1,000,000 records), while
the two narrower tallies hold about a quarter of that between them. The delay percentiles stay
exact: the buckets say which bucket holds the wanted rank, and the rows of that one bucket
are then read from `timeliness_check` by the `(team_id, delay_seconds, received_at)` index.

Every insert into `timeliness_check` counts: the sync service calls `count` with the rows it
inserted; ORM inserts are counted by a mapper event. `recount` rebuilds both tables from the
raw rows (what the tests compare the tallies with; the migration that added them counts with
its own frozen copy of these rules, so it never imports this module).
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import date, datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, delete, event, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from webapp import bulk
from webapp.extensions import db
from webapp.models import TimelinessCheck
from webapp.timeliness import LONDON

# Delay buckets: below a minute, then each 5 % wider than the one before, up to 60 years.
# Bucket b holds delays in [BUCKET_STARTS[b], BUCKET_STARTS[b + 1]).
BUCKET_STARTS: list[int] = [-(2**62), 60]
while BUCKET_STARTS[-1] < 60 * 365 * 86400:
    BUCKET_STARTS.append(max(BUCKET_STARTS[-1] + 1, round(BUCKET_STARTS[-1] * 1.05)))
BUCKET_STARTS.append(2**62)


# models.delay_seconds in SQL: the tests' recount (the migration that added the column keeps
# its own copy). SQLite holds instants as naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff": whole
# seconds from strftime('%s') of the text without its fraction (SQLite would round a fraction
# to milliseconds, and .999999 up to the next second), then one second less when the
# microseconds run backwards.
DELAY_SQL = {
    "sqlite": (
        "(CAST(strftime('%s', substr(received_at, 1, 19)) AS INTEGER)"
        " - CAST(strftime('%s', substr(event_at, 1, 19)) AS INTEGER))"
        " + ((CAST(substr(received_at, 21, 6) AS INTEGER) - CAST(substr(event_at, 21, 6) AS INTEGER)"
        " + 1000000) / 1000000) - 1"
    ),
    "postgresql": "CAST(floor(extract(epoch FROM received_at - event_at)) AS INTEGER)",
}


def delay_bucket(delay_seconds: int) -> int:
    return bisect_right(BUCKET_STARTS, delay_seconds) - 1


def day_number(received_at: datetime) -> int:
    """The London date an instant falls on, as `date.toordinal()`: weeks are integer arithmetic."""
    return received_at.astimezone(LONDON).date().toordinal()


def day_of(number: int) -> date:
    return date.fromordinal(number)


class TypeTally(db.Model):
    """How many of a team's records of one type got one verdict (and cause) on one day."""

    __tablename__ = "type_tally"
    __table_args__ = (
        UniqueConstraint("team_id", "day", "record_type", "verdict", "cause", name="uq_type_tally_group"),
        # The team page reads a team's days from this index alone, counts included.
        Index("ix_type_tally_covering", "team_id", "day", "record_type", "verdict", "cause", "records"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    day: Mapped[int] = mapped_column(Integer)  # day_number of received_at
    record_type: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(10))
    cause: Mapped[str] = mapped_column(String(20))  # "" when none (on time), so the key is unique
    records: Mapped[int] = mapped_column(Integer)


class AuthorTally(db.Model):
    """How many of one practitioner's records got one verdict on one day."""

    __tablename__ = "author_tally"
    __table_args__ = (
        UniqueConstraint("team_id", "day", "author_id", "verdict", name="uq_author_tally_group"),
        Index("ix_author_tally_covering", "team_id", "day", "author_id", "verdict", "records"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    day: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    verdict: Mapped[str] = mapped_column(String(10))
    records: Mapped[int] = mapped_column(Integer)


class DelayTally(db.Model):
    """How many of a team's records arrived on one day with a delay in one bucket."""

    __tablename__ = "delay_tally"
    __table_args__ = (
        UniqueConstraint("team_id", "day", "bucket", name="uq_delay_tally_group"),
        Index("ix_delay_tally_covering", "team_id", "day", "bucket", "records"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    day: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)


TYPES = TypeTally.__table__
AUTHORS = AuthorTally.__table__
DELAYS = DelayTally.__table__
TYPE_KEY = ("team_id", "day", "record_type", "verdict", "cause")
AUTHOR_KEY = ("team_id", "day", "author_id", "verdict")
DELAY_KEY = ("team_id", "day", "bucket")
# Each tally with its key, in the order `stored` and `counted_from_rows` give them.
TABLES = ((TYPES, TYPE_KEY), (AUTHORS, AUTHOR_KEY), (DELAYS, DELAY_KEY))


def _counters(checks: Iterable[Mapping[str, Any]]) -> tuple[Counter, Counter, Counter]:
    types: Counter = Counter()
    authors: Counter = Counter()
    delays: Counter = Counter()
    for check in checks:
        day = day_number(check["received_at"])
        team = check["team_id"]
        types[team, day, check["record_type"], check["verdict"], check["cause"] or ""] += 1
        authors[team, day, check["author_id"], check["verdict"]] += 1
        delays[team, day, delay_bucket(check["delay_seconds"])] += 1
    return types, authors, delays


def _upsert(connection: Connection, table, key: tuple[str, ...], counts: Counter) -> None:
    """Add the counts, in key order (concurrent requests then lock rows in one order)."""
    rows = [{**dict(zip(key, group)), "records": n} for group, n in sorted(counts.items())]
    bulk.add_to_rows(connection, table, key, "records", rows)


def count(connection: Connection, checks: Iterable[Mapping[str, Any]]) -> None:
    """Add newly inserted timeliness_check rows (their column values) to the tallies."""
    for (table, key), counts in zip(TABLES, _counters(checks)):
        _upsert(connection, table, key, counts)


@event.listens_for(TimelinessCheck, "after_insert")
def _count_orm_insert(mapper, connection: Connection, target: TimelinessCheck) -> None:
    count(connection, [{name: getattr(target, name) for name in
                        ("team_id", "received_at", "record_type", "author_id", "verdict", "cause",
                         "delay_seconds")}])


def counted_from_rows(connection: Connection) -> tuple[Counter, Counter, Counter]:
    """What the tallies must hold, counted afresh from every timeliness_check row."""
    check = TimelinessCheck.__table__.c
    rows = connection.execute(
        select(check.team_id, check.received_at, check.record_type, check.author_id, check.verdict,
               check.cause, check.delay_seconds).execution_options(yield_per=10_000)
    ).mappings()
    return _counters(rows)


def stored(connection: Connection) -> tuple[Counter, Counter, Counter]:
    """What the tallies hold."""
    return tuple(
        Counter({tuple(row[:-1]): row[-1] for row in connection.execute(
            select(*(table.c[name] for name in key), table.c.records))})
        for table, key in TABLES
    )


def recount(connection: Connection) -> None:
    """Rebuild every tally from the timeliness_check rows."""
    counted = counted_from_rows(connection)
    for (table, key), counts in zip(TABLES, counted):
        connection.execute(delete(table))
        rows = [{**dict(zip(key, group)), "records": n} for group, n in counts.items()]
        for start in range(0, len(rows), 10_000):
            connection.execute(table.insert(), rows[start:start + 10_000])
