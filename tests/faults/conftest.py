"""Fault-test fixtures: the test's own app (FixedClock, SQLite or PostgreSQL) served on a werkzeug
thread, for faults on the wire. The helpers (seeded caseloads, devices, gunicorn processes to kill)
are in tests/faults/helpers.py.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def live_server(app):
    """The test's app served on 127.0.0.1 by a threaded werkzeug server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
