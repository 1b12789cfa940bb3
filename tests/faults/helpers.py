"""Fault-test helpers: seeded caseloads, devices that sign in over HTTP, and servers to break.

- `seed_team`: one team, its practitioners and their children, and its managers (all through
  the one world builder, with the one test password);
- `Device`: a tablet signing in and syncing over a real socket (`requests`), where the test
  client's `auth` cannot go;
- `AppProcess`: gunicorn in a child process against a database URL, for faults that need a
  process to kill or real parallel workers.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import requests

from tests.factories import PASSWORD, Factory, csrf_token_from, iso
from webapp.models import Role

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@dataclass
class Practitioner:
    email: str
    password: str = PASSWORD
    child_refs: list[str] = field(default_factory=list)


def seed_team(app, practitioners: int = 1, children: int = 5,
              authority: str = "warwickshire", managers: int = 0) -> list[Practitioner]:
    """One team, its practitioners, each practitioner's allocated children, then its managers."""
    people = []
    with app.app_context():
        make = Factory()
        team = make.team("Fault team", authority)
        for p in range(practitioners):
            person = Practitioner(f"fault{p}@example.org")
            user = make.user(team, name=f"Fault Practitioner {p}", email=person.email)
            for c in range(children):
                ref = f"FT-{p}-{c}"
                make.child(team, f"Child {p} {c}", ref, practitioner=user,
                           date_of_birth=date(2014, 1 + c % 12, 1))
                person.child_refs.append(ref)
            people.append(person)
        for m in range(managers):
            person = Practitioner(f"fault-manager{m}@example.org")
            make.user(team, Role.MANAGER, f"Fault Manager {m}", email=person.email)
            people.append(person)
    return people


def visit(child_ref: str, event_at: datetime, *, text_size: int = 400, record_id: str | None = None,
          seed: int = 0) -> dict:
    """A complete visit record, as the device's form sends it."""
    words = f"Observed child playing calmly with sibling; note {seed}. "
    prose = (words * (text_size // len(words) + 1))[:text_size]
    return {
        "id": record_id or str(uuid.uuid4()),
        "child_id": child_ref,
        "record_type": "visit",
        "event_at": iso(event_at),
        "completed_at": iso(event_at + timedelta(hours=2)),
        "fields": {
            "visit_type": "child_in_need",
            "announced": "announced",
            "child_seen": True,
            "seen_alone": True,
            "observations": prose,
            "analysis": prose[: text_size // 2],
            "actions": "Visit again in two weeks.",
        },
    }


class Device:
    """A tablet: a signed-in session that posts to /api/v1/sync."""

    def __init__(self, base_url: str, device_id: str = "tablet-1"):
        self.base_url = base_url
        self.device_id = device_id
        self.session = requests.Session()
        self.csrf_token: str | None = None

    def sign_in(self, person: Practitioner) -> Device:
        page = self.session.get(self.base_url + "/sign-in", timeout=10)
        answer = self.session.post(
            self.base_url + "/sign-in",
            data={"email": person.email, "password": person.password,
                  "csrf_token": csrf_token_from(page.text)},
            allow_redirects=False, timeout=10,
        )
        assert answer.status_code == 302, answer.text[:300]
        # Signing in gives the session a new CSRF token: read it from the page it leads to.
        home = self.session.get(self.base_url + answer.headers["Location"], timeout=10)
        self.csrf_token = csrf_token_from(home.text)
        return self

    def envelope(self, records: list[dict], device_now: datetime) -> dict:
        return {"device_id": self.device_id, "device_now": iso(device_now), "records": records}

    def sync(self, records: list[dict], device_now: datetime, base_url: str | None = None,
             timeout: float = 60) -> requests.Response:
        return self.session.post(
            (base_url or self.base_url) + "/api/v1/sync",
            json=self.envelope(records, device_now),
            headers={"X-CSRFToken": self.csrf_token}, timeout=timeout,
        )

    def raw_request(self, records: list[dict], device_now: datetime) -> bytes:
        """The bytes of the sync request, with this device's session cookie and token."""
        body = json.dumps(self.envelope(records, device_now)).encode()
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
        host = self.base_url.removeprefix("http://")
        head = (
            f"POST /api/v1/sync HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Cookie: {cookie}\r\nX-CSRFToken: {self.csrf_token}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    """The app under gunicorn in a child process, so that a test can kill it outright."""

    SECRET_KEY = "fault-tests-secret-key"

    def __init__(self, database_url: str, workers: int = 1, threads: int = 1):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would block it

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def start(self) -> AppProcess:
        env = dict(os.environ, DATABASE_URL=self.database_url, SECRET_KEY=self.SECRET_KEY,
                   PYTHONPATH=str(PROJECT_ROOT))
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "--threads", str(self.threads),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "webapp:create_app()"],
            cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.log_tail())
            try:
                if requests.get(self.base_url + "/sign-in", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise TimeoutError("gunicorn did not answer within 30 s")

    def kill(self) -> None:
        """SIGKILL the whole process group's workers and master: no cleanup, no rollback."""
        import psutil

        parent = psutil.Process(self.process.pid)
        for child in parent.children(recursive=True):
            child.send_signal(signal.SIGKILL)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
