"""The manager pages follow GOV.UK patterns: dates typed in parts, their navigation once, and
errors in a summary at the top of the page."""
from __future__ import annotations

from datetime import date

import pytest

from tests.factories import csrf_token_from
from tests.manager.fixtures import build_hand_worked_team
from webapp.manager.schemas import Period, parse_period

TODAY = date(2026, 11, 23)


@pytest.fixture
def worked(make):
    return build_hand_worked_team(make)


@pytest.mark.parametrize(
    ("args", "period", "errors"),
    [
        ({"from-day": "10", "from-month": "11", "from-year": "2026", "to-day": "23", "to-month": "11",
          "to-year": "2026"}, Period(date(2026, 11, 10), TODAY), {}),
        # Typed parts win over the link's ISO date.
        ({"from": "2026-01-01", "from-day": "01", "from-month": "11", "from-year": "2026"},
         Period(date(2026, 11, 1), TODAY), {}),
        ({"from-day": "31", "from-month": "11", "from-year": "2026"}, Period.last_weeks(TODAY),
         {"from": "The start date must be a real date, like 23 11 2026"}),
        ({"to-day": "1", "to-year": "2026"}, Period.last_weeks(TODAY),
         {"to": "The end date must include a month"}),
        ({"from-year": "2026"}, Period.last_weeks(TODAY),
         {"from": "The start date must include a day and month"}),
        ({"from-day": "٣", "from-month": "1", "from-year": "2026"}, Period.last_weeks(TODAY),
         {"from": "The start date must be a real date, like 23 11 2026"}),
        ({"from-day": "1", "from-month": "1", "from-year": "1900"}, Period.last_weeks(TODAY),
         {"from": "Enter a date between 1 January 1990 and 31 December 2045"}),
    ],
)
def test_dates_typed_in_parts(args, period, errors):
    assert parse_period(args, TODAY) == (period, errors)


def test_the_period_is_asked_for_with_date_inputs_in_day_month_year_order(client, auth, worked):
    auth.sign_in(worked.manager)
    html = client.get("/manager/?from=2026-11-10&to=2026-11-23").get_data(as_text=True)
    assert 'type="date"' not in html
    day, month, year = (html.index(f'name="from-{part}"') for part in ("day", "month", "year"))
    assert day < month < year
    assert 'id="filter-from-day" name="from-day" type="text" value="10"' in html
    assert 'id="filter-to-month" name="to-month" type="text" value="11"' in html


def test_a_date_that_is_not_real_is_summarised_and_shown_as_typed(client, auth, worked):
    auth.sign_in(worked.manager)
    response = client.get("/manager/", query_string={"from-day": "31", "from-month": "11", "from-year": "2026"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<a href="#filter-from-day">The start date must be a real date, like 23 11 2026</a>' in html
    assert 'id="filter-from-day" name="from-day" type="text" value="31"' in html
    assert "govuk-input--error" in html


@pytest.mark.parametrize("path, results", [
    ("/manager/late-entries", 'id="late-entries-results"'),
    ("/manager/visits", 'id="visits-results"'),
])
def test_htmx_loads_the_whole_page_when_a_filter_has_an_error(client, auth, worked, path, results):
    auth.sign_in(worked.manager)
    query = "from-day=31&from-month=11&from-year=2026"
    response = client.get(f"{path}?{query}", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == f"{path}?{query}"
    assert "HX-Request" in response.headers["Vary"]
    fine = client.get(f"{path}?from=2026-11-01", headers={"HX-Request": "true"})
    assert "HX-Redirect" not in fine.headers
    assert results in fine.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/manager/", "/manager/late-entries"])
def test_the_manager_pages_are_linked_once(client, auth, worked, path):
    auth.sign_in(worked.manager)
    html = client.get(path).get_data(as_text=True)
    assert html.count('href="/manager/"') == 1
    assert html.count('href="/manager/late-entries"') == 1


def test_an_empty_review_note_is_summarised_at_the_top_of_the_page(client, auth, worked):
    auth.sign_in(worked.manager)
    url = f"/manager/records/{worked.records[5].record_uuid}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(url + "/review", data={"note": "  ", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: " in html
    summary = html.index("govuk-error-summary")
    assert summary < html.index("<h1")
    assert '<a href="#note">Enter a note about this late entry</a>' in html[summary:]


def test_the_period_is_written_in_the_pages_one_date_format(client, auth, worked):
    auth.sign_in(worked.manager)
    html = client.get("/manager/?from=2026-11-10&to=2026-11-23").get_data(as_text=True)
    assert "Records that reached the file from Tue 10 Nov 2026 to Mon 23 Nov 2026." in html
