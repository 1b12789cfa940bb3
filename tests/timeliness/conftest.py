"""Fixtures for the timeliness engine: a tiny source document, catalogue and policy on disk."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from webapp.timeliness import default_calendar, load_policy

SOURCE_FILE = "doc.txt"
SOURCE_LINES = [
    "Testshire Recording Framework",
    "All records within **2 working days** of the event",
    "Visits where there is a child protection plan: within 24 hours of visit",
    "Youth justice records within 1 working day",
    "Review reports 5 working days before the meeting",
    "Case notes “promptly”\u00a0(no number given)",
]

CATALOGUE = {
    "meta": {"title": "tiny catalogue for tests"},
    "blanket_defaults": [],
    "recording_rules": [
        {"authority": "testshire", "id": "t_default", "quote": SOURCE_LINES[1], "line": 2,
         "ambiguity_refs": ["AMB_END_OF_DAY"]},
        {"authority": "testshire", "id": "t_visit_cp", "quote": SOURCE_LINES[2], "line": 3},
        {"authority": "testshire", "id": "t_youth_justice", "quote": SOURCE_LINES[3], "line": 4},
        {"authority": "testshire", "id": "t_review", "quote": SOURCE_LINES[4], "line": 5},
        {"authority": "testshire", "id": "t_case_notes", "quote": SOURCE_LINES[5], "line": 6},
        {"authority": "otherton", "id": "o_default", "quote": SOURCE_LINES[1], "line": 2},
    ],
    "visit_frequency": [],
    "meeting_review_frequency": [],
    "other_activity_timescales": [],
    "ambiguities": [{"id": "AMB_END_OF_DAY"}, {"id": "AMB_HOURS_WEEKENDS"}],
}


def _source(line: int, catalogue_id: str, quote: str | None = None) -> dict:
    return {"file": SOURCE_FILE, "line": line, "quote": quote or SOURCE_LINES[line - 1],
            "catalogue_id": catalogue_id}


BASE_POLICY = {
    "authority": "testshire",
    "name": "Testshire County Council",
    "catalogue_authority": "testshire",
    "timezone": "Europe/London",
    "record_types": {"visit": "Visit", "case_note": "Case note", "review_report": "Review report"},
    "default": {"id": "t_default", "window": {"kind": "working_days", "amount": 2},
                "sources": [_source(2, "t_default", "within **2 working days**")]},
    "service_defaults": [
        {"id": "t_default_youth_justice", "service": "youth_justice",
         "window": {"kind": "working_days", "amount": 1}, "sources": [_source(4, "t_youth_justice")]},
    ],
    "rules": [
        {"id": "t_visit_cp", "record_type": "visit", "conditions": {"child_protection": True},
         "window": {"kind": "hours", "amount": 24}, "sources": [_source(3, "t_visit_cp", "within 24 hours of visit")]},
        {"id": "t_review", "record_type": "review_report",
         "window": {"kind": "working_days_before", "amount": 5}, "anchor": "meeting_at",
         "sources": [_source(5, "t_review")]},
    ],
    "not_encodable": [{"catalogue_id": "t_case_notes", "reason": '"promptly" has no number'}],
    "ambiguities": {"AMB_END_OF_DAY": {"resolution": "End of the local day.", "why": "Nothing finer is stated."}},
}


@pytest.fixture(scope="session")
def calendar():
    return default_calendar()


@pytest.fixture
def policy_dir(tmp_path) -> Path:
    """A policies/ directory with sources/doc.txt and sources/seed-rules.yaml, no policies yet."""
    root = tmp_path / "policies"
    sources = root / "sources"
    sources.mkdir(parents=True)
    (sources / SOURCE_FILE).write_text("\n".join(SOURCE_LINES) + "\n", encoding="utf-8")
    (sources / "seed-rules.yaml").write_text(yaml.safe_dump(CATALOGUE, allow_unicode=True), encoding="utf-8")
    (root / "README.md").write_text("# not a policy\n")
    return root


@pytest.fixture
def policy_data() -> dict:
    """A valid policy as a dict; tests change it and write it with `write_policy`."""
    return copy.deepcopy(BASE_POLICY)


@pytest.fixture
def write_policy(policy_dir):
    def write(data: dict, stem: str | None = None) -> Path:
        path = policy_dir / f"{stem or data.get('authority', 'broken')}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def testshire(policy_dir, policy_data, write_policy):
    return load_policy(write_policy(policy_data), policy_dir / "sources")
