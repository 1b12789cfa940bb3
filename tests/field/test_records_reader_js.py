"""static/js/records-reader.mjs follows GET /api/v1/records' cursor to the last page.

Node runs the module against the app on a live server, with pages of two records; after the
first page another tablet sends two new records and a new version of one already read.
"""
from __future__ import annotations

import json
import re
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import DEFAULT_NOW
from tests.factories import PASSWORD, Factory, iso, new_record, visit_fields

MODULE = Path(__file__).resolve().parents[2] / "static" / "js" / "records-reader.mjs"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"|name="csrf_token"[^>]*value="([^"]+)"')
EVENT = DEFAULT_NOW - timedelta(hours=1)

# Reads every page with readRecords; after the first, sends what arrives "from another tablet".
SCRIPT = """
import { readRecords } from %(module)s
const { base, cookie, token, arrivals } = JSON.parse(process.argv[1])
const asked = []
const getJson = async (path) => {
  asked.push(path)
  const page = await (await fetch(base + path, { headers: { cookie } })).json()
  if (asked.length === 1) {
    const sent = await fetch(base + '/api/v1/sync', {
      method: 'POST',
      headers: { cookie, 'X-CSRFToken': token, 'Content-Type': 'application/json' },
      body: JSON.stringify(arrivals)
    })
    if (!sent.ok) throw new Error('the arrivals were not sent: ' + sent.status)
  }
  return page
}
const { records, nextSince } = await readRecords(getJson)
console.log(JSON.stringify({ asked, nextSince, records: records.map((r) => [r.id, r.version]) }))
"""


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def csrf_token(session: requests.Session, url: str) -> str:
    match = CSRF.search(session.get(url).text)
    return match.group(1) or match.group(2)


def test_the_field_app_reads_every_page_including_records_that_arrive_meanwhile(app, live_server):
    app.config["RECORDS_PAGE_SIZE"] = 2
    with app.app_context():
        make = Factory()
        team = make.team("Norwich", "norfolk")
        make.child(team, reference="NOR-1", practitioner=make.user(team, email="asha@norfolk.test"))
    session = requests.Session()
    session.post(f"{live_server}/sign-in", data={
        "email": "asha@norfolk.test", "password": PASSWORD, "csrf_token": csrf_token(session, f"{live_server}/sign-in"),
    })
    token = csrf_token(session, f"{live_server}/records")
    envelope = lambda records: {"device_id": "tablet-1", "device_now": iso(DEFAULT_NOW), "records": records}  # noqa: E731
    sent = [new_record("NOR-1", EVENT) for _ in range(5)]
    answer = session.post(f"{live_server}/api/v1/sync", json=envelope(sent), headers={"X-CSRFToken": token})
    assert [result["status"] for result in answer.json()["results"]] == ["accepted"] * 5
    first_page = [r["id"] for r in session.get(f"{live_server}/api/v1/records").json()["records"]]
    arrived = [new_record("NOR-1", EVENT) for _ in range(2)]
    corrected = next(record for record in sent if record["id"] == first_page[0])
    correction = dict(corrected, supersedes=1, fields=visit_fields(actions="Call the school."))
    state = {
        "base": live_server,
        "cookie": "; ".join(f"{name}={value}" for name, value in session.cookies.items()),
        "token": token,
        "arrivals": envelope(arrived + [correction]),
    }

    result = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT % {"module": json.dumps(MODULE.as_uri())}, json.dumps(state)],
        capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    read = json.loads(result.stdout)
    assert read["asked"][0] == "/api/v1/records"
    assert len(read["asked"]) == 4  # 5 records, then 2 new and 1 new version: 8 rows, 2 a page
    assert all(path.startswith("/api/v1/records?cursor=") for path in read["asked"][1:])
    versions = dict(read["records"])
    assert set(versions) == {record["id"] for record in sent + arrived}
    assert versions[corrected["id"]] == 2
    assert read["nextSince"] == iso(DEFAULT_NOW)
