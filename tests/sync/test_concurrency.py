"""Requests racing with the same record store it exactly once (real threads, real PostgreSQL)."""
from __future__ import annotations

import json
import threading
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import DEFAULT_NOW
from tests.factories import iso, new_record
from webapp.extensions import db
from webapp.models import AuditEvent, Record, TimelinessCheck

RACERS = 8


@pytest.mark.postgres_only
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_requests_with_the_same_record_store_it_once(app, asha, client, live_server):
    token = asha.token  # read first: the page that carries it may update the session cookie
    cookie = client.get_cookie("session").value
    record = new_record("NOR-1", DEFAULT_NOW - timedelta(hours=1))
    body = json.dumps({"device_id": "tablet", "device_now": iso(DEFAULT_NOW), "records": [record]}).encode()
    barrier = threading.Barrier(RACERS)
    answers: list = []
    failures: list = []

    def post() -> None:
        request = urllib.request.Request(
            live_server + "/api/v1/sync",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": token, "Cookie": f"session={cookie}"},
        )
        try:
            barrier.wait(timeout=30)
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append(json.load(response)["results"][0])
        except Exception as exc:  # reported below, with the others
            failures.append(exc)

    threads = [threading.Thread(target=post) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    assert failures == []
    statuses = sorted(answer["status"] for answer in answers)
    assert statuses == ["accepted"] + ["duplicate"] * (RACERS - 1)
    assert len({json.dumps(answer["timeliness"], sort_keys=True) for answer in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == 1
        assert db.session.scalar(select(func.count()).select_from(TimelinessCheck)) == 1
        audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_uuid == record["id"])).all()
        assert sorted(audited) == ["record.accepted"] + ["record.duplicate"] * (RACERS - 1)
