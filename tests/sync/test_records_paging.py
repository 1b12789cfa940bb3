"""GET /api/v1/records page by page: a page size, an opaque cursor, and records arriving meanwhile."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import DEFAULT_NOW
from tests.factories import iso, new_record, visit_fields

EVENT = DEFAULT_NOW - timedelta(hours=1)
PAGE = 3


@pytest.fixture
def small_pages(app):
    app.config["RECORDS_PAGE_SIZE"] = PAGE


def read_pages(client, first_query=None, between=None):
    """Every page of one reading, following next_cursor; `between(pages)` runs after each page."""
    pages = [client.get("/api/v1/records", query_string=first_query or {}).get_json()]
    while pages[-1]["next_cursor"]:
        assert len(pages) < 20, "the cursor does not move on"
        if between:
            between(pages)
        response = client.get("/api/v1/records", query_string={"cursor": pages[-1]["next_cursor"]})
        assert response.status_code == 200, response.get_json()
        pages.append(response.get_json())
    return pages


def test_more_records_than_a_page_are_read_once_each_in_order(app, asha, small_pages):
    # Eight records in one request share their received_at: the row id orders them.
    records = [new_record("NOR-1", EVENT) for _ in range(8)]
    asha.sync(records, DEFAULT_NOW)

    pages = read_pages(asha._client)

    assert [len(page["records"]) for page in pages] == [3, 3, 2]
    assert [page["next_cursor"] is None for page in pages] == [False, False, True]
    assert {page["server_now"] for page in pages} == {iso(DEFAULT_NOW)}
    read = [record["id"] for page in pages for record in page["records"]]
    assert sorted(read) == sorted(record["id"] for record in records)
    assert len(read) == len(set(read))


def test_a_page_exactly_full_is_the_last(app, asha, small_pages):
    asha.sync([new_record("NOR-1", EVENT) for _ in range(PAGE)], DEFAULT_NOW)
    [page] = read_pages(asha._client)
    assert len(page["records"]) == PAGE and page["next_cursor"] is None


def test_records_arriving_between_pages_are_read_and_nothing_is_skipped(app, asha, clock, small_pages):
    before = {record["id"]: record for record in (new_record("NOR-1", EVENT) for _ in range(7))}
    asha.sync(list(before.values()), DEFAULT_NOW)
    arrived, changed = [], []

    def meanwhile(pages):
        if len(pages) != 1:
            return
        # Another tablet sends while this one reads: two new records, and new versions of a
        # record already read and of one not read yet.
        clock.advance(minutes=5)
        first_page = [record["id"] for record in pages[0]["records"]]
        not_read = [uuid for uuid in before if uuid not in first_page]
        changed.extend([first_page[0], not_read[-1]])
        new = [new_record("NOR-2", EVENT) for _ in range(2)]
        versions = [
            dict(before[uuid], supersedes=1, fields=visit_fields(actions=f"Call about {uuid}."))
            for uuid in changed
        ]
        results = asha.sync(new + versions, clock.now()).get_json()["results"]
        assert [result["status"] for result in results] == ["accepted"] * 4
        arrived.extend(record["id"] for record in new)

    pages = read_pages(asha._client, between=meanwhile)

    latest = {}
    for page in pages:
        for record in page["records"]:
            latest[record["id"]] = record
    assert set(latest) == set(before) | set(arrived)
    for uuid in changed:
        assert (latest[uuid]["version"], latest[uuid]["fields"]["actions"]) == (2, f"Call about {uuid}.")
    # Every record came once, but the one changed after it was read, which came again.
    read = [record["id"] for page in pages for record in page["records"]]
    assert sorted(read) == sorted([*before, *arrived, changed[0]])
    # Every page answers when the reading began: the next reading starts there and misses nothing.
    assert {page["server_now"] for page in pages} == {iso(DEFAULT_NOW)}
    again = read_pages(asha._client, {"since": pages[0]["server_now"]})
    assert {record["id"] for page in again for record in page["records"]} == set(latest)


def test_since_is_kept_by_the_cursor(app, asha, clock, small_pages):
    asha.sync([new_record("NOR-1", EVENT) for _ in range(2)], DEFAULT_NOW)
    clock.advance(hours=1)
    later = [new_record("NOR-1", EVENT) for _ in range(5)]
    asha.sync(later, clock.now())

    pages = read_pages(asha._client, {"since": iso(clock.now())})

    assert [len(page["records"]) for page in pages] == [3, 2]
    assert sorted(r["id"] for page in pages for r in page["records"]) == sorted(r["id"] for r in later)
    assert {page["server_now"] for page in pages} == {iso(clock.now())}


def test_a_cursor_reads_only_the_signed_in_users_records(app, world, auth, small_pages):
    auth.sign_in("asha@norfolk.test")
    auth.sync([new_record("NOR-1", EVENT) for _ in range(5)], DEFAULT_NOW)
    cursor = auth._client.get("/api/v1/records").get_json()["next_cursor"]
    auth.sign_out()
    auth.sign_in("ben@norfolk.test")
    mine = new_record("NOR-3", EVENT, fields=visit_fields(bedroom_seen=True))
    [result] = auth.sync([mine], DEFAULT_NOW).get_json()["results"]
    assert result["status"] == "accepted", result

    page = auth._client.get("/api/v1/records", query_string={"cursor": cursor}).get_json()

    # Asha's cursor is only a position: Ben reads his own record after it, and none of hers.
    assert [record["id"] for record in page["records"]] == [mine["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJiIjoxfQ"}, "cursor"),  # {"b":1}: well formed, not ours
        ({"cursor": "W10"}, "cursor"),  # []
    ],
)
def test_a_cursor_that_was_not_given_out_is_a_400(app, asha, query, field):
    response = asha._client.get("/api/v1/records", query_string=query)
    assert response.status_code == 400
    body = response.get_json()
    assert "next_cursor" in body["error"]
    assert body["errors"][field]


def test_since_with_a_cursor_is_a_400(app, asha, small_pages):
    asha.sync([new_record("NOR-1", EVENT) for _ in range(5)], DEFAULT_NOW)
    cursor = asha._client.get("/api/v1/records").get_json()["next_cursor"]
    response = asha._client.get("/api/v1/records", query_string={"cursor": cursor, "since": iso(DEFAULT_NOW)})
    assert response.status_code == 400
    assert "since" in response.get_json()["error"]


def test_the_openapi_document_gives_the_page_size_and_the_cursor(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    read = spec["paths"]["/api/v1/records"]["get"]
    assert f"At most {app.config['RECORDS_PAGE_SIZE']} records a page" in read["description"]
    assert {parameter["name"] for parameter in read["parameters"]} == {"since", "cursor"}
    assert "next_cursor" in spec["components"]["schemas"]["RecordsResponse"]["properties"]
