"""Whether a device's finishing time can be believed: one rule, for the flag and the cause."""

from __future__ import annotations

from datetime import timedelta

import pytest

from webapp.timeliness import RecordFacts, Window, evaluate
from webapp.timeliness.verdict import COMPLETED_AFTER_SENDING, COMPLETED_BEFORE_EVENT

from .helpers import london, one_rule_policy

HOURS_24 = one_rule_policy(Window("hours", 24), "cp_24h")
VISIT = london(2026, 12, 18, 16, 0)  # due Saturday 16:00
ON_TIME = london(2026, 12, 18, 20, 0)
LATE = london(2026, 12, 19, 18, 0)


@pytest.mark.parametrize(
    ("completed_at", "skew", "reason"),
    [
        (None, timedelta(0), None),
        (VISIT, timedelta(0), None),
        (VISIT - timedelta(minutes=1), timedelta(0), COMPLETED_BEFORE_EVENT),
        # Received at 20:00 or 18:00: the device said it finished 5 minutes later, then 6.
        ("received+5m", timedelta(0), None),
        ("received+6m", timedelta(0), COMPLETED_AFTER_SENDING),
        # A device 2 hours slow stamps 2 hours early; corrected, 6 minutes after it sent it.
        ("received+6m-2h", timedelta(hours=2), COMPLETED_AFTER_SENDING),
        # A device 2 hours fast: 1 hour after the server's receipt is an hour before it sent it.
        ("received+1h", timedelta(hours=-2), None),
    ],
)
@pytest.mark.parametrize("received_at", [ON_TIME, LATE])
def test_the_reason_a_finishing_time_cannot_be_believed(calendar, completed_at, skew, reason, received_at):
    if isinstance(completed_at, str):
        offsets = {"received+5m": timedelta(minutes=5), "received+6m": timedelta(minutes=6),
                   "received+6m-2h": timedelta(minutes=6, hours=-2), "received+1h": timedelta(hours=1)}
        completed_at = received_at + offsets[completed_at]
    verdict = evaluate(HOURS_24, RecordFacts("visit", VISIT, completed_at=completed_at), received_at, calendar, skew=skew)
    assert verdict.implausible_completion == reason
    if verdict.verdict == "late" and reason is not None:
        assert verdict.cause == "unknown"
    if verdict.verdict == "on_time":
        assert verdict.cause is None
