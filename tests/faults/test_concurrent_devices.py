"""Twenty devices sync overlapping batches at the same instant, on PostgreSQL.

The app runs on a threaded live server: the threads release the GIL while they wait on the
database, so requests carrying the same record really race inside PostgreSQL. Half of the
devices send their batch in reverse order, as a device replaying its outbox after a partial
failure might, so two requests can each hold a record the other needs. The unique constraint
must decide every race: each record stored once, accepted once, every other copy a duplicate
with the same verdict, and no 5xx.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.faults.helpers import Device, seed_team, visit
from webapp.extensions import db
from webapp.models import Record, TimelinessCheck

DEVICES = 20
RECORDS = 40
WINDOW = 8  # records in each device's batch; neighbours' windows overlap


@pytest.mark.postgres_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_twenty_devices_overlapping_batches_store_each_record_once(app, clock, live_server):
    # A practitioner and their team's manager: both may record for the practitioner's children.
    people = seed_team(app, practitioners=1, children=10, managers=1)
    refs = people[0].child_refs
    records = [visit(refs[i % len(refs)], clock.now() - timedelta(hours=2, minutes=i), seed=i)
               for i in range(RECORDS)]
    devices = [Device(live_server, f"tablet-{n}").sign_in(people[n % 2]) for n in range(DEVICES)]
    barrier = threading.Barrier(DEVICES)

    def sync_round(n: int, round_number: int):
        start = (n * 2) % RECORDS
        batch = [records[(start + k) % RECORDS] for k in range(WINDOW)]
        if (n + round_number) % 2:
            batch.reverse()
        barrier.wait(timeout=30)
        return devices[n].sync(batch, clock.now(), timeout=60)

    answers = []
    with ThreadPoolExecutor(DEVICES) as pool:
        for round_number in (0, 1):
            answers += list(pool.map(lambda n: sync_round(n, round_number), range(DEVICES)))

    assert [a.status_code for a in answers] == [200] * len(answers), [
        a.text[:300] for a in answers if a.status_code != 200
    ]
    by_id: dict[str, list[dict]] = {}
    for answer in answers:
        for result in answer.json()["results"]:
            by_id.setdefault(result["id"], []).append(result)
    assert len(by_id) == RECORDS
    for record_id, results in by_id.items():
        statuses = [r["status"] for r in results]
        assert statuses.count("accepted") == 1, (record_id, statuses)
        assert set(statuses) <= {"accepted", "duplicate"}, (record_id, statuses)
        assert len({str(sorted(r["timeliness"].items())) for r in results}) == 1

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == RECORDS
        assert db.session.scalar(select(func.count(func.distinct(Record.uuid)))) == RECORDS
        assert db.session.scalar(select(func.count()).select_from(TimelinessCheck)) == RECORDS
