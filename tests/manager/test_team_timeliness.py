"""The team page's figures against the hand-worked team in fixtures.py."""
from __future__ import annotations

from datetime import date

import pytest

from tests.manager.fixtures import build_hand_worked_team
from webapp.manager import service
from webapp.manager.schemas import Period, parse_period

DEFAULT_PERIOD = Period(date(2026, 10, 27), date(2026, 11, 23))


@pytest.fixture
def worked(make):
    return build_hand_worked_team(make)


def test_default_period_is_the_last_four_weeks():
    period, errors = parse_period({}, date(2026, 11, 23))
    assert period == DEFAULT_PERIOD and errors == {}
    assert period.days == 28
    assert [(w[0].isoformat(), w[1].isoformat()) for w in period.weeks()] == [
        ("2026-10-27", "2026-11-02"),
        ("2026-11-03", "2026-11-09"),
        ("2026-11-10", "2026-11-16"),
        ("2026-11-17", "2026-11-23"),
    ]


def test_a_reversed_period_is_reported_and_the_default_used():
    period, errors = parse_period({"from": "2026-11-20", "to": "2026-11-01"}, date(2026, 11, 23))
    assert "from" in errors
    assert period == DEFAULT_PERIOD


def test_the_week_boundaries_are_london_midnights_in_summer_time():
    period = Period(date(2026, 7, 1), date(2026, 7, 7))
    assert period.start_at.isoformat() == "2026-07-01T00:00:00+01:00"
    assert period.end_at.utcoffset().total_seconds() == 3600


def test_aggregates_match_the_hand_worked_answers(app, worked):
    with app.app_context():
        summary = service.team_timeliness(service.Scope(worked.team.id), DEFAULT_PERIOD, {"visit": "Visit"})
    assert (summary.overall.on_time, summary.overall.total) == (3, 6)
    assert summary.overall.on_time_percent == 50.0
    assert {t.label: (t.on_time, t.total) for t in summary.by_record_type} == {
        "Visit": (3, 5),
        "case note": (0, 1),
    }
    assert {t.label: (t.on_time, t.total) for t in summary.by_practitioner} == {
        "Alice Archer": (2, 3),
        "Bob Baker": (1, 3),
    }
    assert summary.late_by_cause == {"recorded_late": 1, "synced_late": 1, "unknown": 1}
    assert [(w.tally.on_time, w.tally.total) for w in summary.weeks] == [(0, 1), (0, 1), (1, 2), (2, 2)]
    assert summary.median_delay_seconds == pytest.approx(12_600, abs=1)
    assert summary.p90_delay_seconds == pytest.approx(324_000, abs=1)


def test_admin_scope_counts_every_team(app, worked):
    with app.app_context():
        summary = service.team_timeliness(service.Scope(None), DEFAULT_PERIOD, {})
    assert (summary.overall.on_time, summary.overall.total) == (3, 7)


@pytest.mark.parametrize(
    "fractions, delays_hours, expected_hours",
    [
        ((0.5,), [5], [5]),
        ((0.5, 0.9), [1, 2, 3], [2, 2.8]),
        ((0.5, 0.9), [10, 1, 4, 2], [3, 8.2]),  # sorted 1 2 4 10: 2.7 -> 4 + 0.7 * 6
    ],
)
def test_percentiles_interpolate_like_percentile_cont(app, make, fractions, delays_hours, expected_hours):
    from datetime import timedelta

    from tests.manager.fixtures import at

    team = make.team()
    person = make.user(team)
    child = make.child(team)
    for index, hours in enumerate(delays_hours):
        make.checked_record(child, person, received_at=at(10 + index), delay=timedelta(hours=hours))
    with app.app_context():
        result = service.delay_percentiles(service.Scope(team.id), DEFAULT_PERIOD, fractions)
    assert result == pytest.approx([h * 3600 for h in expected_hours], abs=1)


def test_no_records_gives_no_percentages(app, make):
    team = make.team()
    with app.app_context():
        summary = service.team_timeliness(service.Scope(team.id), DEFAULT_PERIOD, {})
    assert summary.overall.on_time_percent is None
    assert summary.median_delay_seconds is None
    assert [w.tally.total for w in summary.weeks] == [0, 0, 0, 0]


def test_team_page_shows_the_figures(client, auth, worked):
    auth.sign_in(worked.manager)
    response = client.get("/manager/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Rugby North" in html
    assert '<dd class="govuk-summary-list__value" id="overall-on-time">50% (3 of 6)</dd>' in html
    assert '<dd class="govuk-summary-list__value" id="median-delay">3 hours 30 minutes</dd>' in html
    assert '<dd class="govuk-summary-list__value" id="p90-delay">3 days 18 hours</dd>' in html
    # The chart is SVG drawn on the server, with a text alternative, and its figures in a table.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "Week ending Mon 23 Nov 2026: 100% on time of 2 records." in html
    assert 'id="weekly-table"' in html
    assert "<script" not in html.split("<main", 1)[1]


def test_team_page_period_can_be_changed(client, auth, worked):
    auth.sign_in(worked.manager)
    html = client.get("/manager/?from=2026-11-10&to=2026-11-23").get_data(as_text=True)
    # Records 1 to 4: 3 of 4 on time.
    assert 'id="overall-on-time">75% (3 of 4)</dd>' in html
