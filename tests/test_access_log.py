"""Access logs keep no personal data: the lines gunicorn and the development server write.

A caseload search (`/?q=`) may hold a child's name, and the next page's Referer repeats it.
"""
from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from webapp.access_log import redact_query, redact_request_line, redact_target

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
NAME = "Amelia Adams"


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ("q=Amelia+Adams", "q=[redacted]"),
        ("q=Amelia&page=2", "q=[redacted]&page=2"),
        ("child=NOR-0001&verdict=late&from=2026-11-01", "child=[redacted]&verdict=late&from=2026-11-01"),
        ("Amelia", "[redacted]"),
        ("", ""),
    ],
)
def test_query_values_are_redacted_unless_they_are_never_personal(query, logged):
    assert redact_query(query) == logged


def test_a_decoded_request_line_is_redacted_up_to_the_protocol():
    line = "\x1b[33mGET /?q=Amelia Adams HTTP/1.1 HTTP/1.1\x1b[0m"
    assert redact_request_line(line) == "\x1b[33mGET /?q=[redacted] HTTP/1.1\x1b[0m"
    assert redact_request_line("GET /records HTTP/1.1") == "GET /records HTTP/1.1"
    assert redact_target("https://visits.example/?q=Amelia") == "https://visits.example/?q=[redacted]"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_logs_the_search_without_its_terms(tmp_path):
    access_log = tmp_path / "access.log"
    port = free_port()
    env = dict(
        os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'visits.sqlite'}", SECRET_KEY="access-log-test",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    with tempfile.TemporaryFile() as output:
        # Started where an operator starts it: gunicorn reads gunicorn.conf.py from there.
        server = subprocess.Popen(
            [str(GUNICORN), "-w", "1", "-b", f"127.0.0.1:{port}", "--access-logfile", str(access_log),
             "webapp:create_app()"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, "gunicorn exited"
                try:
                    requests.get(f"{base}/?q=Amelia+Adams", allow_redirects=False, timeout=5)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, "gunicorn did not answer"
                    time.sleep(0.1)
            requests.get(f"{base}/sign-in?page=2", headers={"Referer": f"{base}/?q=Amelia%20Adams"}, timeout=5)
            while access_log.read_text().count("\n") < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            server.terminate()
            server.wait(timeout=10)

    lines = access_log.read_text().splitlines()
    search, sign_in = lines[-2], lines[-1]
    assert '"GET /?q=[redacted] HTTP/1.1" 302' in search
    assert '"GET /sign-in?page=2 HTTP/1.1" 200' in sign_in
    assert f'"{base}/?q=[redacted]"' in sign_in  # the Referer
    for line in lines:
        assert "Amelia" not in line and "Adams" not in line


def test_the_development_server_logs_the_search_without_its_terms(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            requests.get(f"http://127.0.0.1:{server.server_port}/?q=Amelia%20Adams", allow_redirects=False, timeout=5)
    finally:
        server.shutdown()
        thread.join(timeout=5)

    [line] = [
        re.sub(r"\x1b\[[\d;]*m", "", record.getMessage())  # the colour of a 302
        for record in caplog.records if record.name == "werkzeug" and "GET" in record.getMessage()
    ]
    assert '"GET /?q=[redacted] HTTP/1.1" 302' in line
    assert "Amelia" not in line and "Adams" not in line
