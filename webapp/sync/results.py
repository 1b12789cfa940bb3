"""What a sync request is answered with: a status per record, and the request's clock reading."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from webapp.models import User
from webapp.timeliness import iso_utc

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
CONFLICT = "conflict"
REJECTED = "rejected"
STATUSES = (ACCEPTED, DUPLICATE, CONFLICT, REJECTED)


@dataclass(frozen=True)
class Arrival:
    """Who sent a sync request, when it reached the server, and how far the device's clock was off."""

    user: User
    sync_request_id: int
    device_id: str
    server_now: datetime
    skew: timedelta


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
