"""Taking in a sync request: each record is validated, stored exactly once and judged on time.

One bad record never blocks the others: every record is validated and judged on its own, and the
new records of a request are stored together in one SAVEPOINT. If another request stored some of
the same records first (the unique (uuid, version) constraint decides races), that SAVEPOINT is
rolled back and each record is stored in its own SAVEPOINT, so a failure undoes only that record
and the loser re-reads and answers duplicate or conflict.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    CHILD_STATUSES,
    AuditEvent,
    Child,
    Record,
    SyncRequest,
    Team,
    TimelinessCheck,
    User,
)
from webapp.record_forms import FORMS, FUTURE_TOLERANCE
from webapp.sync.schemas import (
    EnvelopeSchema,
    Instant,
    RecordSchema,
    canonical_record,
    record_id_of,
    valid_uuid,
    within_calendar,
)
from webapp.timeliness import (
    MissingAnchorError,
    Policy,
    RecordFacts,
    TimelinessError,
    evaluate,
    iso_utc,
    load_policies,
)

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"

# A device clock more than this far from the server's is flagged (timeliness.md).
SKEW_TOLERANCE = timedelta(minutes=5)

NOT_YOUR_CHILD = "No child with this id is on your team's caseload."
NOT_YOUR_RECORD = (
    "Another person's record already has this id, and only its author can change it; "
    "give this record a new id."
)


class MalformedEnvelope(Exception):
    """The request as a whole is unusable; `errors` holds messages per field."""

    def __init__(self, message: str, errors: Mapping[str, Any] | None = None):
        super().__init__(message)
        self.errors = dict(errors or {})


class TooManyRecords(Exception):
    """More records in one request than SYNC_MAX_RECORDS."""


@dataclass
class RecordResult:
    id: str | None
    status: str
    errors: dict[str, Any] = field(default_factory=dict)
    version: int | None = None
    timeliness: dict[str, Any] | None = None
    implausible: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "errors": self.errors,
            "version": self.version,
            "implausible": self.implausible,
            "timeliness": self.timeliness,
        }


@dataclass
class SyncOutcome:
    server_now: datetime
    skew: timedelta
    skew_flagged: bool
    results: list[RecordResult]
    sync_request_id: int

    def as_json(self) -> dict[str, Any]:
        return {
            "server_now": iso_utc(self.server_now),
            "skew_seconds": self.skew.total_seconds(),
            "skew_flagged": self.skew_flagged,
            "results": [result.as_json() for result in self.results],
        }


def app_policies() -> dict[str, Policy]:
    """Every authority's policy from POLICY_DIR, loaded again only when a file changes.

    Raises:
        PolicyError: a policy file is invalid.
    """
    policy_dir = Path(current_app.config["POLICY_DIR"])
    stamp = tuple(
        (path.name, path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(policy_dir.glob("*.yaml"))
    )
    return _policies(str(policy_dir), stamp)


@lru_cache(maxsize=4)
def _policies(policy_dir: str, stamp: tuple) -> dict[str, Policy]:
    return load_policies(policy_dir)


def can_record_for(user: User, child: Child) -> bool:
    """Admins: every child. Everyone else: the children of their own team."""
    if user.is_admin:
        return True
    return user.team_id is not None and child.team_id == user.team_id


def content_hash(record: dict[str, Any]) -> str:
    canonical = json.dumps(
        canonical_record(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    """
    if max_records is None:
        max_records = current_app.config["SYNC_MAX_RECORDS"]
    if not isinstance(envelope, dict):
        raise MalformedEnvelope("The request body must be a JSON object.")
    records = envelope.get("records")
    if isinstance(records, list) and len(records) > max_records:
        raise TooManyRecords(
            f"A sync request may carry at most {max_records} records; this one has "
            f"{len(records)}. Send them in smaller batches."
        )
    try:
        data = EnvelopeSchema().load(envelope)
    except ValidationError as exc:
        raise MalformedEnvelope("The sync request is malformed.", exc.messages) from None
    if policies is None:
        policies = app_policies()

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

    batch = _Batch(user, sync_request, server_now, skew, policies)
    # Store in id order, answer in request order. Two requests holding some of the same records
    # then wait for each other's rows in one global order, so they cannot deadlock; the stable
    # sort keeps repeats of one id (and a record followed by its new version) in request order.
    raws = data["records"]
    order = sorted(range(len(raws)), key=lambda i: valid_uuid(record_id_of(raws[i])) or "")
    results = batch.ingest_in_order(raws, order)

    counts = {status: 0 for status in (ACCEPTED, DUPLICATE, CONFLICT, REJECTED)}
    for result in results:
        counts[result.status] += 1
    sync_request.accepted_count = counts[ACCEPTED]
    sync_request.duplicate_count = counts[DUPLICATE]
    sync_request.conflict_count = counts[CONFLICT]
    sync_request.rejected_count = counts[REJECTED]
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return SyncOutcome(server_now, skew, sync_request.skew_flagged, results, sync_request.id)


