"""GET /api/v1/records, /api/v1/caseload, /api/v1/deadlines and /api/v1/openapi.json, and who may
read what."""
from __future__ import annotations

from datetime import timedelta

import re
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_NOW
from tests.factories import iso, new_record, visit_fields

EVENT = DEFAULT_NOW - timedelta(hours=1)


@pytest.mark.parametrize("path", ["/api/v1/caseload", "/api/v1/records"])
def test_reading_without_a_session_is_a_401_json(client, world, path):
    response = client.get(path)
    assert response.status_code == 401
    assert "sign in" in response.get_json()["error"].lower()


def test_syncing_without_a_session_is_a_401_json(client, world, auth):
    response = auth.post_json("/api/v1/sync", {"device_id": "t", "device_now": iso(DEFAULT_NOW), "records": []})
    assert response.status_code == 401
    assert response.get_json()["error"]


def test_syncing_without_the_csrf_token_is_a_400_json(client, asha):
    body = {"device_id": "t", "device_now": iso(DEFAULT_NOW), "records": [new_record("NOR-1", EVENT)]}
    response = client.post("/api/v1/sync", json=body)
    assert response.status_code == 400
    assert "X-CSRFToken" in response.get_json()["error"]
    wrong = client.post("/api/v1/sync", json=body, headers={"X-CSRFToken": "not-the-token"})
    assert wrong.status_code == 400 and wrong.is_json
    assert asha.post_json("/api/v1/sync", body).status_code == 200


def test_an_unknown_api_path_is_a_404_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_records_returns_the_users_own_records_at_their_current_version(app, world, auth, clock):
    auth.sign_in("asha@norfolk.test")
    mine = new_record("NOR-1", EVENT)
    auth.sync([mine], DEFAULT_NOW)
    clock.advance(hours=2)
    auth.sync([dict(mine, supersedes=1, fields=visit_fields(actions="Call school."))], clock.now())
    auth.sign_out()
    auth.sign_in("ben@norfolk.test")
    auth.sync([new_record("NOR-1", EVENT)], clock.now())  # a teammate's record of the same child
    auth.sign_out()
    auth.sign_in("asha@norfolk.test")

    body = auth._client.get("/api/v1/records").get_json()

    assert body["server_now"] == iso(clock.now())
    [record] = body["records"]
    assert (record["id"], record["version"], record["supersedes"]) == (mine["id"], 2, 1)
    assert record["fields"]["actions"] == "Call school."
    assert record["child_id"] == "NOR-1"
    assert record["received_at"] == iso(DEFAULT_NOW + timedelta(hours=2))
    assert record["timeliness"]["received_at"] == iso(DEFAULT_NOW)  # the first version's verdict


def test_records_since_filters_by_receipt(app, asha, clock):
    early = new_record("NOR-1", EVENT)
    asha.sync([early], DEFAULT_NOW)
    clock.advance(hours=1)
    late = new_record("NOR-1", EVENT)
    asha.sync([late], clock.now())
    client = asha._client

    ids = [r["id"] for r in client.get("/api/v1/records", query_string={"since": iso(clock.now())}).get_json()["records"]]
    assert ids == [late["id"]]
    everything = client.get("/api/v1/records").get_json()["records"]
    assert [r["id"] for r in everything] == [early["id"], late["id"]]


@pytest.mark.parametrize("since", ["yesterday", "2026-11-23T10:00:00"])
def test_records_since_must_be_an_instant(app, asha, since):
    response = asha._client.get("/api/v1/records", query_string={"since": since})
    assert response.status_code == 400
    assert response.get_json()["errors"]["since"]


