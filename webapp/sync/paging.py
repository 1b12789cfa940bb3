"""Reading a user's records page by page: an opaque cursor over (received_at, id).

Records are read oldest first by the receipt of their current version, so a record that
arrives while the pages are being read (or a new version of one) lands after every position a
cursor has passed, and is read on a later page rather than shifting the pages. The cursor also
carries the reading's `since` and when the reading began, which every page answers as its
`server_now`: the next reading's `since`.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from marshmallow import ValidationError

from webapp.sync.schemas import Instant
from webapp.timeliness import iso_utc


class BadCursor(ValueError):
    """The cursor was not made by this server (or was changed on the way)."""


@dataclass(frozen=True)
class Position:
    """Where a reading is: after the record received at `received_at` with row id `record_id`."""

    began_at: datetime
    since: datetime | None
    received_at: datetime | None = None
    record_id: int | None = None

    def after(self, received_at: datetime, record_id: int) -> Position:
        return Position(self.began_at, self.since, received_at, record_id)

    def cursor(self) -> str:
        state = {
            "b": iso_utc(self.began_at),
            "s": iso_utc(self.since) if self.since else None,
            "r": iso_utc(self.received_at) if self.received_at else None,
            "i": self.record_id,
        }
        text = json.dumps(state, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> Position:
    """Raises: BadCursor."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        state = json.loads(text)
        instant = Instant()
        position = Position(
            instant.deserialize(state["b"]),
            instant.deserialize(state["s"]) if state["s"] is not None else None,
            instant.deserialize(state["r"]),
            state["i"],
        )
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError, ValidationError):
        raise BadCursor("`cursor` must be a next_cursor from an earlier page, unchanged.") from None
    if type(position.record_id) is not int:
        raise BadCursor("`cursor` must be a next_cursor from an earlier page, unchanged.")
    return position
