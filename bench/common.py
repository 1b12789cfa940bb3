"""What the benchmarks share: databases, a gunicorn launcher, seeding through the project's
commands, a signed-in sync client and realistic visit records.

Everything here talks to loopback only.
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0, process: subprocess.Popen | None = None):
    """Return once something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def recreate_postgres_database(name: str) -> str:
    """Drop and create a PostgreSQL database; return its SQLAlchemy URL."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="bench-secret-key-not-for-production",
        FLASK_APP="webapp",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def flask_cli(database_url: str, *args: str, input: str | None = None) -> str:
    """Run one of the project's own `flask` commands against a database."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "webapp", *args],
        cwd=ROOT,
        env=app_env(database_url),
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Practitioner:
    email: str
    password: str
    authority: str
    child_refs: list[str] = field(default_factory=list)


def seed(database_url: str, practitioners: int = 4, children_each: int = 25,
         authority: str = "norfolk") -> list[Practitioner]:
    """Migrate, then load a team's caseload and sign-ins with the project's own commands."""
    flask_cli(database_url, "db", "upgrade")
    people = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "caseload.csv"
        with csv_path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["team", "authority", "service", "practitioner_email",
                             "practitioner_name", "child_ref", "child_name", "date_of_birth",
                             "status"])
            for p in range(practitioners):
                person = Practitioner(f"bench{p}@example.org", f"bench-password-{p}", authority)
                for c in range(children_each):
                    ref = f"BENCH-{p:03d}-{c:04d}"
                    person.child_refs.append(ref)
                    status = "child_protection" if c % 5 == 0 else "child_in_need"
                    writer.writerow(["Bench team", authority, "children_social_care",
                                     person.email, f"Bench Practitioner {p}", ref,
                                     f"Child {p}-{c}", f"201{c % 10}-0{1 + c % 9}-1{c % 9}",
                                     status])
                people.append(person)
        flask_cli(database_url, "caseload", "import", str(csv_path))
    for person in people:
        flask_cli(database_url, "users", "create", "--email", person.email, "--role",
                  "practitioner", "--team", "Bench team", "--password-stdin",
                  input=person.password + "\n")
    return people


class GunicornServer:
    """The app served by gunicorn on loopback, as in production but with a bench database."""

    def __init__(self, database_url: str, workers: int = 1, threads: int = 1,
                 log_path: Path | None = None, config: Path | None = None,
                 env: dict[str, str] | None = None, keepalive: int | None = None):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.config = config
        self.env = env or {}
        self.keepalive = keepalive
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GunicornServer:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        options = ["-c", str(self.config)] if self.config else []
        if self.keepalive is not None:
            options += ["--keep-alive", str(self.keepalive)]
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), *options, "-w", str(self.workers), "--threads", str(self.threads),
             "-b", f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5",
             "webapp:create_app()"],
            cwd=ROOT, env=app_env(self.database_url, **self.env), stdout=log, stderr=log,
        )
        wait_for_port(self.port, process=self.process)
        # gunicorn listens before its workers have imported the app: wait for a real answer.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.base_url + "/sign-in", timeout=10)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise TimeoutError("gunicorn never answered")

    def worker_pids(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def peak_rss_mb(self) -> float:
        """The highest peak resident set (VmHWM) of any worker, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks, default=0.0)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class SyncClient:
    """A device's view of the server: a signed-in session and the sync endpoint."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.csrf_token: str | None = None

    def _csrf_from(self, html: str) -> str:
        match = CSRF_META.search(html) or CSRF_INPUT.search(html)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return next(g for g in match.groups() if g)

    def sign_in(self, email: str, password: str) -> SyncClient:
        page = self.session.get(self.base_url + "/sign-in", timeout=30)
        page.raise_for_status()
        self.csrf_token = self._csrf_from(page.text)
        answer = self.session.post(
            self.base_url + "/sign-in",
            data={"email": email, "password": password, "csrf_token": self.csrf_token},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"sign-in for {email} failed with {answer.status_code}")
        # Signing in gives the session a new CSRF secret: read the token from the next page.
        landing = self.session.get(self.base_url + answer.headers["Location"], timeout=30)
        landing.raise_for_status()
        self.csrf_token = self._csrf_from(landing.text)
        return self

    def sync(self, device_id: str, records: list[dict], timeout: float = 120) -> requests.Response:
        return self.session.post(
            self.base_url + "/api/v1/sync",
            json={"device_id": device_id, "device_now": iso_now(), "records": records},
            headers={"X-CSRFToken": self.csrf_token},
            timeout=timeout,
        )


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


# Words for case notes, so that text compresses and indexes like prose rather than noise.
_WORDS = (
    "visited home mother father carer child young person school bedroom kitchen garden "
    "observed playing quiet settled upset shared worries about contact arrangements sibling "
    "nursery health visitor GP appointment attended missed plan review safety network "
    "discussed agreed actions next visit week conference core group strategy concerns "
    "improved progress routine meals sleep behaviour friends teacher reported positive "
    "neglect hygiene clothing food cupboard fridge stocked tidy cluttered dog smoking "
    "alcohol drugs police domestic abuse refuge housing officer benefits debt support "
    "worker referral assessment outcome wishes feelings spoke alone seen alone bedroom "
    "drawing three houses worries dreams wishes explained understood consent shared"
).split()


def _prose(rng: random.Random, length: int) -> str:
    words, size = [], 0
    while size < length:
        word = rng.choice(_WORDS)
        words.append(word)
        size += len(word) + 1
    sentences, out = [], []
    for i, word in enumerate(words):
        out.append(word)
        if i % 14 == 13:
            sentences.append(" ".join(out).capitalize() + ".")
            out = []
    if out:
        sentences.append(" ".join(out).capitalize() + ".")
    return " ".join(sentences)[:length]


def visit_record(rng: random.Random, child_ref: str, now: datetime | None = None) -> dict:
    """A visit as a practitioner writes it: about 2.3 KB of JSON, mostly prose."""
    now = now or datetime.now(timezone.utc)
    event_at = now - timedelta(hours=rng.uniform(2, 72))
    completed_at = event_at + timedelta(hours=rng.uniform(0.5, 20))
    if completed_at > now:
        completed_at = now - timedelta(minutes=1)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "child_id": child_ref,
        "record_type": "visit",
        "event_at": event_at.isoformat().replace("+00:00", "Z"),
        "completed_at": completed_at.isoformat().replace("+00:00", "Z"),
        # The visit form of webapp/record_forms.py, with case-note lengths of prose.
        "fields": {
            "visit_type": rng.choice(("statutory_child_protection", "child_in_need")),
            "announced": rng.choice(("announced", "unannounced")),
            "child_seen": True,
            "seen_alone": rng.random() < 0.7,
            "present": "Mother (Ms Smith), maternal grandmother, younger sibling aged 4",
            "childs_words": _prose(rng, rng.randint(250, 450)),
            "observations": _prose(rng, rng.randint(700, 1100)),
            "analysis": _prose(rng, rng.randint(350, 600)),
            "actions": _prose(rng, rng.randint(120, 300)),
        },
    }


def visit_records(count: int, child_refs: list[str], seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    return [visit_record(rng, rng.choice(child_refs), now) for _ in range(count)]


def report(results: dict, json_path: Path | None) -> int:
    """Print a benchmark's figures as JSON, and write them to `json_path` if given."""
    text = json.dumps(results, indent=2)
    print(text)
    if json_path:
        json_path.write_text(text + "\n")
    return 0