class _Rejected(Exception):
    def __init__(self, errors: dict[str, Any]):
        self.errors = errors


@dataclass
class _Batch:
    user: User
    sync_request: SyncRequest
    server_now: datetime
    skew: timedelta
    policies: Mapping[str, Policy]
    _children: dict[str, Child | None] = field(default_factory=dict)
    # Marshmallow 4 schemas keep no state between loads, so one serves the whole request.
    _schema: RecordSchema = field(default_factory=RecordSchema)

    def ingest_in_order(self, raws: list[Any], order: list[int]) -> list[RecordResult]:
        """Every record's result, in request order; rows are stored and audited in `order`.

        All records are validated first, and the stored versions of all their ids are read in
        one query. A run of new records is then stored with one flush inside one SAVEPOINT. If
        that flush loses a race (IntegrityError), the SAVEPOINT is rolled back and the run is
        stored record by record, each in its own SAVEPOINT, as if it had come second.
        """
        results: list[RecordResult | None] = [None] * len(raws)
        checked: dict[int, tuple[dict[str, Any], Child, Policy]] = {}
        for i in order:
            raw = raws[i]
            try:
                record = self._schema.load(raw) if isinstance(raw, dict) else _not_an_object()
                checked[i] = (record, *self._check(record))
            except ValidationError as invalid:
                results[i] = RecordResult(record_id_of(raw), REJECTED, invalid.normalized_messages())
            except _Rejected as rejected:
                results[i] = RecordResult(record_id_of(raw), REJECTED, rejected.errors)

        stored = _stored_versions({record["id"] for record, _, _ in checked.values()})
        run: list[tuple[int, _NewRecord]] = []
        seen: set[str] = set()
        for i in order:
            if i not in checked:
                continue
            record, child, policy = checked[i]
            digest = content_hash(record)
            try:
                if record["id"] in seen:
                    # A repeat within the request: it must see the rows stored before it.
                    self._store_run(run, results)
                    results[i] = self._store(record, child, policy, digest)
                elif record["id"] in stored:
                    seen.add(record["id"])
                    self._store_run(run, results)  # keeps rows in id order if this adds a version
                    results[i] = self._against_stored(record, digest, stored[record["id"]])
                else:
                    seen.add(record["id"])
                    run.append((i, self._new_record(record, child, policy, digest)))
            except _Rejected as rejected:
                results[i] = RecordResult(record["id"], REJECTED, rejected.errors)
        self._store_run(run, results)

        for i in order:
            self._audit(results[i])
        return results  # type: ignore[return-value]

    def _check(self, record: dict[str, Any]) -> tuple[Child, Policy]:
        """The child and its authority's policy, once the record passes every check.

        Raises:
            _Rejected: with messages per field.
        """
        child = self._child(record["child_id"])
        if child is None or not can_record_for(self.user, child):
            raise _Rejected({"child_id": [NOT_YOUR_CHILD]})
        policy = self.policies.get(child.team.authority)
        if policy is None:
            raise _Rejected({"child_id": ["The child's authority has no recording policy on this server."]})
        if record["record_type"] not in policy.record_types:
            raise _Rejected(
                {"record_type": [f"{policy.name} does not define this record type; it accepts: "
                                 + ", ".join(sorted(policy.record_types)) + "."]}
            )
        if record["event_at"] > self.server_now + FUTURE_TOLERANCE:
            raise _Rejected({"event_at": ["Is more than 5 minutes in the future by the server's clock."]})
        form = FORMS.get(record["record_type"])
        if form is not None:
            problems = form.problems(record["fields"], child.statuses)
            if problems:
                raise _Rejected({"fields": problems})
        return child, policy

    def _child(self, reference: str) -> Child | None:
        if reference not in self._children:
            self._children[reference] = db.session.scalar(
                select(Child).where(Child.reference == reference)
            )
        return self._children[reference]

    def _new_record(self, record: dict[str, Any], child: Child, policy: Policy, digest: str) -> _NewRecord:
        """The first version of a record and its verdict, not yet added to the session.

        Raises:
            _Rejected: the record cannot be judged.
        """
        child_protection = record["child_protection"] or child.on_child_protection_plan
        verdict = self._verdict(record, child, policy, child_protection)
        row = self._new_row(record, child, digest, version=1, child_protection=child_protection)
        check = TimelinessCheck(
            record=row,
            record_uuid=record["id"],
            team_id=child.team_id,
            author_id=self.user.id,
            child_id=child.id,
            record_type=record["record_type"],
            event_at=record["event_at"],
            received_at=self.server_now,
            policy_id=verdict.authority,
            policy_version=verdict.policy_version,
            rule_id=verdict.rule_id,
            window=verdict.window,
            due_at=verdict.due_at,
            verdict=verdict.verdict,
            late_by_seconds=int(verdict.late_by.total_seconds()),
            late_by_working_days=verdict.late_by_working_days,
            cause=verdict.cause,
            completed_at_corrected=verdict.completed_at_corrected,
            skew_seconds=self.skew.total_seconds(),
        )
        return _NewRecord(record, child, policy, digest, row, check)

    def _store_run(self, run: list[tuple[int, _NewRecord]], results: list[RecordResult | None]) -> None:
        """Store a run of new records (in id order) with one flush; empties `run`."""
        if not run:
            return
        try:
            with db.session.begin_nested():
                for _, new in run:
                    db.session.add(new.row)
                    db.session.add(new.check)
                db.session.flush()
        except IntegrityError:
            # Another request stored some of these first: store them one by one instead.
            for i, new in run:
                try:
                    results[i] = self._store(new.record, new.child, new.policy, new.digest)
                except _Rejected as rejected:
                    results[i] = RecordResult(new.record["id"], REJECTED, rejected.errors)
        else:
            for i, new in run:
                results[i] = new.accepted()
        run.clear()

    def _store(self, record: dict[str, Any], child: Child, policy: Policy, digest: str) -> RecordResult:
        """Store one record in its own SAVEPOINT, after reading its stored versions."""
        versions = _versions(record["id"])
        if versions:
            return self._against_stored(record, digest, versions)
        new = self._new_record(record, child, policy, digest)
        try:
            with db.session.begin_nested():
                db.session.add(new.row)
                db.session.add(new.check)
                db.session.flush()
        except IntegrityError:
            # Another request stored this record first: answer as if this one came second.
            return self._against_stored(record, digest, _versions(record["id"]))
        return new.accepted()

    def _verdict(self, record: dict[str, Any], child: Child, policy: Policy, child_protection: bool):
        service = child.team.service
        section_47, immediate = record["section_47"], record["immediate"]
        rule = policy.select_rule(record["record_type"], child_protection, service, section_47, immediate)
        anchors = {}
        if rule.anchor:
            anchors[rule.anchor] = _anchor(record["fields"], rule.anchor)
        facts = RecordFacts(
            record["record_type"], record["event_at"], record["completed_at"],
            child_protection, service, anchors, section_47, immediate,
        )
        try:
            return evaluate(policy, facts, self.server_now, skew=self.skew)
        except MissingAnchorError:
            raise _Rejected({"fields": {rule.anchor: [_anchor_message(rule.anchor)]}}) from None
        except TimelinessError as exc:
            raise _Rejected({"event_at": [f"Cannot be judged: {exc}"]}) from None

    def _new_row(
        self, record: dict[str, Any], child: Child, digest: str, version: int, child_protection: bool,
        supersedes: int | None = None,
    ) -> Record:
        corrected = record["completed_at"] + self.skew
        return Record(
            uuid=record["id"],
            version=version,
            supersedes=supersedes,
            child_id=child.id,
            author_id=self.user.id,
            record_type=record["record_type"],
            child_protection=child_protection,
            event_at=record["event_at"],
            completed_at=record["completed_at"],
            received_at=self.server_now,
            device_id=self.sync_request.device_id,
            fields=record["fields"],
            content_hash=digest,
            implausible=corrected < record["event_at"],
            sync_request_id=self.sync_request.id,
        )

    def _against_stored(
        self, record: dict[str, Any], digest: str, versions: list[Record], retries: int = 1
    ) -> RecordResult:
        """A record whose id is stored already: a resend, a conflict, or a new version."""
        first, current = versions[0], versions[-1]
        check = db.session.scalar(select(TimelinessCheck).where(TimelinessCheck.record_uuid == first.uuid))
        timeliness = check.as_timeliness() if check is not None else None
        same = next((version for version in versions if version.content_hash == digest), None)
        if same is not None:
            return RecordResult(record["id"], DUPLICATE, {}, same.version, timeliness, same.implausible)

        if first.author_id != self.user.id:
            # Not even a teammate learns another practitioner's version or verdict from a clash.
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
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            if retries <= 0:
                raise
            return self._against_stored(record, digest, _versions(record["id"]), retries - 1)
        return RecordResult(record["id"], ACCEPTED, {}, row.version, timeliness, row.implausible)

    def _audit(self, result: RecordResult) -> None:
        """One audit event per record. Never the record's contents: only ids, version and which fields failed."""
        detail: dict[str, Any] = {"device_id": self.sync_request.device_id}
        if result.version is not None:
            detail["version"] = result.version
        if result.errors:
            detail["error_fields"] = sorted(result.errors)
        if result.status == ACCEPTED and result.version and result.version > 1:
            detail["supersedes"] = result.version - 1
        db.session.add(
            AuditEvent(
                at=self.server_now,
                actor_id=self.user.id,
                action=f"record.{result.status}",
                record_uuid=valid_uuid(result.id),
                sync_request_id=self.sync_request.id,
                detail=detail,
            )
        )


