"""Kinto, the peer: a Python offline-sync server on the same PostgreSQL, fed the same records.

Kinto lives in its own virtual environment (bench/.venv-kinto, made on first use) because its
dependencies (SQLAlchemy 2.1, psycopg2) are not ours. It is served by its default server,
waitress, in one process, as `kinto start` does.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import ROOT, free_port, recreate_postgres_database, wait_for_port

KINTO_VENV = Path(os.environ.get("KINTO_VENV", ROOT / "bench" / ".venv-kinto"))
BUCKET, COLLECTION = "bench", "visits"
AUTH = ("bench-device", "bench-password")

INI = """\
[server:main]
use = egg:waitress#main
host = 127.0.0.1
port = {port}
threads = 4

[app:main]
use = egg:kinto
kinto.storage_backend = kinto.core.storage.postgresql
kinto.storage_url = {storage_url}
kinto.permission_backend = kinto.core.permission.postgresql
kinto.permission_url = {storage_url}
kinto.cache_backend = kinto.core.cache.memory
kinto.userid_hmac_secret = bench-hmac-secret
kinto.bucket_create_principals = system.Authenticated
kinto.batch_max_requests = 500
kinto.http_scheme = http
multiauth.policies = basicauth
multiauth.policy.basicauth.use = kinto.core.authentication.BasicAuthAuthenticationPolicy

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = WARNING
formatter = generic

[formatter_generic]
format = %(levelname)s %(name)s %(message)s
"""


def ensure_kinto_venv() -> Path:
    """The Kinto virtual environment, installed from PyPI the first time."""
    kinto = KINTO_VENV / "bin" / "kinto"
    if not kinto.exists():
        print(f"Installing Kinto into {KINTO_VENV} (first run only) ...", file=sys.stderr)
        # The system's python3, not ours: Kinto must not see the project's packages.
        subprocess.run(["python3", "-m", "venv", str(KINTO_VENV)], check=True)
        subprocess.run([str(KINTO_VENV / "bin" / "pip"), "install", "--quiet",
                        "kinto[postgresql]"], check=True)
    return kinto


def kinto_version() -> str:
    out = subprocess.run([str(KINTO_VENV / "bin" / "kinto"), "version"],
                         capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()


class KintoServer:
    def __init__(self, database: str = "kinto_bench", log_path: Path | None = None):
        self.database = database
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="kinto-bench-")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> KintoServer:
        kinto = ensure_kinto_venv()
        url = recreate_postgres_database(self.database)
        storage_url = url.replace("postgresql+psycopg://", "postgresql://")
        ini = Path(self._tmp.name) / "kinto.ini"
        ini.write_text(INI.format(port=self.port, storage_url=storage_url))
        subprocess.run([str(kinto), "migrate", "--ini", str(ini)], check=True,
                       capture_output=True)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen([str(kinto), "start", "--ini", str(ini)],
                                        stdout=log, stderr=log)
        wait_for_port(self.port, process=self.process)
        session = requests.Session()
        session.auth = AUTH
        session.put(f"{self.base_url}/buckets/{BUCKET}", json={}, timeout=30).raise_for_status()
        session.put(f"{self.base_url}/buckets/{BUCKET}/collections/{COLLECTION}", json={},
                    timeout=30).raise_for_status()
        return self

    def rss_pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._tmp.cleanup()

    def __enter__(self) -> KintoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class KintoClient:
    """Stores records through /v1/batch, create-only (If-None-Match: *) like our exactly-once."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.auth = AUTH

    def store(self, records: list[dict]) -> requests.Response:
        path = f"/buckets/{BUCKET}/collections/{COLLECTION}/records/"
        body = {
            "defaults": {"method": "PUT", "headers": {"If-None-Match": "*"}},
            "requests": [
                {"path": path + record["id"], "body": {"data": record}} for record in records
            ],
        }
        answer = self.session.post(self.base_url + "/batch", json=body, timeout=300)
        answer.raise_for_status()
        statuses = {r["status"] for r in answer.json()["responses"]}
        if not statuses <= {200, 201}:
            raise RuntimeError(f"Kinto answered sub-statuses {sorted(statuses)}")
        return answer

    def count(self) -> int:
        answer = self.session.head(
            f"{self.base_url}/buckets/{BUCKET}/collections/{COLLECTION}/records", timeout=30
        )
        return int(answer.headers.get("Total-Objects") or answer.headers.get("Total-Records"))


def wait_ready(base_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base_url + "/__heartbeat__", timeout=5).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
