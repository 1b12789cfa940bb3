"""The sync answer is sent as built, without a marshmallow dump: it must already be what SyncResponseSchema documents."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import DEFAULT_NOW
from tests.factories import new_record
from webapp.sync.schemas import SyncResponseSchema

EVENT = DEFAULT_NOW - timedelta(hours=1)


def test_every_kind_of_answer_is_exactly_what_the_schema_documents(asha):
    stored = new_record("NOR-1", EVENT)
    asha.sync([stored], DEFAULT_NOW)
    clash = dict(new_record("NOR-1", EVENT - timedelta(minutes=1)), id=stored["id"])
    late = new_record("NOR-2", DEFAULT_NOW - timedelta(days=20))
    body = asha.sync([stored, clash, late, new_record("WAR-1", EVENT), {"id": 3}], DEFAULT_NOW).get_json()

    assert [r["status"] for r in body["results"]] == ["duplicate", "conflict", "accepted", "rejected", "rejected"]
    assert body["results"][2]["timeliness"]["verdict"] == "late"
    assert SyncResponseSchema().dump(body) == body
    assert set(body) == set(SyncResponseSchema().fields)
    for result in body["results"]:
        assert set(result) == set(SyncResponseSchema().fields["results"].inner.schema.fields)
