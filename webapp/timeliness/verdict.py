"""Verdicts: was a record received within its window, and if not, why not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Mapping, NamedTuple

from webapp.timeliness.calendar import LONDON, UTC, WorkingCalendar, default_calendar
from webapp.timeliness.errors import MissingAnchorError
from webapp.timeliness.policy import Policy

ON_TIME = "on_time"
LATE = "late"
SYNCED_LATE = "synced_late"
RECORDED_LATE = "recorded_late"
UNKNOWN = "unknown"

# A device clock corrected for skew can still land slightly after the server's receipt (the
# skew is measured per request, not per record). Within this tolerance we still believe it.
COMPLETED_TOLERANCE = timedelta(minutes=5)

# Why a device's finishing time cannot be believed: it is before the event it records, or it
# is after the device sent the record (more than COMPLETED_TOLERANCE after its own device_now).
COMPLETED_BEFORE_EVENT = "completed_before_event"
COMPLETED_AFTER_SENDING = "completed_after_sending"

_ZERO = timedelta(0)
_EMPTY: Mapping[str, datetime] = MappingProxyType({})


# RecordFacts and Verdict are named tuples rather than frozen dataclasses: just as immutable,
# and about five times cheaper to build, which is most of a verdict's cost in a sync batch.


class RecordFacts(NamedTuple):
    """What the engine needs to know about a record; every instant must be aware."""

    record_type: str
    event_at: datetime
    completed_at: datetime | None = None
    child_protection: bool = False
    service: str | None = None
    anchors: Mapping[str, datetime] = _EMPTY
    section_47: bool = False  # section 47 enquiries were started
    immediate: bool = False  # marked immediate, e.g. an immediate child protection referral


class Verdict(NamedTuple):
    """The outcome for one record, with enough to explain it after the policy changes.

    For day-based windows `due_at` is the exclusive end of the due date (local midnight
    starting the next day): on time when received before it. For hour-based windows `due_at`
    is inclusive: on time when received at or before it. `due_exclusive` says which.
    """

    authority: str
    policy_version: str
    rule_id: str
    window: str
    due_at: datetime
    received_at: datetime
    verdict: str
    late_by: timedelta
    late_by_working_days: int | None
    cause: str | None
    completed_at_corrected: datetime | None
    due_exclusive: bool = False
    # Why completed_at cannot be believed (COMPLETED_BEFORE_EVENT or COMPLETED_AFTER_SENDING),
    # whatever the verdict; None when it can, or when the record has none.
    implausible_completion: str | None = None

    @property
    def on_time(self) -> bool:
        return self.verdict == ON_TIME

    def to_dict(self) -> dict:
        """A JSON-able dict; instants as ISO 8601 UTC with a Z."""
        return {
            "authority": self.authority,
            "policy_version": self.policy_version,
            "rule_id": self.rule_id,
            "window": self.window,
            "due_at": iso_utc(self.due_at),
            "due_exclusive": self.due_exclusive,
            "due_by_local_day": _iso_date(due_by_local_day(self.due_at, self.due_exclusive)),
            "received_at": iso_utc(self.received_at),
            "verdict": self.verdict,
            "late_by_seconds": int(self.late_by.total_seconds()),
            "late_by_working_days": self.late_by_working_days,
            "cause": self.cause,
        }


def iso_utc(instant: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, e.g. 2026-12-19T16:00:00Z."""
    text = instant.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def due_by_local_day(due_at: datetime, exclusive: bool) -> date | None:
    """For a day window, the last London date on which the record is on time; else None.

    A day window's `due_at` is the local midnight that starts the next day, so the due date
    is the local date just before it.
    """
    if not exclusive:
        return None
    return due_at.astimezone(LONDON).date() - timedelta(days=1)


