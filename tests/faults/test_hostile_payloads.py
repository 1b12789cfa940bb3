"""Hostile payloads: whatever a broken or malicious client sends, the API never answers 5xx.

Three layers, all bounded so that they finish in seconds:
- schemathesis, driven by the API's own OpenAPI document;
- hypothesis envelopes mixing valid parts with wrong types, nulls, odd unicode and huge values;
- hand-picked bodies no generator is likely to find: deep nesting, bad UTF-8, NaN, oversize.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sqlalchemy import func, select

from tests.conftest import DEFAULT_NOW
from tests.factories import AuthActions
from tests.faults.helpers import seed_team, visit
from webapp import create_app
from webapp.clock import FixedClock
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import Record

FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hostile_app(request, tmp_path_factory):
    """One app per database for the whole module: building an app and loading the policies
    costs about a second, and these tests only add records."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, CLOCK=FixedClock(DEFAULT_NOW))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(scope="module")
def signed_in(hostile_app):
    """A practitioner's test client, the CSRF header it needs, and its children."""
    person = seed_team(hostile_app, children=3)[0]
    client = hostile_app.test_client()
    auth = AuthActions(client)
    assert auth.sign_in(person.email, person.password).status_code == 302
    return client, {"X-CSRFToken": auth.token}, person


@pytest.fixture
def app(hostile_app):
    return hostile_app


@pytest.fixture
def clock(hostile_app):
    return hostile_app.config["CLOCK"]


def _assert_answered_properly(answer) -> None:
    assert answer.status_code < 500, answer.get_data(as_text=True)[:500]
    if answer.status_code >= 400:
        body = answer.get_json(silent=True)
        assert isinstance(body, dict) and body.get("error"), answer.get_data(as_text=True)[:300]


# --- schemathesis --------------------------------------------------------------------------

def test_openapi_operations_never_answer_5xx(hostile_app, signed_in):
    """Every operation of /api/v1/openapi.json, with cases schemathesis draws from it.

    Driven through hypothesis directly: schemathesis' pytest plugin does not run under
    pytest 9."""
    client, headers, _ = signed_in
    cookie = client.get_cookie("session")
    auth = {**headers, "Cookie": f"session={cookie.value}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", hostile_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(op.method.upper() == "POST" and op.path.endswith("/sync") for op in operations)
    for operation in operations:

        @settings(max_examples=5, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def never_5xx(case):
            response = case.call(headers=auth)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])

        never_5xx()


# --- hypothesis envelopes ------------------------------------------------------------------

odd_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "\udfff x", "\u202e", "😀" * 10, "' OR 1=1 --",
                     "<script>alert(1)</script>", "../../etc/passwd", " ", "", "\n\t"]),
    st.integers(min_value=1, max_value=5).map(lambda n: "x" * (10 ** n)),
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         odd_text)
hostile = st.recursive(json_scalars,
                       lambda inner: st.one_of(st.lists(inner, max_size=4),
                                               st.dictionaries(odd_text, inner, max_size=4)),
                       max_leaves=12)
instants = st.one_of(
    st.sampled_from(["2026-11-23T08:00:00Z", "2026-11-23T08:00:00", "2026-02-30T00:00:00Z",
                     "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-11-23T08:00:00+25:00",
                     "yesterday", "1700000000"]),
    hostile,
)


@st.composite
def hostile_records(draw, child_refs):
    event_at = draw(st.datetimes(datetime(2026, 11, 1), datetime(2026, 11, 23)))
    record = visit(draw(st.sampled_from(child_refs)), event_at.replace(tzinfo=timezone.utc))
    for key in draw(st.sets(st.sampled_from(
            ["id", "child_id", "record_type", "event_at", "completed_at", "child_protection",
             "supersedes", "fields", "extra"]), max_size=3)):
        record[key] = draw(instants if key.endswith("_at") else hostile)
    if draw(st.booleans()):
        field = draw(st.sampled_from(["visit_type", "child_seen", "observations", "present",
                                      "analysis", draw(odd_text)]))
        record["fields"] = dict(record["fields"]) if isinstance(record["fields"], dict) else {}
        record["fields"][field] = draw(hostile)
    return draw(st.one_of(st.just(record), hostile)) if draw(st.integers(0, 9)) == 0 else record


