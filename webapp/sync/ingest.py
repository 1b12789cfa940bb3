"""Taking in a sync request: each record is checked, stored exactly once, judged and audited.

One bad record never blocks the others: every record is checked and judged on its own, and the
new records of a request are stored together (see storage.py for how races are settled).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from flask import current_app
from marshmallow import ValidationError

from webapp import policies as policy_registry
from webapp.extensions import db
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
    sync_request = SyncRequest(
        user_id=user.id,
        device_id=data["device_id"],
        device_now=data["device_now"],
        server_now=server_now,
        skew_seconds=skew.total_seconds(),
        skew_flagged=abs(skew) > SKEW_TOLERANCE,
        received_count=len(data["records"]),
    )
    db.session.add(sync_request)
    db.session.flush()

    arrival = Arrival(user, sync_request, server_now, skew)
    # Store in id order, answer in request order. Two requests holding some of the same records
    # then wait for each other's rows in one global order, so they cannot deadlock; the stable
    # sort keeps repeats of one id (and a record followed by its new version) in request order.
    raws = data["records"]
    order = sorted(range(len(raws)), key=lambda i: valid_uuid(record_id_of(raws[i])) or "")
    results = _results_in_order(arrival, RecordChecks(user, server_now, policies), raws, order)

    counts = dict.fromkeys(STATUSES, 0)
    for result in results:
        counts[result.status] += 1
    sync_request.accepted_count = counts[ACCEPTED]
    sync_request.duplicate_count = counts[DUPLICATE]
    sync_request.conflict_count = counts[CONFLICT]
    sync_request.rejected_count = counts[REJECTED]
    # New visits move their children's due dates (and are judged against the old ones).
    schedules.after_sync(
        [result.id for result in results if result.status == ACCEPTED], today_in_london(server_now), policies
    )
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return SyncOutcome(server_now, skew, sync_request.skew_flagged, results, sync_request.id)


def _results_in_order(
    arrival: Arrival, checks: RecordChecks, raws: list[Any], order: list[int]
) -> list[RecordResult]:
    """Every record's result, in request order; rows are stored and audited in `order`.

    All records are checked first, and the stored versions of all their ids are read in one
    query. Runs of new records are then stored with one flush each.
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
    stored = stored_versions({each.record["id"] for each in checked.values()})
    run: list[tuple[int, NewRecord]] = []
    seen: set[str] = set()
    for i in order:
        if i not in checked:
            continue
        record = checked[i].record
        digest = content_hash(record)
        try:
            if record["id"] in seen:
                # A repeat within the request: it must see the rows stored before it.
                storage.store_run(run, results)
                results[i] = storage.store(checked[i], digest)
            elif record["id"] in stored:
                seen.add(record["id"])
                storage.store_run(run, results)  # keeps rows in id order if this adds a version
                results[i] = storage.against_stored(record, digest, stored[record["id"]])
            else:
                seen.add(record["id"])
                run.append((i, storage.new_record(checked[i], digest)))
        except Rejected as rejected:
            results[i] = RecordResult(record["id"], REJECTED, rejected.errors)
    storage.store_run(run, results)

    for i in order:
        _audit(arrival, results[i])
    return results  # type: ignore[return-value]


def _audit(arrival: Arrival, result: RecordResult) -> None:
    """One audit event per record. Never the record's contents: only ids, version and which fields failed."""
    detail: dict[str, Any] = {"device_id": arrival.sync_request.device_id}
    if result.version is not None:
        detail["version"] = result.version
    if result.errors:
        detail["error_fields"] = sorted(result.errors)
    if result.status == ACCEPTED and result.version and result.version > 1:
        detail["supersedes"] = result.version - 1
    db.session.add(
        AuditEvent(
            at=arrival.server_now,
            actor_id=arrival.user.id,
            action=f"record.{result.status}",
            record_uuid=valid_uuid(result.id),
            sync_request_id=arrival.sync_request.id,
            detail=detail,
        )
    )
