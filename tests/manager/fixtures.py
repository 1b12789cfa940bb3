"""A hand-worked team: six records in the default period (27 Oct to 23 Nov 2026) and three outside it.

The clock stands at Monday 23 November 2026, 10:00 GMT, so the default period is the 28 days
27 October to 23 November, and its weeks (counted back from the 23rd) are
27 Oct-2 Nov, 3-9 Nov, 10-16 Nov and 17-23 Nov.

| # | who   | child | received          | delay | type      | verdict | cause         |
|---|-------|-------|-------------------|-------|-----------|---------|---------------|
| 1 | Alice | Amy   | 20 Nov 12:00      | 1 h   | visit     | on time |               |
| 2 | Alice | Amy   | 19 Nov 12:00      | 2 h   | visit     | on time |               |
| 3 | Alice | Amy   | 12 Nov 12:00      | 80 h  | visit     | late    | recorded_late |
| 4 | Bob   | Ben   | 11 Nov 12:00      | 4 h   | visit     | on time |               |
| 5 | Bob   | Ben   | 5 Nov 12:00       | 100 h | case_note | late    | synced_late   |
| 6 | Bob   | Ben   | 27 Oct 00:00      | 3 h   | visit     | late    | unknown       |
| 7 | Alice | Amy   | 26 Oct 23:59:59   |       | visit     | late    | (before the period) |
| 8 | Alice | Amy   | 24 Nov 00:00      |       | visit     | late    | (after the period)  |
| 9 | Carol | Cat   | 18 Nov 12:00      |       | visit     | late    | (another team)      |

Worked answers for the period:
- overall 3 of 6 on time = 50%;
- visit 3 of 5 = 60%, case note 0 of 1 = 0%;
- Alice 2 of 3 = 67%, Bob 1 of 3 = 33%;
- late by cause: recorded_late 1, synced_late 1, unknown 1;
- weeks, oldest first: 0% (1 record), 0% (1), 50% (2), 100% (2);
- delays sorted 1, 2, 3, 4, 80, 100 h: median at position 2.5 = 3.5 h = 12,600 s;
  90th percentile at position 4.5 = 90 h = 324,000 s.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from webapp.models import Role

UTC = timezone.utc


def at(day: int, month: int = 11, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class HandWorkedTeam:
    team: object
    other_team: object
    manager: object
    other_manager: object
    admin: object
    alice: object
    bob: object
    carol: object
    amy: object
    ben: object
    records: dict  # number -> TimelinessCheck


def build_hand_worked_team(make) -> HandWorkedTeam:
    team = make.team("Rugby North")
    other_team = make.team("Nuneaton South")
    manager = make.user(team, Role.MANAGER, "Maya Manager")
    other_manager = make.user(other_team, Role.MANAGER, "Otto Manager")
    admin = make.user(None, Role.ADMIN, "Ada Admin")
    alice = make.user(team, name="Alice Archer")
    bob = make.user(team, name="Bob Baker")
    carol = make.user(other_team, name="Carol Cole")
    amy = make.child(team, "Amy Smith", "WK-0001")
    ben = make.child(team, "Ben Jones", "WK-0002")
    cat = make.child(other_team, "Cat Brown", "WK-0003")
    h = lambda n: timedelta(hours=n)  # noqa: E731
    records = {
        1: make.checked_record(amy, alice, received_at=at(20), delay=h(1)),
        2: make.checked_record(amy, alice, received_at=at(19), delay=h(2)),
        3: make.checked_record(
            amy, alice, received_at=at(12), delay=h(80), verdict="late", cause="recorded_late",
            completed_at=at(12, hour=11), skew_seconds=125.0,
        ),
        4: make.checked_record(ben, bob, received_at=at(11), delay=h(4)),
        5: make.checked_record(
            ben, bob, received_at=at(5), delay=h(100), record_type="case_note", verdict="late",
            cause="synced_late",
        ),
        6: make.checked_record(ben, bob, received_at=at(27, month=10, hour=0), delay=h(3), verdict="late", cause="unknown", window_hours=1),
        7: make.checked_record(amy, alice, received_at=at(26, month=10, hour=23, minute=59, second=59), delay=h(90), verdict="late", cause="recorded_late"),
        8: make.checked_record(amy, alice, received_at=at(24, hour=0), delay=h(90), verdict="late", cause="recorded_late"),
        9: make.checked_record(cat, carol, received_at=at(18), delay=h(90), verdict="late", cause="recorded_late"),
    }
    return HandWorkedTeam(team, other_team, manager, other_manager, admin, alice, bob, carol, amy, ben, records)
