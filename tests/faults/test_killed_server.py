"""The server process is killed (SIGKILL) in the middle of a big batch, then restarted.

The device saw no answer, so it sends the whole batch again. Every record must end up stored
exactly once, each with its verdict and audit event; none may be lost or half-stored.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import create_engine, func, select, text

from tests.faults.helpers import AppProcess, Device, seed_team, visit
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import AuditEvent, Record, TimelinessCheck

# As big as one request may be, so that the server is still inside the batch's transaction when
# it is killed: the records of a request are stored together and committed once.
BATCH = 500


def _writing(database_url: str, engine=None) -> bool:
    """True once the server holds an open write transaction, i.e. is inside the batch."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": a writer is mid-transaction
            return True
        finally:
            conn.close()
    with engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )))


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            "records": db.session.scalar(select(func.count()).select_from(Record)),
            "uuids": db.session.scalar(select(func.count(func.distinct(Record.uuid)))),
            "checks": db.session.scalar(select(func.count()).select_from(TimelinessCheck)),
            "accepted_events": db.session.scalar(
                select(func.count()).select_from(AuditEvent)
                .where(AuditEvent.action == "record.accepted")
            ),
        }


@pytest.fixture
def seeded_database(database_url):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.create_all()
    people = seed_team(app, children=10)
    yield app, database_url, people[0]
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_server_killed_mid_batch_then_retry_stores_each_record_once(seeded_database):
    app, database_url, person = seeded_database
    now = datetime.now(timezone.utc)
    records = [visit(person.child_refs[i % 10], now - timedelta(hours=5, minutes=i),
                     text_size=1500, seed=i) for i in range(BATCH)]

    server = AppProcess(database_url).start()
    try:
        device = Device(server.base_url).sign_in(person)
        outcome: dict = {}

        def send():
            try:
                outcome["answer"] = device.sync(records, datetime.now(timezone.utc), timeout=60)
            except requests.RequestException as exc:
                outcome["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 30
        watcher = create_engine(database_url) if not database_url.startswith("sqlite") else None
        while not _writing(database_url, watcher):
            assert sender.is_alive(), f"the batch finished before it could be killed: {outcome}"
            assert time.monotonic() < deadline, "the server never started writing the batch"
            time.sleep(0.005)
        # Killed the moment it is inside the batch: the batch is stored in one short transaction.
        server.kill()
        if watcher is not None:
            watcher.dispose()
        sender.join(timeout=30)
        assert "error" in outcome, "the device should have seen its connection die"

        half_stored = _counts(app)
        # Whatever survived the kill is whole: no record without its verdict and audit event.
        assert half_stored["records"] == half_stored["checks"] == half_stored["accepted_events"]

        server = AppProcess(database_url).start()
        # The session cookie is signed with the same key, so the device is still signed in.
        device.base_url = server.base_url
        retry = device.sync(records, datetime.now(timezone.utc))
        assert retry.status_code == 200, retry.text[:500]
        statuses = [r["status"] for r in retry.json()["results"]]
        assert set(statuses) <= {"accepted", "duplicate"}
        assert statuses.count("accepted") == BATCH - half_stored["records"]

        again = device.sync(records, datetime.now(timezone.utc))
        assert [r["status"] for r in again.json()["results"]] == ["duplicate"] * BATCH
    finally:
        server.stop()

    assert _counts(app) == {"records": BATCH, "uuids": BATCH, "checks": BATCH,
                            "accepted_events": BATCH}
