"""The connection drops after the server has committed, before the device reads the answer.

The device cannot tell this from a request that never arrived, so it sends the same records
again. They must be stored once, and the resend must get `duplicate` with the verdict given
at the first receipt, not a fresh one computed at the time of the resend.
"""
from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from tests.faults.helpers import Device, seed_team, visit
from webapp.extensions import db
from webapp.models import AuditEvent, Record, TimelinessCheck


class ReplyDroppingProxy:
    """Forwards a request to the server, waits for the first byte of its answer (so the
    server has finished and committed), then closes the device's connection unanswered."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.answered_upstream = threading.Event()
        self.thread = threading.Thread(target=self._serve_one, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve_one(self) -> None:
        device, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        device.settimeout(30)

        def forward_request():
            try:
                while chunk := device.recv(65536):
                    upstream.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=forward_request, daemon=True).start()
        first = upstream.recv(1)  # blocks until the server starts answering
        if first:
            self.answered_upstream.set()
        device.shutdown(socket.SHUT_RDWR)
        device.close()
        upstream.close()

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=5)


def _stored(app) -> tuple[int, int, dict[str, dict]]:
    with app.app_context():
        records = db.session.scalar(select(func.count()).select_from(Record))
        accepted = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "record.accepted")
        )
        checks = {c.record_uuid: c.as_timeliness() for c in db.session.scalars(select(TimelinessCheck))}
    return records, accepted, checks


def _assert_resend_is_duplicate(app, clock, device, person, records, original_now):
    # Days later, a fresh verdict would differ: received later, so late. The session has
    # ended by then (a working day), so the practitioner signs in again first.
    clock.advance(days=9)
    device.sign_in(person)
    retry = device.sync(records, device_now=clock.now())
    assert retry.status_code == 200, retry.text
    results = retry.json()["results"]
    assert [r["status"] for r in results] == ["duplicate"] * len(records)

    stored_count, accepted_events, checks = _stored(app)
    assert stored_count == len(records)
    assert accepted_events == len(records)
    for record, result in zip(records, results):
        assert result["id"] == record["id"]
        assert result["version"] == 1
        assert result["timeliness"] == checks[record["id"]]
        assert result["timeliness"]["received_at"] == original_now.isoformat().replace("+00:00", "Z")
        assert result["timeliness"]["verdict"] == "on_time"


def test_reply_lost_after_commit_then_resend_is_duplicate(app, clock, live_server):
    person = seed_team(app)[0]
    device = Device(live_server).sign_in(person)
    records = [visit(ref, clock.now() - timedelta(hours=3), seed=i)
               for i, ref in enumerate(person.child_refs[:3])]
    original_now = clock.now()

    proxy = ReplyDroppingProxy(int(live_server.rsplit(":", 1)[1]))
    try:
        with pytest.raises(requests.ConnectionError):
            device.sync(records, device_now=clock.now(), base_url=proxy.base_url)
    finally:
        proxy.close()
    assert proxy.answered_upstream.is_set(), "the server never answered the first request"

    stored_count, _, _ = _stored(app)
    assert stored_count == len(records), "the first request should have been committed"
    _assert_resend_is_duplicate(app, clock, device, person, records, original_now)


def test_device_hangs_up_before_reading_and_server_still_commits(app, clock, live_server):
    """A raw client sends the request and closes at once: the server's write of the answer
    then fails, and that must not undo what it committed."""
    person = seed_team(app)[0]
    device = Device(live_server).sign_in(person)
    records = [visit(ref, clock.now() - timedelta(hours=1), seed=10 + i)
               for i, ref in enumerate(person.child_refs[:2])]
    original_now = clock.now()

    port = int(live_server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(device.raw_request(records, clock.now()))
        raw.shutdown(socket.SHUT_WR)  # the request is complete; we will never read a byte

    deadline = time.monotonic() + 10
    while _stored(app)[0] < len(records):
        assert time.monotonic() < deadline, "the hung-up request was never stored"
        time.sleep(0.02)
    _assert_resend_is_duplicate(app, clock, device, person, records, original_now)
