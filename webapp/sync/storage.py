"""Storing records exactly once: content hashes, versions, and the races between requests.

Rows are written with SQLAlchemy Core (one executemany per table), not ORM objects: a request
of 500 new records is four statements (records, verdicts, audit, tallies), not 1,500 objects
in a unit of work.

The unique (uuid, version) constraint decides races. A request's first versions go in with one
INSERT ... ON CONFLICT DO NOTHING (ids from RETURNING), so a record another request stored
first is skipped, not an error, and is then answered duplicate or conflict against the stored
versions. A single record or a new version is stored in its own SAVEPOINT, so a failure undoes
only that record and the loser re-reads and answers duplicate or conflict.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from webapp import access, bulk
from webapp.extensions import db
from webapp.models import Child, Record, TimelinessCheck, timeliness_answer
from webapp.sync.results import ACCEPTED, CONFLICT, DUPLICATE, REJECTED, Arrival, RecordResult
from webapp.sync.schemas import canonical_record
from webapp.sync.validation import CheckedRecord, Rejected
from webapp.sync.verdicts import judge, timeliness_check
from webapp.timeliness import implausible_completion

RECORD = Record.__table__
CHECK = TimelinessCheck.__table__


def insert_first_versions(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert these first versions in order, skipping ids stored already: {uuid: id} of those inserted."""
    found = bulk.insert_rows(RECORD, rows, skip_on=("uuid", "version"), returning=("uuid", "id"))
    return dict(found)


NOT_YOUR_RECORD = (
    "Another person's record already has this id, and only its author can change it; "
    "give this record a new id."
)


