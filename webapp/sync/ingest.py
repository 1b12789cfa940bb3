"""Taking in a sync request: each record is checked, stored exactly once, judged and audited.

One bad record never blocks the others: every record is checked and judged on its own, and the
new records of a request are stored together (see storage.py for how races are settled).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import insert, update

from webapp import bulk
from webapp import policies as policy_registry
from webapp.extensions import db
from webapp.manager import tallies
from webapp.models import AuditEvent, SyncRequest, User
from webapp.sync.results import (
    ACCEPTED,
    CONFLICT,
    DUPLICATE,
    REJECTED,
    STATUSES,
    Arrival,
    RecordResult,
    SyncOutcome,
)
from webapp.sync.schemas import record_id_of, valid_uuid
from webapp.sync.storage import NewRecord, Storage, content_hash, stored_versions
from webapp.sync.validation import CheckedRecord, RecordChecks, Rejected, read_envelope
from webapp.timeliness import Policy
from webapp.visits import schedules
from webapp.visits.schedules import today_in_london

SYNC_REQUEST = SyncRequest.__table__
AUDIT_EVENT = AuditEvent.__table__

# A device clock more than this far from the server's is flagged (timeliness.md).
SKEW_TOLERANCE = timedelta(minutes=5)


def ingest(
    user: User,
    envelope: Any,
    server_now: datetime,
    *,
    policies: Mapping[str, Policy] | None = None,
    max_records: int | None = None,
    commit: bool = True,
) -> SyncOutcome:
    """Store and judge every record of one sync request, and commit (unless told not to).

    Raises:
        TooManyRecords: more records than the limit; nothing is stored.
        MalformedEnvelope: the request itself is unusable; nothing is stored.
        PolicyError: a policy file is invalid; nothing is stored.
    """
    if max_records is None:
        max_records = current_app.config["SYNC_MAX_RECORDS"]
    data = read_envelope(envelope, max_records)
    if policies is None:
        policies = policy_registry.every_policy()

    skew = server_now - data["device_now"]
    skew_flagged = abs(skew) > SKEW_TOLERANCE
    raws = data["records"]
    sync_request_id = db.session.execute(
        insert(SYNC_REQUEST).returning(SYNC_REQUEST.c.id),
        {
            "user_id": user.id,
            "device_id": data["device_id"],
            "device_now": data["device_now"],
            "server_now": server_now,
            "skew_seconds": skew.total_seconds(),
            "skew_flagged": skew_flagged,
            "received_count": len(raws),
        },
    ).scalar_one()

    arrival = Arrival(user, sync_request_id, data["device_id"], server_now, skew)
    # Store in id order, answer in request order. Two requests holding some of the same records
    # then wait for each other's rows in one global order, so they cannot deadlock; the stable
    # sort keeps repeats of one id (and a record followed by its new version) in request order.
    order = sorted(range(len(raws)), key=lambda i: valid_uuid(record_id_of(raws[i])) or "")
    checks = RecordChecks(user, server_now, policies)
    checks.read_children(raws)
    results, stored_checks = _results_in_order(arrival, checks, raws, order)

    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] += 1
    db.session.execute(
        update(SYNC_REQUEST).where(SYNC_REQUEST.c.id == sync_request_id).values(
            accepted_count=counts[ACCEPTED],
            duplicate_count=counts[DUPLICATE],
            conflict_count=counts[CONFLICT],
            rejected_count=counts[REJECTED],
        )
    )
    # New visits move their children's due dates (and are judged against the old ones).
    schedules.after_sync(
        [
            schedules.SyncedVisit(result.id, checks.child(raws[i]["child_id"]), result.version)
            for i, result in enumerate(results)
            if result.status == ACCEPTED and raws[i]["record_type"] == schedules.VISIT
        ],
        today_in_london(server_now), policies,
    )
    # Last before the commit: every request of a team on one day adds to the same tally rows,
    # so each holds their locks only from here until it commits.
    tallies.count(db.session.connection(), stored_checks)
    if commit:
        db.session.commit()
    return SyncOutcome(server_now, skew, skew_flagged, results, sync_request_id)


def _results_in_order(
    arrival: Arrival, checks: RecordChecks, raws: list[Any], order: list[int]
) -> tuple[list[RecordResult], list[dict[str, Any]]]:
    """Every record's result, in request order, and the verdicts stored (for the tallies); rows
    are stored and audited in `order`.

    All records are checked first. The first occurrence of each id is then judged and stored
    in one INSERT that skips ids already stored (ON CONFLICT DO NOTHING): in the usual request
    every record is new, and nothing is read before it is written. What that skips (a resend,
    a clash, a new version, a record another request stored first), repeats of an id within
    the request and records that could not be judged are then answered one by one, in order,
    against the stored versions (read in one query).
    """
    results: list[RecordResult | None] = [None] * len(raws)
    checked: dict[int, CheckedRecord] = {}
    for i in order:
        try:
            checked[i] = checks.check(raws[i])
        except ValidationError as invalid:
            results[i] = RecordResult(record_id_of(raws[i]), REJECTED, invalid.normalized_messages())
        except Rejected as rejected:
            results[i] = RecordResult(record_id_of(raws[i]), REJECTED, rejected.errors)

    storage = Storage(arrival)
    digests = {i: content_hash(each.record) for i, each in checked.items()}
    first: list[tuple[int, NewRecord]] = []
    later: set[int] = set()  # answered after the INSERT, against what is stored by then
    seen: set[str] = set()
    for i in order:
        if i not in checked:
            continue
        record_id = checked[i].record["id"]
        if record_id in seen:
            later.add(i)  # a repeat within the request: it must see the rows stored before it
            continue
        seen.add(record_id)
        try:
            first.append((i, storage.new_record(checked[i], digests[i])))
        except Rejected:
            later.add(i)  # unless the id is stored already, it is rejected below
    skipped = storage.insert_new(first, results)
    stored = stored_versions({checked[i].record["id"] for i in skipped})
    for i in order:
        if i not in skipped and i not in later:
            continue
        record = checked[i].record
        try:
            if i in skipped and record["id"] in stored:
                results[i] = storage.against_stored(record, digests[i], stored[record["id"]])
            else:
                results[i] = storage.store(checked[i], digests[i])
        except Rejected as rejected:
            results[i] = RecordResult(record["id"], REJECTED, rejected.errors)

    if order:
        bulk.insert_rows(AUDIT_EVENT, [_audit(arrival, results[i]) for i in order])
    return results, storage.checks  # type: ignore[return-value]


def _audit(arrival: Arrival, result: RecordResult) -> dict[str, Any]:
    """One audit event per record. Never the record's contents: only ids, version and which fields failed."""
    detail: dict[str, Any] = {"device_id": arrival.device_id}
    if result.version is not None:
        detail["version"] = result.version
    if result.errors:
        detail["error_fields"] = sorted(result.errors)
    if result.status == ACCEPTED and result.version and result.version > 1:
        detail["supersedes"] = result.version - 1
    return {
        "at": arrival.server_now,
        "actor_id": arrival.user.id,
        "action": f"record.{result.status}",
        "record_uuid": valid_uuid(result.id),
        "sync_request_id": arrival.sync_request_id,
        "detail": detail,
    }
