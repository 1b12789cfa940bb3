"""Benchmark: verdicts per second from `evaluate` against numpy.busday_offset scalar calls.

Both sides answer one working-day question per call with the same England and Wales holiday
list: the engine a whole verdict (rule selection, due instant, comparison, lateness in
working days, cause), numpy a bare date offset through a prebuilt busdaycalendar (building
the calendar per call would be ~3x slower, so this is numpy at its best). Instants are in
UTC, as they are stored and as the server clock gives them; local times would add one
zone conversion each. Run: .venv/bin/python bench/engine.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from datetime import timezone

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from webapp.timeliness import (  # noqa: E402
    Policy,
    RecordFacts,
    Rule,
    Window,
    default_calendar,
    england_and_wales_holidays,
    evaluate,
)

UTC = timezone.utc


def rate(call, seconds: float) -> float:
    """Calls per second, best of five runs of about `seconds` / 5 each."""
    count = 1000
    while True:  # size a batch to take at least 20 ms
        start = time.perf_counter()
        for _ in range(count):
            call()
        elapsed = time.perf_counter() - start
        if elapsed > 0.02:
            break
        count *= 2
    per_run = max(1, int(count * (seconds / 5) / elapsed))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_run):
            call()
        best = min(best, (time.perf_counter() - start) / per_run)
    return 1.0 / best


def working_days_policy() -> Policy:
    return Policy(
        authority="bench",
        name="Benchmark",
        version="000000000000",
        catalogue_authority="bench",
        timezone="Europe/London",
        record_types={"visit": "Visit"},
        default=Rule(id="bench_visit_2wd", window=Window("working_days", 2), sources=()),
        service_defaults={},
        rules=(),
        not_encodable=(),
        ambiguities={},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args(argv)

    calendar = default_calendar()
    policy = working_days_policy()
    # Norfolk's Christmas example: visit Thu 24 Dec 2026, 2 working days, due end of Wed 30.
    facts = RecordFacts(
        "visit",
        datetime(2026, 12, 24, 14, tzinfo=UTC),
        completed_at=datetime(2026, 12, 30, 9, tzinfo=UTC),
    )
    received_late = datetime(2027, 1, 4, 10, tzinfo=UTC)
    received_on_time = datetime(2026, 12, 30, 10, tzinfo=UTC)
    late = evaluate(policy, facts, received_late, calendar)
    assert (late.verdict, late.cause, late.late_by_working_days) == ("late", "synced_late", 2)
    assert evaluate(policy, facts, received_on_time, calendar).verdict == "on_time"

    busdaycal = np.busdaycalendar(holidays=england_and_wales_holidays())
    event_day = np.datetime64("2026-12-24")
    assert str(np.busday_offset(event_day, 2, roll="backward", busdaycal=busdaycal)) == "2026-12-30"

    late_rate = rate(lambda: evaluate(policy, facts, received_late, calendar), args.seconds)
    on_time_rate = rate(lambda: evaluate(policy, facts, received_on_time, calendar), args.seconds)
    numpy_rate = rate(
        lambda: np.busday_offset(event_day, 2, roll="backward", busdaycal=busdaycal), args.seconds
    )
    results = {
        "engine_verdicts_per_second": round(late_rate),
        "engine_on_time_verdicts_per_second": round(on_time_rate),
        "numpy_busday_offset_per_second": round(numpy_rate),
        "ratio_engine_to_numpy": round(late_rate / numpy_rate, 3),
        "ratio_engine_on_time_to_numpy": round(on_time_rate / numpy_rate, 3),
        "window": "working_days 2",
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    print(f"engine evaluate, late (working_days 2):    {late_rate:12,.0f} verdicts/s")
    print(f"engine evaluate, on time (working_days 2): {on_time_rate:12,.0f} verdicts/s")
    print(f"numpy.busday_offset (scalar, busdaycal):   {numpy_rate:12,.0f} calls/s")
    print(f"ratio engine (late) / numpy:               {late_rate / numpy_rate:12.2f}")
    print(f"ratio engine (on time) / numpy:            {on_time_rate / numpy_rate:12.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