@dataclass
class _NewRecord:
    """A record with no stored version, ready to be stored with its verdict."""

    record: dict[str, Any]
    child: Child
    policy: Policy
    digest: str
    row: Record
    check: TimelinessCheck

    def accepted(self) -> RecordResult:
        return RecordResult(
            self.record["id"], ACCEPTED, {}, 1, self.check.as_timeliness(), self.row.implausible
        )


def _not_an_object():
    raise _Rejected({"_schema": ["Each record must be a JSON object."]})


def _stored_versions(record_uuids: set[str]) -> dict[str, list[Record]]:
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


def _versions(record_uuid: str) -> list[Record]:
    return list(
        db.session.scalars(select(Record).where(Record.uuid == record_uuid).order_by(Record.version))
    )


def _anchor(values: dict[str, Any], name: str) -> datetime:
    text = values.get(name)
    if not isinstance(text, str):
        raise _Rejected({"fields": {name: [_anchor_message(name)]}})
    try:
        instant = Instant().deserialize(text)
        within_calendar(instant)
    except ValidationError as exc:
        raise _Rejected({"fields": {name: exc.messages}}) from None
    return instant


def _anchor_message(name: str) -> str:
    return (
        f"This record type is due a set time before {name}; give {name} as a date and time "
        "with a UTC offset, e.g. 2026-11-23T10:00:00Z."
    )


