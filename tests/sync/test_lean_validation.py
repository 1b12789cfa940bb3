"""The lean record check takes a record exactly as RecordSchema would, or leaves it to RecordSchema."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from tests.factories import visit_fields
from webapp.sync.schemas import RecordSchema
from webapp.sync.validation import lean_record

SCHEMA = RecordSchema()
ID = "0b8f8b9e-2a6c-4f0e-9c4e-2f1d3c5b7a90"


def good(**changes):
    record = {
        "id": ID, "child_id": "NOR-1", "record_type": "visit",
        "event_at": "2026-11-23T09:00:00Z", "completed_at": "2026-11-23T09:30:00.123456+01:00",
        "fields": visit_fields(),
    }
    record.update(changes)
    return {name: value for name, value in record.items() if value is not DROP}


DROP = object()


def schema_answer(raw):
    try:
        return SCHEMA.load(raw)
    except ValidationError:
        return "invalid"


@pytest.mark.parametrize("raw", [
    good(),
    good(child_protection=True, section_47=True, immediate=False, supersedes=3),
    good(fields=DROP, unknown_key="newer devices send more"),
    good(fields={}, supersedes=None, event_at="2026-11-23T10:00:00-05:30"),
])
def test_a_well_formed_record_takes_the_lean_path_and_loads_as_the_schema_loads_it(raw):
    lean = lean_record(raw)
    assert lean is not None
    assert lean == SCHEMA.load(raw)
    assert lean["completed_at"].utcoffset().total_seconds() == 0


@pytest.mark.parametrize("raw", [
    good(id=ID.upper()),  # valid, but the schema writes it in lower case: the lean path would too
    good(child_protection=1),  # marshmallow decides what 1 means
    good(supersedes=True),
    good(supersedes=0),
    good(fields=None),
    good(fields={"Bad": "x"}),
    good(fields={"text": "nul \x00 inside"}),
    good(child_id=""),
    good(child_id="NOR\x00"),
    good(record_type="v" * 61),
    good(event_at="2026-11-23T09:00:00"),  # no offset
    good(event_at="1989-12-31T23:00:00Z"),  # before the working calendar
    good(completed_at="2101-01-01T00:00:00Z"),
    good(event_at="0001-01-01T00:00:00+01:00"),
    good(event_at="x" * 65),
    good(id="not-a-uuid-but-thirty-six-characters"),
    good(id=DROP),
])
def test_anything_unusual_is_left_to_the_schema_or_loads_identically(raw):
    lean = lean_record(raw)
    assert lean is None or lean == SCHEMA.load(raw)
    if schema_answer(raw) == "invalid":
        assert lean is None


values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2_000_000) | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
instants = st.sampled_from([
    "2026-11-23T09:00:00Z", "2026-11-23T09:00:00.5+00:00", "2026-11-23T09:00:00", "1990-01-01T00:00:00Z",
    "2045-12-31T23:59:59+14:00", "1970-01-01T00:00:00Z", "2100-12-31T23:59:59-12:00", "2026-02-30T10:00:00Z",
    "", "9999-12-31T23:59:59-01:00",
]) | values
mutations = {
    "id": st.sampled_from([ID, ID.upper(), str(uuid.UUID(int=7)), "x"]) | values,
    "child_id": st.sampled_from(["NOR-1", "", "N" * 64, "N" * 65, "a\x00", "\ud800"]) | values,
    "record_type": st.sampled_from(["visit", "case_note", "r" * 60, "r" * 61]) | values,
    "event_at": instants,
    "completed_at": instants,
    "child_protection": values,
    "section_47": values,
    "immediate": values,
    "supersedes": st.integers(-1, 1_000_001) | values,
    "fields": st.dictionaries(st.sampled_from(["text", "visit_type", "Bad", "x" * 65, "ok_1"]),
                              values | st.text(max_size=3).map(lambda t: t + "\x00"), max_size=4) | values,
}


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries({}, optional=mutations), st.sets(st.sampled_from(sorted(mutations))))
def test_the_lean_path_never_accepts_what_the_schema_refuses_nor_loads_differently(changes, dropped):
    raw = good(**changes)
    for name in dropped:
        raw.pop(name, None)
    lean = lean_record(raw)
    if lean is not None:
        assert lean == SCHEMA.load(raw)
