"""Random malformed envelopes and records: always a 4xx with a message, or a rejection with one; never a 5xx."""
from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
instants = st.sampled_from(
    ["2026-11-23T09:00:00Z", "2026-11-23T09:00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
     "2026-02-30T10:00:00Z", "", "2026-11-23T09:00:00+25:00", "1990-01-01T00:00:00Z", "2045-12-31T23:00:00Z"]
) | json_values
record_keys = {
    "id": st.sampled_from([str(uuid.UUID(int=1)), "x", str(uuid.UUID(int=2)).upper()]) | json_values,
    "child_id": st.sampled_from(["NOR-1", "WAR-1", "NOR-3", "", "NOR\x00"]) | json_values,
    "record_type": st.sampled_from(["visit", "case_note", "cla_review_report", "nope", "vi\x00sit"]) | json_values,
    "event_at": instants,
    "completed_at": instants,
    "child_protection": json_values,
    "supersedes": st.integers(min_value=-2, max_value=3) | json_values,
    "fields": st.dictionaries(
        st.sampled_from(["visit_type", "child_seen", "meeting_at", "text", "Bad", "observations", "a\x00"]),
        json_values | st.just("nul \x00 inside"),
    ) | json_values,
}
records = st.fixed_dictionaries({}, optional=record_keys) | json_values
envelopes = (
    st.fixed_dictionaries(
        {},
        optional={
            "device_id": st.text(max_size=120) | st.just("tablet\x00") | json_values,
            "device_now": instants,
            "records": st.lists(records, max_size=5) | json_values,
        },
    )
    | json_values
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(envelope=envelopes)
def test_malformed_envelopes_never_cause_a_server_error(app, asha, envelope):
    response = asha.post_json("/api/v1/sync", envelope)
    assert response.status_code < 500
    body = response.get_json()
    if response.status_code == 200:
        for result in body["results"]:
            assert result["status"] in {"accepted", "duplicate", "conflict", "rejected"}
            if result["status"] in {"rejected", "conflict"}:
                assert result["errors"]
    else:
        assert 400 <= response.status_code < 500
        assert body["error"]