def implausible_completion(
    event_at: datetime, completed_at_corrected: datetime | None, received_at: datetime
) -> str | None:
    """Why a finishing time, corrected for the device's clock, cannot be believed; None if it can.

    The correction is server_now - device_now of the request that carried the record, so a
    corrected time more than COMPLETED_TOLERANCE after `received_at` is a `completed_at` more
    than COMPLETED_TOLERANCE after the device's own clock reading when it sent the record.
    """
    if completed_at_corrected is None:
        return None
    if completed_at_corrected < event_at:
        return COMPLETED_BEFORE_EVENT
    if completed_at_corrected > received_at + COMPLETED_TOLERANCE:
        return COMPLETED_AFTER_SENDING
    return None


def _iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


# Builds a Verdict from a tuple in field order without NamedTuple.__new__'s Python-level call.
_new_verdict = tuple.__new__


def evaluate(
    policy: Policy,
    facts: RecordFacts,
    received_at: datetime,
    calendar: WorkingCalendar | None = None,
    skew: timedelta = _ZERO,
) -> Verdict:
    """Judge one record against the authority's policy.

    `skew` is server_now - device_now for the sync request that carried the record; it is
    added to `completed_at` before that is used to explain a late verdict.

    Raises:
        UnknownRecordType: the policy does not list the record type.
        UnknownService: the record names a service no policy knows.
        NaiveDatetimeError: an instant has no UTC offset.
        MissingAnchorError: the rule counts back from an anchor the record lacks.
        OutsideCalendarError: a date outside the precomputed calendar.
    """
    if calendar is None:
        calendar = default_calendar()
    # The hot path of every sync batch, so it inlines the cheap cases: a cached rule choice,
    # instants already in UTC (as stored), and the precomputed window words.
    rule = policy._selected.get(
        (facts.record_type, facts.child_protection, facts.service, facts.section_47, facts.immediate)
    )
    if rule is None:
        rule = policy.select_rule(
            facts.record_type, facts.child_protection, facts.service, facts.section_47, facts.immediate
        )
    window = rule.window
    # Everything in UTC from here on: comparisons between instants in one zone are cheap,
    # and the calendar finds local dates from its precomputed midnights.
    utc = calendar.utc
    event_at = facts.event_at
    if event_at.tzinfo is not UTC:
        event_at = utc(event_at)
    if received_at.tzinfo is not UTC:
        received_at = utc(received_at)

    anchor_at = None
    if window.anchor is not None:
        anchor_at = facts.anchors.get(window.anchor)
        if anchor_at is None:
            raise MissingAnchorError(
                f"rule {rule.id} counts back from {window.anchor}, which the record does not carry"
            )
        anchor_at = utc(anchor_at)
    due_at = window.due_at_utc(event_at, calendar, anchor_at)
    exclusive = window._exclusive
    on_time = received_at < due_at if exclusive else received_at <= due_at

    completed_at_corrected = facts.completed_at
    if completed_at_corrected is not None:
        if completed_at_corrected.tzinfo is not UTC:
            completed_at_corrected = utc(completed_at_corrected)
        if skew:
            completed_at_corrected = completed_at_corrected + skew
    implausible = implausible_completion(event_at, completed_at_corrected, received_at)

    if on_time:
        return _new_verdict(
            Verdict,
            (
                policy.authority,
                policy.version,
                rule.id,
                window._words,
                due_at,
                received_at,
                ON_TIME,
                _ZERO,
                None,
                None,
                completed_at_corrected,
                exclusive,
                implausible,
            ),
        )

    late_by_working_days = None
    if exclusive:
        # Working days after the due date up to the day it arrived; at least one, because a
        # late record has missed the end of its due date even when it arrived at a weekend.
        late_by_working_days = calendar.working_days_late(due_at, received_at) or 1
    # Why it was late: the device's finishing time, corrected for skew, if it can be believed.
    if completed_at_corrected is None or implausible is not None:
        cause = UNKNOWN
    elif completed_at_corrected < due_at or (not exclusive and completed_at_corrected == due_at):
        cause = SYNCED_LATE
    else:
        cause = RECORDED_LATE
    return _new_verdict(
        Verdict,
        (
            policy.authority,
            policy.version,
            rule.id,
            window._words,
            due_at,
            received_at,
            LATE,
            received_at - due_at,
            late_by_working_days,
            cause,
            completed_at_corrected,
            exclusive,
            implausible,
        ),
    )