def test_caseload_lists_the_practitioners_children_and_their_authoritys_forms(app, asha):
    asha.sync([new_record("NOR-1", EVENT)], DEFAULT_NOW)

    body = asha._client.get("/api/v1/caseload").get_json()

    assert body["user"] == {"name": "Asha", "email": "asha@norfolk.test", "role": "practitioner", "team": "Norwich"}
    children = {child["id"]: child for child in body["children"]}
    assert set(children) == {"NOR-1", "NOR-2"}  # allocated to Asha; not Ben's NOR-3
    assert children["NOR-1"]["last_visit_at"] == iso(EVENT)
    assert children["NOR-2"]["last_visit_at"] is None
    assert children["NOR-2"]["statuses"] == ["child_protection"]
    assert children["NOR-2"]["status_labels"] == ["Child protection plan"]
    assert children["NOR-2"]["child_protection"] is True
    [norfolk] = body["authorities"]
    assert norfolk["id"] == "norfolk"
    types = {t["id"]: t for t in norfolk["record_types"]}
    assert types["visit"]["form"] == "visit" and types["case_note"]["form"] == "case_note"
    assert types["contact"]["form"] is None
    visit_fields_spec = {f["name"]: f for f in norfolk["forms"]["visit"]["fields"]}
    assert [c["value"] for c in visit_fields_spec["visit_type"]["choices"]] == [
        "statutory_child_protection", "child_in_need", "looked_after", "care_leaver", "early_help", "other",
    ]
    assert visit_fields_spec["child_not_seen_reason"]["show_when"] == {
        "field": "child_seen", "equals": False, "hint": "Answer if you did not see the child.",
    }
    assert visit_fields_spec["bedroom_seen"]["show_when"] == {
        "child_status": "looked_after", "hint": "Answer for a looked after child.",
    }
    assert visit_fields_spec["analysis"]["messages"] == {
        "missing": "Enter your analysis", "invalid": "Must be text.",
        "too_long": "Your analysis must be 20,000 characters or fewer",
    }
    assert visit_fields_spec["event_at"]["envelope"] == "event_at"
    assert visit_fields_spec["observations"]["max_length"] == 20000
    assert [f["name"] for f in norfolk["forms"]["case_note"]["fields"]] == [
        "child", "record_type", "note_type", "event_at", "text", "delay_reason",
    ]


def test_a_manager_sees_the_teams_children_and_an_admin_sees_all(app, world, auth):
    auth.sign_in("grace@norfolk.test")
    assert {c["id"] for c in auth._client.get("/api/v1/caseload").get_json()["children"]} == {"NOR-1", "NOR-2", "NOR-3"}
    auth.sign_out()
    auth.sign_in("admin@test.test")
    body = auth._client.get("/api/v1/caseload").get_json()
    assert {c["id"] for c in body["children"]} == {"NOR-1", "NOR-2", "NOR-3", "WAR-1", "WAR-2"}
    assert [a["id"] for a in body["authorities"]] == ["norfolk", "warwickshire"]


def test_a_practitioner_can_neither_sync_for_nor_read_another_teams_children(app, world, auth):
    auth.sign_in("maya@warwickshire.test")
    theirs = new_record("WAR-1", EVENT)
    auth.sync([theirs], DEFAULT_NOW)
    auth.sign_out()
    auth.sign_in("asha@norfolk.test")

    [result] = auth.sync([new_record("WAR-1", EVENT)], DEFAULT_NOW).get_json()["results"]
    assert result["status"] == "rejected"
    assert "WAR-1" not in {c["id"] for c in auth._client.get("/api/v1/caseload").get_json()["children"]}
    assert auth._client.get("/api/v1/records").get_json()["records"] == []
    # Resending another team's record id reveals nothing about it.
    [resend] = auth.sync([dict(theirs, child_id="NOR-1")], DEFAULT_NOW).get_json()["results"]
    assert resend["status"] == "conflict"
    assert resend["timeliness"] is None and resend["version"] is None


def test_the_openapi_document_describes_the_api_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {"/api/v1/sync", "/api/v1/records", "/api/v1/caseload", "/api/v1/deadlines"}
    schemas = spec["components"]["schemas"]
    assert set(schemas["Record"]["required"]) == {"id", "child_id", "record_type", "event_at", "completed_at"}
    assert "20000 characters" in schemas["Record"]["properties"]["fields"]["description"]
    assert schemas["RecordResult"]["properties"]["status"]["enum"] == ["accepted", "duplicate", "conflict", "rejected"]
    assert "413" in spec["paths"]["/api/v1/sync"]["post"]["responses"]
    assert {"section_47", "immediate"} <= set(schemas["Record"]["properties"])
    timeliness = schemas["Timeliness"]["properties"]
    assert "exclusive" in timeliness["due_at"]["description"]
    assert timeliness["due_by_local_day"]["format"] == "date"


def test_the_openapi_document_describes_every_api_the_readme_lists(client):
    """Each `/api/v1/` path in the README's table is in the document."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    listed = {path for _method, path in re.findall(r"\| `(GET|POST) (/api/v1/[a-z./]+)`", readme)}
    spec = client.get("/api/v1/openapi.json").get_json()
    assert listed and listed <= set(spec["paths"])


def test_the_deadline_table_is_what_the_document_says(client, asha):
    """Every part of the table the forms read is described, and the table is served through its schema."""
    spec = client.get("/api/v1/openapi.json").get_json()
    get = spec["paths"]["/api/v1/deadlines"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Deadlines"}
    assert "401" in get["responses"]
    schemas = spec["components"]["schemas"]
    table = client.get("/api/v1/deadlines").get_json()
    assert table["windows"] and table["children"]
    assert set(table) == set(schemas["Deadlines"]["properties"])
    for window in table["windows"].values():
        assert set(window) <= set(schemas["DeadlineWindow"]["properties"])
