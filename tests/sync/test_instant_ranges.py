"""Instants far out of range are refused one by one, before any arithmetic, never with a 500.

The security review found a `completed_at` or `device_now` near the year 9999 gave a 500 for
the whole batch: adding the clock skew overflowed, the good records in the batch were lost,
and the device's outbox was blocked for good.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import DEFAULT_NOW
from tests.factories import iso, new_record

EVENT = DEFAULT_NOW - timedelta(hours=1)


@pytest.mark.parametrize("completed_at", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
                                          "2101-01-01T00:00:00Z"])
def test_a_completed_at_out_of_range_rejects_only_its_record(asha, completed_at):
    good_before, good_after = new_record("NOR-1", EVENT), new_record("NOR-2", EVENT)
    bad = new_record("NOR-1", EVENT)
    bad["completed_at"] = completed_at

    response = asha.sync([good_before, bad, good_after], iso(DEFAULT_NOW - timedelta(days=3650)))

    assert response.status_code == 200, response.get_data(as_text=True)
    statuses = [(r["status"], r["errors"]) for r in response.get_json()["results"]]
    assert statuses[0] == ("accepted", {}) and statuses[2] == ("accepted", {})
    assert statuses[1][0] == "rejected"
    assert "a device's clock must read between 1970 and 2100" in statuses[1][1]["completed_at"][0]


@pytest.mark.parametrize("device_now", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2101-01-01T00:00:00Z"])
def test_a_device_now_out_of_range_is_a_400_that_says_why(asha, device_now):
    response = asha.sync([new_record("NOR-1", EVENT)], device_now)

    assert response.status_code == 400
    [message] = response.get_json()["errors"]["device_now"]
    assert message.startswith(f"Reads the year {int(device_now[:4])}; a device's clock must read between 1970 and 2100.")
    assert "Set the device's date and time, then sync again." in message


@pytest.mark.parametrize(
    ("device_now", "completed_at"),
    [("1970-01-01T00:00:00Z", "2100-12-31T23:59:59Z"), ("2100-12-31T23:59:59Z", "1970-01-01T00:00:00Z")],
)
def test_the_extremes_of_a_device_clock_are_judged(asha, device_now, completed_at):
    record = new_record("NOR-1", EVENT)
    record["completed_at"] = completed_at

    [result] = asha.sync([record], device_now).get_json()["results"]

    assert result["status"] == "accepted"
    assert result["timeliness"]["verdict"] == "on_time"