def content_hash(record: dict[str, Any]) -> str:
    canonical = json.dumps(
        canonical_record(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def stored_versions(record_uuids: set[str]) -> dict[str, list[Record]]:
    """The stored versions of each of these ids (oldest first), read in one query."""
    stored: dict[str, list[Record]] = {}
    if record_uuids:
        query = (
            select(Record)
            .where(Record.uuid.in_(sorted(record_uuids)))
            .order_by(Record.uuid, Record.version)
        )
        for row in db.session.scalars(query):
            stored.setdefault(row.uuid, []).append(row)
    return stored


def versions(record_uuid: str) -> list[Record]:
    return list(
        db.session.scalars(select(Record).where(Record.uuid == record_uuid).order_by(Record.version))
    )


@dataclass
class NewRecord:
    """A record with no stored version, ready to be stored with its verdict: the rows' values."""

    checked: CheckedRecord
    digest: str
    row: dict[str, Any]  # the record table's columns
    check: dict[str, Any]  # the timeliness_check table's, but for record_id

    def accepted(self) -> RecordResult:
        return RecordResult(
            self.checked.record["id"], ACCEPTED, {}, 1, timeliness_answer(self.check), self.row["implausible"]
        )


@dataclass
class Storage:
    """Stores the records of one request; `checks` collects the verdicts it stored."""

    arrival: Arrival

    def __post_init__(self) -> None:
        self.checks: list[dict[str, Any]] = []

    def new_record(self, checked: CheckedRecord, digest: str) -> NewRecord:
        """The first version of a record and its verdict, not yet stored.

        Raises:
            Rejected: the record cannot be judged.
        """
        record, child = checked.record, checked.child
        child_protection = record["child_protection"] or child.on_child_protection_plan
        verdict = judge(record, child, checked.policy, child_protection, self.arrival)
        row = self._new_row(record, child, digest, version=1, child_protection=child_protection)
        return NewRecord(checked, digest, row, timeliness_check(row, child, verdict, self.arrival))

    def insert_new(self, news: list[tuple[int, NewRecord]], results: list[RecordResult | None]) -> set[int]:
        """Store these first versions (in id order) and their verdicts, skipping any whose id
        is stored already; answer those stored, and return the indexes of those skipped.

        Skipping, rather than failing on the unique (uuid, version) key, needs no SAVEPOINT:
        when another request is storing the same id, PostgreSQL waits for it to end, then
        skips the row if it committed (and stores it if it rolled back).
        """
        if not news:
            return set()
        inserted = insert_first_versions([new.row for _, new in news])
        checks = [{**new.check, "record_id": inserted[new.row["uuid"]]}
                  for _, new in news if new.row["uuid"] in inserted]
        if checks:
            bulk.insert_rows(CHECK, checks)
            self.checks += checks
        skipped = set()
        for i, new in news:
            if new.row["uuid"] in inserted:
                results[i] = new.accepted()
            else:
                skipped.add(i)
        return skipped

    def _insert(self, news: list[NewRecord]) -> None:
        """The records, then their verdicts with the records' ids (RETURNING, in the same order)."""
        ids = db.session.execute(
            insert(RECORD).returning(RECORD.c.id, sort_by_parameter_order=True), [new.row for new in news]
        ).scalars().all()
        checks = [{**new.check, "record_id": record_id} for new, record_id in zip(news, ids)]
        bulk.insert_rows(CHECK, checks)
        self.checks += checks

    def store(self, checked: CheckedRecord, digest: str) -> RecordResult:
        """Store one record in its own SAVEPOINT, after reading its stored versions.

        Raises:
            Rejected: the record cannot be judged.
        """
        record = checked.record
        found = versions(record["id"])
        if found:
            return self.against_stored(record, digest, found)
        new = self.new_record(checked, digest)
        try:
            with db.session.begin_nested():
                self._insert([new])
        except IntegrityError:
            # Another request stored this record first: answer as if this one came second.
            return self.against_stored(record, digest, versions(record["id"]))
        return new.accepted()

    def against_stored(
        self, record: dict[str, Any], digest: str, stored: list[Record], retries: int = 1
    ) -> RecordResult:
        """A record whose id is stored already: a resend, a conflict, or a new version."""
        user = self.arrival.user
        first, current = stored[0], stored[-1]
        check = db.session.scalar(select(TimelinessCheck).where(TimelinessCheck.record_uuid == first.uuid))
        timeliness = check.as_timeliness() if check is not None else None
        same = next((version for version in stored if version.content_hash == digest), None)
        if same is not None:
            return RecordResult(record["id"], DUPLICATE, {}, same.version, timeliness, same.implausible)

        if not access.may_change_record(user, first):
            # Not even a teammate learns another person's version or verdict from a clash.
            return RecordResult(record["id"], CONFLICT, {"id": [NOT_YOUR_RECORD]})

        def conflict(errors: dict[str, list[str]]) -> RecordResult:
            return RecordResult(record["id"], CONFLICT, errors, current.version, timeliness)

        if record["supersedes"] is None:
            return conflict({"id": [
                f"A different record with this id is stored (version {current.version}). To change it, "
                f"send it with supersedes: {current.version}; otherwise give this record a new id."
            ]})
        if record["supersedes"] != current.version:
            return conflict({"supersedes": [
                f"The current version is {current.version}; this change was made to version "
                f"{record['supersedes']}. Fetch the current version and make the change again."
            ]})
        if current.child.reference != record["child_id"] or current.record_type != record["record_type"]:
            return conflict({"child_id": [
                "A new version must keep the record's child and record type; write a new record instead."
            ]})

        # Once child protection, always: a new version cannot downgrade the record.
        child_protection = record["child_protection"] or current.child_protection or current.child.on_child_protection_plan
        row = self._new_row(
            record, current.child, digest, version=current.version + 1,
            child_protection=child_protection, supersedes=current.version,
        )
        try:
            with db.session.begin_nested():
                db.session.execute(insert(RECORD), row)
        except IntegrityError:
            if retries <= 0:
                raise
            return self.against_stored(record, digest, versions(record["id"]), retries - 1)
        return RecordResult(record["id"], ACCEPTED, {}, row["version"], timeliness, row["implausible"])

    def _new_row(
        self, record: dict[str, Any], child: Child, digest: str, version: int, child_protection: bool,
        supersedes: int | None = None,
    ) -> dict[str, Any]:
        arrival = self.arrival
        corrected = record["completed_at"] + arrival.skew
        return {
            "uuid": record["id"],
            "version": version,
            "supersedes": supersedes,
            "child_id": child.id,
            "author_id": arrival.user.id,
            "record_type": record["record_type"],
            "child_protection": child_protection,
            "event_at": record["event_at"],
            "completed_at": record["completed_at"],
            "received_at": arrival.server_now,
            "device_id": arrival.device_id,
            "fields": record["fields"],
            "content_hash": digest,
            "implausible": implausible_completion(record["event_at"], corrected, arrival.server_now) is not None,
            "sync_request_id": arrival.sync_request_id,
        }