@FUZZ_SETTINGS
@given(data=st.data())
def test_hostile_envelopes_never_answer_5xx(signed_in, data):
    client, headers, person = signed_in
    envelope = {
        "device_id": data.draw(st.one_of(st.just("tablet-1"), hostile), label="device_id"),
        "device_now": data.draw(st.one_of(st.just("2026-11-23T10:00:00Z"), instants),
                                label="device_now"),
        "records": data.draw(st.one_of(
            st.lists(hostile_records(person.child_refs), max_size=5), hostile), label="records"),
    }
    for key in data.draw(st.sets(st.sampled_from(list(envelope)), max_size=1), label="drop"):
        del envelope[key]
    body = json.dumps(envelope)
    answer = client.post("/api/v1/sync", data=body, headers=headers,
                         content_type="application/json")
    _assert_answered_properly(answer)


# --- hand-picked bodies -------------------------------------------------------------------

def _envelope(person, clock, records=None, **changes) -> dict:
    if records is None:
        records = [visit(person.child_refs[0], clock.now() - timedelta(hours=1))]
    return {"device_id": "tablet-1", "device_now": "2026-11-23T10:00:00Z", "records": records,
            **changes}


CASES = {
    "deeply nested array": lambda p, c: b"[" * 100_000 + b"]" * 100_000,
    "deeply nested fields": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"actions": "', '"deep": ' + "[" * 5000 + "]" * 5000 + ', "actions": "').encode(),
    "invalid utf-8": lambda p, c: b'{"device_id": "\xff\xfe", "records": []}',
    "NaN and Infinity": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"records": [{', '"records": [{"supersedes": NaN, "x": Infinity, ').encode(),
    "huge exponent": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"records": [{', '"records": [{"supersedes": 1e999999, ').encode(),
    "empty body": lambda p, c: b"",
    "json null": lambda p, c: b"null",
    "json array": lambda p, c: b"[1, 2, 3]",
    "truncated json": lambda p, c: json.dumps(_envelope(p, c)).encode()[:-20],
    "nul in device id": lambda p, c: json.dumps(_envelope(p, c, device_id="tab\x00let")).encode(),
    "lone surrogate in text": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"actions": "', '"actions": "\\ud800').encode(),
    "nul in a text field": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"actions": "', '"actions": "\\u0000').encode(),
    "nul in child id": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"child_id": "', '"child_id": "\\u0000').encode(),
    "records is a string": lambda p, c: json.dumps(_envelope(p, c, records="x" * 1000)).encode(),
    "record is a list": lambda p, c: json.dumps(_envelope(p, c, records=[[1, 2]])).encode(),
    "a thousand fields": lambda p, c: json.dumps(_envelope(p, c, records=[
        {**visit(p.child_refs[0], c.now() - timedelta(hours=1)),
         "fields": {f"f{i}": "x" for i in range(1000)}}])).encode(),
    "text at 1.9 MB": lambda p, c: json.dumps(_envelope(p, c, records=[
        {**visit(p.child_refs[0], c.now() - timedelta(hours=1)),
         "fields": {"observations": "y" * 1_900_000}}])).encode(),
    "huge integer": lambda p, c: json.dumps(_envelope(p, c)).replace(
        '"records": [{', '"records": [{"supersedes": ' + "9" * 4000 + ", ").encode(),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hand_picked_hostile_bodies_get_4xx_or_per_record_answers(signed_in, clock, case):
    client, headers, person = signed_in
    answer = client.post("/api/v1/sync", data=CASES[case](person, clock), headers=headers,
                         content_type="application/json")
    _assert_answered_properly(answer)
    if answer.status_code == 200:
        assert all(r["status"] in ("accepted", "rejected") for r in answer.get_json()["results"])


def test_over_two_megabytes_is_413_with_a_message(signed_in, clock):
    client, headers, person = signed_in
    body = json.dumps(_envelope(person, clock, padding="z" * (2 * 1024 * 1024))).encode()
    answer = client.post("/api/v1/sync", data=body, headers=headers,
                         content_type="application/json")
    assert answer.status_code == 413
    assert re.search(r"too large", answer.get_json()["error"], re.I)


def test_over_five_hundred_records_is_413_and_stores_nothing(signed_in, clock, app):
    client, headers, person = signed_in
    records = [visit(person.child_refs[0], clock.now() - timedelta(hours=1), text_size=10)
               for _ in range(501)]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Record))
    answer = client.post("/api/v1/sync", json=_envelope(person, clock, records=records),
                         headers=headers)
    assert answer.status_code == 413
    assert "500" in answer.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == before