# -- reading back ------------------------------------------------------------------------


def records_since(user: User, since: datetime | None) -> list[tuple[Record, TimelinessCheck]]:
    """The user's own records, each at its current version, received at or after `since`."""
    current = (
        select(Record.uuid, func.max(Record.version).label("version"))
        .where(Record.author_id == user.id)
        .group_by(Record.uuid)
        .subquery()
    )
    query = (
        select(Record, TimelinessCheck)
        .join(current, (Record.uuid == current.c.uuid) & (Record.version == current.c.version))
        .join(TimelinessCheck, TimelinessCheck.record_uuid == Record.uuid)
        .order_by(Record.received_at, Record.id)
    )
    if since is not None:
        query = query.where(Record.received_at >= since)
    return [(record, check) for record, check in db.session.execute(query)]


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


def caseload_children(user: User) -> list[Child]:
    """Practitioners: the children allocated to them. Managers: their team's. Admins: all."""
    query = select(Child).join(Team, Child.team_id == Team.id).order_by(Child.name, Child.reference)
    if user.is_admin:
        pass
    elif user.is_manager:
        query = query.where(Child.team_id == user.team_id)
    else:
        query = query.where(Child.practitioner_id == user.id)
    return list(db.session.scalars(query))


def caseload(user: User, server_now: datetime, policies: Mapping[str, Policy] | None = None) -> dict[str, Any]:
    """What a device needs to work offline: the children, and each authority's record types and forms."""
    if policies is None:
        policies = app_policies()
    children = caseload_children(user)
    last_visits = dict(
        db.session.execute(
            select(Record.child_id, func.max(Record.event_at))
            .where(Record.child_id.in_([child.id for child in children]), Record.record_type == "visit")
            .group_by(Record.child_id)
        ).all()
    ) if children else {}

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
            }
            for child in children
        ],
        "authorities": authorities,
    }
