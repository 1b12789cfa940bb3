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

BATCH = 500


class HoldInsideTransaction:
    """Keeps the server from committing a batch, so that it can be killed inside it for certain.

    SQLite: a read transaction holds a SHARED lock; the server can take its write lock and store
    the batch, but not commit it. PostgreSQL: the tallies, which a batch updates last, before it
    commits, are locked against writing. `server_inside()` is true once the server holds its
    write transaction (SQLite) or waits on the tallies' lock (PostgreSQL).
    """

    def __init__(self, database_url: str):
        self.database_url = database_url
        if database_url.startswith("sqlite"):
            self.path = database_url.removeprefix("sqlite:///")
            self.holder = sqlite3.connect(self.path, isolation_level=None)
            self.holder.execute("BEGIN")
            self.holder.execute("SELECT count(*) FROM record").fetchall()
        else:
            self.engine = create_engine(database_url)
            self.holder = self.engine.connect()
            self.holder.execute(text("LOCK TABLE type_tally IN SHARE MODE"))

    def server_inside(self) -> bool:
        if self.database_url.startswith("sqlite"):
            probe = sqlite3.connect(self.path, timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.rollback()
                return False
            except sqlite3.OperationalError:  # "database is locked": the server holds the write lock
                return True
            finally:
                probe.close()
        with self.engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL"
            )))

    def release(self) -> None:
        if self.database_url.startswith("sqlite"):
            self.holder.execute("ROLLBACK")
            self.holder.close()
        else:
            self.holder.rollback()
            self.holder.close()
            self.engine.dispose()


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

        hold = HoldInsideTransaction(database_url)
        sender = threading.Thread(target=send)
        sender.start()
        try:
            deadline = time.monotonic() + 30
            while not hold.server_inside():
                assert sender.is_alive(), f"the batch finished before it could be killed: {outcome}"
                assert time.monotonic() < deadline, "the server never started writing the batch"
                time.sleep(0.005)
            # The server cannot commit while the hold lasts: it dies inside the batch's transaction.
            server.kill()
        finally:
            hold.release()
        sender.join(timeout=30)
        assert "error" in outcome, "the device should have seen its connection die"

        half_stored = _counts(app)
        # Killed before it could commit: nothing of the batch was stored, not even in part.
        assert half_stored == {"records": 0, "uuids": 0, "checks": 0, "accepted_events": 0}

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
