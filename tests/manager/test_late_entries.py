"""The late-entries list: filters and their combinations, sorting, paging and htmx."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.manager.fixtures import at, build_hand_worked_team
from webapp.manager import service
from webapp.manager.schemas import LateEntryFilters, Period, parse_late_entry_filters

TODAY = date(2026, 11, 23)


@pytest.fixture
def worked(make):
    return build_hand_worked_team(make)


def _numbers(app, worked, args: dict, scope=None) -> list[int]:
    """The fixture numbers of the entries listed for these query args, in order."""
    by_uuid = {check.record_uuid: n for n, check in worked.records.items()}
    filters, errors = parse_late_entry_filters(args, TODAY)
    assert errors == {}
    with app.app_context():
        page = service.late_entries(scope or service.Scope(worked.team.id), filters)
    return [by_uuid[entry.record_uuid] for entry in page.entries]


@pytest.mark.parametrize(
    "args, expected",
    [
        ({}, [1, 2, 3, 4, 5, 6][2:] and [3, 5, 6]),  # late only, newest received first
        ({"verdict": "any"}, [1, 2, 3, 4, 5, 6]),
        ({"verdict": "on_time"}, [1, 2, 4]),
        ({"practitioner": "BOB"}, [5, 6]),
        ({"practitioner": "BOB", "cause": "synced_late"}, [5]),
        ({"practitioner": "ALICE", "cause": "synced_late"}, []),
        ({"record_type": "case_note"}, [5]),
        ({"record_type": "visit", "verdict": "any", "practitioner": "BOB"}, [4, 6]),
        ({"cause": "unknown"}, [6]),
        ({"child": "smi"}, [3]),  # part of Amy Smith's name, any case
        ({"child": "WK-0002"}, [5, 6]),  # Ben's reference
        ({"child": "WK-0003"}, []),  # another team's child
        ({"child": "smi", "verdict": "any"}, [1, 2, 3]),
        ({"from": "2026-11-01", "to": "2026-11-10"}, [5]),
        ({"from": "2026-10-26", "to": "2026-10-27"}, [6, 7]),
        ({"from": "2026-11-24", "to": "2026-11-24"}, [8]),
        ({"sort": "late_by", "order": "desc", "verdict": "any"}, None),
        ({"sort": "event", "order": "asc"}, [6, 5, 3]),
    ],
)
def test_filter_combinations(app, worked, args, expected):
    args = {
        key: str(getattr(worked, value.lower()).id) if key == "practitioner" else value
        for key, value in args.items()
    }
    numbers = _numbers(app, worked, args)
    if expected is None:  # sorted by how late: 5 (100 h - 72 h), 3 (80 h - 72 h), 6 (3 h - 1 h), then on time
        assert numbers[:3] == [5, 3, 6]
        return
    assert numbers == expected


def test_reviewed_filter(app, worked):
    with app.app_context():
        service.review_late_entry(
            service.Scope(worked.team.id), worked.records[3].record_uuid, worked.manager, "Spoke to Alice", at(23)
        )
    assert _numbers(app, worked, {"reviewed": "yes"}) == [3]
    assert _numbers(app, worked, {"reviewed": "no"}) == [5, 6]
    assert _numbers(app, worked, {"reviewed": "no", "practitioner": str(worked.alice.id)}) == []


def test_admin_sees_every_team(app, worked):
    assert _numbers(app, worked, {}, service.Scope(None)) == [9, 3, 5, 6]


def test_bad_filters_are_reported_and_ignored():
    filters, errors = parse_late_entry_filters(
        {"verdict": "maybe", "cause": "synced_late", "page": "0", "practitioner": "x"}, TODAY
    )
    assert set(errors) == {"verdict", "page", "practitioner"}
    assert filters == LateEntryFilters(Period(date(2026, 10, 27), TODAY), cause="synced_late")


def test_query_args_round_trip():
    filters = LateEntryFilters(Period(date(2026, 11, 1), date(2026, 11, 10)), practitioner=4, cause="unknown", page=3)
    args = filters.query_args()
    assert args == {"from": "2026-11-01", "to": "2026-11-10", "practitioner": 4, "cause": "unknown", "page": 3}
    assert parse_late_entry_filters({k: str(v) for k, v in args.items()}, TODAY) == (filters, {})


def test_paging(app, make):
    team = make.team()
    person = make.user(team)
    child = make.child(team)
    for minute in range(60):
        make.checked_record(child, person, received_at=at(20, minute=minute), delay=timedelta(hours=80), verdict="late", cause="recorded_late")
    first, _ = parse_late_entry_filters({}, TODAY)
    second, _ = parse_late_entry_filters({"page": "2"}, TODAY)
    beyond, _ = parse_late_entry_filters({"page": "9"}, TODAY)
    with app.app_context():
        page1 = service.late_entries(service.Scope(team.id), first)
        page2 = service.late_entries(service.Scope(team.id), second)
        page9 = service.late_entries(service.Scope(team.id), beyond)
    assert (page1.total, len(page1.entries), page1.pages) == (60, 50, 2)
    assert len(page2.entries) == 10
    assert page2.entries[-1].received_at == at(20, minute=0)
    assert (page2.first_index, page2.last_index) == (51, 60)
    assert page9.page == 2  # past the end: the last page


def test_full_page_and_htmx_fragment_from_the_same_url(client, auth, worked):
    auth.sign_in(worked.manager)
    url = f"/manager/late-entries?practitioner={worked.bob.id}&cause=synced_late"

    page = client.get(url)
    assert page.status_code == 200
    assert "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert "<html" in html and 'hx-push-url="true"' in html and 'method="get"' in html
    assert html.count('<tr class="govuk-table__row">') == 2  # header and record 5
    assert f'<option value="{worked.bob.id}" selected>Bob Baker</option>' in html

    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert text.lstrip().startswith('<div id="late-entries-results"')  # the swapped part, and only it
    assert text.count('id="late-entries-results"') == 1
    assert "Showing 1 to 1 of 1 entries" in text
    assert worked.records[5].record_uuid in text

    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_links_keep_the_filters(client, auth, worked):
    auth.sign_in(worked.manager)
    html = client.get(f"/manager/late-entries?cause=unknown&from=2026-10-01&to=2026-11-23").get_data(as_text=True)
    assert "/manager/late-entries.csv?from=2026-10-01&amp;to=2026-11-23&amp;cause=unknown" in html
    assert "to=2026-11-23&amp;cause=unknown&amp;sort=late_by\"" in html  # desc is the default


def test_invalid_filter_shows_an_error_summary(client, auth, worked):
    auth.sign_in(worked.manager)
    response = client.get("/manager/late-entries?verdict=maybe")
    assert response.status_code == 200
    assert "There is a problem" in response.get_data(as_text=True)
