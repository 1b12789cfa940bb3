"""Episodes imported, due dates stored and moved by a sync, the caseload by urgency, the child's
requirements, and the managers' Visits page and CSV: on SQLite and PostgreSQL.

Today is Monday 23 November 2026 (the test clock). Worked by hand with Norfolk's policy:
- NOR-2, child protection plan from Monday 2 November, never seen: 10 working days from the
  start is Monday 16 November, so overdue by 5 working days (17, 18, 19, 20 and 23 November).
- NOR-1, child in need plan from Monday 16 November: 30 working days is Wednesday 30 December
  (25 December and Monday 28 December, Boxing Day's substitute, do not count), 25 working days
  from today; good practice (4 weeks) is 14 December, so it is on track today.
- A visit to NOR-2 today moves its due date 10 working days on, to Monday 7 December.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.factories import AuthActions, Factory, new_record
from webapp.extensions import db
from webapp.models import ChildEpisode, VisitCheck, VisitDue

TODAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
EPISODES = (
    "child_ref,episode,started_on,first_review_on,ended_on,cin_level\n"
    "NOR-1,child_in_need_plan,2026-11-16,,,3\n"
    "NOR-2,child_protection_plan,2026-11-02,,,\n"
    "WAR-1,child_protection_plan,2026-10-01,,,\n"
)


@pytest.fixture
def world(app, runner, tmp_path):
    with app.app_context():
        make = Factory()
        norwich = make.team("Norwich", "norfolk")
        nuneaton = make.team("Nuneaton", "warwickshire")
        asha = make.user(norwich, email="asha@norfolk.test")
        ben = make.user(norwich, email="ben@norfolk.test")
        make.user(norwich, role="manager", email="grace@norfolk.test")
        maya = make.user(nuneaton, email="maya@warwickshire.test")
        make.user(None, role="admin", email="admin@test.test")
        make.child(norwich, reference="NOR-1", practitioner=asha, statuses=["child_in_need"])
        make.child(norwich, reference="NOR-2", practitioner=asha, statuses=["child_protection"])
        make.child(norwich, reference="NOR-3", practitioner=ben, statuses=["looked_after"])
        make.child(nuneaton, reference="WAR-1", practitioner=maya, statuses=["child_protection"])
        db.session.remove()
    path = tmp_path / "episodes.csv"
    path.write_text(EPISODES, encoding="utf-8")
    result = runner.invoke(args=["caseload", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 rows (3 episodes added, 0 updated); 0 rows with errors." in result.output


def signed_in(client, email: str) -> AuthActions:
    auth = AuthActions(client)
    assert auth.sign_in(email).status_code == 302
    return auth


def text(response) -> str:
    """What the page says, tags removed and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_an_episodes_file_reports_a_bad_row_and_loads_the_others(app, runner, tmp_path, world):
    path = tmp_path / "more.csv"
    path.write_text(
        "child_ref,episode,started_on,placement_type,placed_with_parents\n"
        "NOR-3,looked_after,2026-11-20,foster,no\n"
        "NOR-1,looked_after,2026-13-01,castle,maybe\n"
        "NOR-9,assessment,2026-11-20,,\n"
        "NOR-2,child_protection_plan,2026-11-09,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["caseload", "import", str(path)])
    assert result.exit_code == 1
    assert "line 3: started_on '2026-13-01' is not an ISO date (YYYY-MM-DD)" in result.output
    assert "placement_type 'castle' is not one of foster" in result.output
    assert "placed_with_parents 'maybe' is not yes or no" in result.output
    assert "line 4: child_ref 'NOR-9' is not a child in the caseload" in result.output
    assert "Imported 2 rows (1 episodes added, 1 updated); 2 rows with errors." in result.output
    with app.app_context():
        episode = db.session.scalar(select(ChildEpisode).where(ChildEpisode.kind == "looked_after"))
        assert episode.details == {"placement_type": "foster", "placed_with_parents": False}
        # Re-imported: the plan now starts on 9 November, due 10 working days later.
        due = db.session.scalars(select(VisitDue.due_by).where(VisitDue.rule_id == "norfolk_sched_child_protection"))
        assert list(due) == [date(2026, 11, 23)]


def test_the_caseload_puts_the_most_urgent_child_first_in_words(client, world):
    signed_in(client, "asha@norfolk.test")
    page = text(client.get("/"))
    assert page.index("Child NOR-2") < page.index("Child NOR-1")
    assert "Overdue Overdue by 5 working days" in page
    assert "On track Visit due by Wednesday 30 December (in 25 working days)" in page


def test_the_childs_page_lists_each_requirement_with_its_rule(client, world):
    signed_in(client, "asha@norfolk.test")
    page = text(client.get("/children/NOR-2"))
    assert "Visit Overdue Overdue by 5 working days Not yet Every 10 working days, child protection plan" in page
    assert "“Minimum 2 weekly (10 working days)”" in page
    AuthActions(client).sign_out()
    signed_in(client, "ben@norfolk.test")
    assert "No visit schedule: Child NOR-3 has no current episode to count visits from." in text(client.get("/children/NOR-3"))


def test_a_synced_visit_moves_the_due_date_and_is_judged_against_the_old_one(app, client, world):
    auth = signed_in(client, "asha@norfolk.test")
    before = client.get("/api/v1/caseload").get_json()
    nor2 = next(child for child in before["children"] if child["id"] == "NOR-2")
    assert nor2["visits_due"][0] == {
        "episode": "child_protection_plan", "requirement": "visit", "rule_id": "norfolk_sched_child_protection",
        "catalogue_id": nor2["visits_due"][0]["catalogue_id"], "window": "every 10 working days",
        "due_by": "2026-11-16", "last_met_on": None, "status": "overdue", "status_words": "Overdue",
        "status_tag": "govuk-tag--red", "words": "Overdue by 5 working days",
    }
    response = auth.sync([new_record("NOR-2", TODAY_10AM, child_protection=True)], TODAY_10AM)
    assert response.status_code == 200, response.get_json()
    after = client.get("/api/v1/caseload").get_json()
    nor2 = next(child for child in after["children"] if child["id"] == "NOR-2")
    assert (nor2["visits_due"][0]["due_by"], nor2["visits_due"][0]["status"], nor2["visits_due"][0]["last_met_on"]) == (
        "2026-12-07", "ok", "2026-11-23")
    assert nor2["visits_due"][0]["words"] == "Visit due by Monday 7 December (in 10 working days)"
    with app.app_context():
        check = db.session.scalars(select(VisitCheck)).one()
        assert (check.visited_on, check.due_by, check.within) == (date(2026, 11, 23), date(2026, 11, 16), False)


def test_a_visit_where_the_child_was_not_seen_does_not_move_the_due_date(client, world):
    auth = signed_in(client, "asha@norfolk.test")
    record = new_record("NOR-2", TODAY_10AM, child_protection=True)
    record["fields"].update(child_seen=False, child_not_seen_reason="Out with a friend.")
    record["fields"].pop("seen_alone")
    assert auth.sync([record], TODAY_10AM).status_code == 200
    nor2 = next(c for c in client.get("/api/v1/caseload").get_json()["children"] if c["id"] == "NOR-2")
    assert nor2["visits_due"][0]["due_by"] == "2026-11-16"


def test_the_visits_page_shows_the_teams_children_due_by_practitioner(client, world):
    signed_in(client, "grace@norfolk.test")
    page = text(client.get("/manager/visits"))
    assert "1 overdue and 0 due soon" in page
    assert "Child NOR-2 NOR-2 Asha Overdue Overdue by 5 working days Not yet" in page
    assert "NOR-1" not in page  # on track
    assert "WAR-1" not in page  # another team's


def test_an_admin_sees_every_team_or_the_one_chosen(app, client, world):
    signed_in(client, "admin@test.test")
    page = text(client.get("/manager/visits"))
    assert "NOR-2" in page and "WAR-1" in page
    with app.app_context():
        from webapp.models import Team
        nuneaton = db.session.scalar(select(Team.id).where(Team.name == "Nuneaton"))
    page = text(client.get(f"/manager/visits?team={nuneaton}"))
    assert "WAR-1" in page and "NOR-2" not in page


def test_a_practitioner_cannot_open_the_visits_page(client, world):
    signed_in(client, "asha@norfolk.test")
    assert client.get("/manager/visits").status_code == 403
    assert client.get("/manager/visits.csv").status_code == 403


def test_the_visits_page_answers_htmx_with_its_results_only(client, world):
    signed_in(client, "grace@norfolk.test")
    fragment = client.get("/manager/visits", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="visits-results"' in fragment and "Overdue by 5 working days" in fragment
    assert "<html" not in fragment


def test_the_share_of_visits_within_timescale_counts_the_period(client, world):
    auth = signed_in(client, "asha@norfolk.test")
    early = datetime(2026, 11, 13, 10, 0, tzinfo=timezone.utc)  # before NOR-2's due date, 16 November
    assert auth.sync([new_record("NOR-2", early, child_protection=True)], early).status_code == 200
    assert auth.sync([new_record("NOR-1", TODAY_10AM)], TODAY_10AM).status_code == 200
    auth.sign_out()
    signed_in(client, "grace@norfolk.test")
    page = text(client.get("/manager/visits?from=2026-11-01&to=2026-11-23"))
    assert "2 of 2 visits (100%) that saw the child from 1 November 2026 to 23 November 2026 were made within timescale." in page
    page = text(client.get("/manager/visits?from=2026-11-20&to=2026-11-23"))
    assert "1 of 1 visits (100%)" in page


def test_a_bad_filter_is_reported_and_the_page_still_shows(client, world):
    signed_in(client, "grace@norfolk.test")
    response = client.get("/manager/visits?practitioner=99999999999999999999&from=0001-01-01")
    assert response.status_code == 200
    assert "Choose one from the list" in text(response) and "Enter a date between" in text(response)


def test_the_csv_is_in_words(client, world):
    signed_in(client, "grace@norfolk.test")
    response = client.get("/manager/visits.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Practitioner", "Child", "Reference", "Requirement", "Status", "Due by", "When", "Last met", "Rule"]
    assert rows[1] == ["Asha", "Child NOR-2", "NOR-2", "Visit", "Overdue", "16 November 2026",
                       "Overdue by 5 working days", "Not yet",
                       "every 10 working days, child protection plan (norfolk_sched_child_protection)"]
    assert len(rows) == 2


def test_a_stored_answer_is_worked_out_again_when_a_birthday_may_change_the_rule(app, client, world, clock):
    """A care leaver's rules depend on age: the stored answer says when to look again."""
    with app.app_context():
        from webapp.models import Child
        from webapp.visits import schedules
        child = db.session.scalar(select(Child).where(Child.reference == "NOR-3"))
        child.date_of_birth = date(2008, 12, 1)
        db.session.add(ChildEpisode(child=child, kind="care_leaver", started_on=date(2026, 6, 1), details={}))
        db.session.commit()
        schedules.refresh([child.id], date(2026, 11, 23))
        db.session.commit()
        rows = db.session.scalars(select(VisitDue).where(VisitDue.child_id == child.id)).all()
        assert rows and {row.recheck_on for row in rows} == {date(2026, 12, 1)}
        # On the birthday, the next read works the child out again and looks to the next one.
        lines = schedules.due_lines([child.id], date(2026, 12, 1))
        assert lines[child.id]
        assert {row.recheck_on for row in db.session.scalars(select(VisitDue).where(VisitDue.child_id == child.id))} == {date(2027, 12, 1)}


def test_stored_visits_read_each_answer_the_schedule_counts_from_the_current_version(app, make):
    """The schedule reads only the four answers it counts, picked out by the database: true,
    false, an answer not given, the words of `announced`, and a value the form never writes
    (read as JSON, so a number is not taken for true)."""
    from webapp.models import Record
    from webapp.timeliness.schedule import Visit
    from webapp.visits.schedules import stored_visits

    team = make.team("Norwich", "norfolk")
    asha = make.user(team)
    child = make.child(team, reference="NOR-7", practitioner=asha)
    at = [datetime(2026, 11, day, 10, 0, tzinfo=timezone.utc) for day in (16, 17, 18)]
    rows = [
        ("a" * 8, 1, at[0], {"child_seen": True, "seen_alone": False, "bedroom_seen": True, "announced": "unannounced",
                             "observations": "A long account. " * 50}),
        ("b" * 8, 1, at[1], {"child_seen": True, "announced": "announced"}),
        ("b" * 8, 2, at[1], {"child_seen": False, "seen_alone": None, "announced": "announced"}),
        ("c" * 8, 1, at[2], {"child_seen": 1, "seen_alone": True, "bedroom_seen": "yes"}),
    ]
    for prefix, version, event_at, fields in rows:
        db.session.add(Record(
            uuid=f"{prefix}-0000-4000-8000-000000000000", version=version, child_id=child.id, author_id=asha.id,
            record_type="visit", event_at=event_at, completed_at=event_at, received_at=event_at,
            device_id="tablet-1", fields=fields, content_hash=str(version) * 64,
        ))
    db.session.add(Record(
        uuid="dddddddd-0000-4000-8000-000000000000", child_id=child.id, author_id=asha.id, record_type="case_note",
        event_at=at[0], completed_at=at[0], received_at=at[0], device_id="tablet-1",
        fields={"child_seen": True}, content_hash="d" * 64,
    ))
    db.session.commit()

    visits = stored_visits([child.id])[child.id]
    assert [each.uuid[0] for each in visits] == ["a", "b", "c"]
    assert [each.visit for each in visits] == [
        Visit(at[0], child_seen=True, seen_alone=False, bedroom_seen=True, announced=False),
        Visit(at[1], child_seen=False, seen_alone=None, bedroom_seen=None, announced=True),
        Visit(at[2], child_seen=False, seen_alone=True, bedroom_seen=None, announced=True),
    ]


def test_a_corrected_visit_is_judged_again_and_a_child_without_an_episode_has_nothing_to_move(app, client, world):
    auth = signed_in(client, "asha@norfolk.test")
    visit = new_record("NOR-2", TODAY_10AM, child_protection=True)
    assert auth.sync([visit], TODAY_10AM).status_code == 200
    with app.app_context():
        assert [check.within for check in db.session.scalars(select(VisitCheck))] == [False]

    # The correction says the child was not seen after all: the visit no longer counts.
    corrected = {**visit, "supersedes": 1, "fields": {**visit["fields"], "child_seen": False,
                                                      "child_not_seen_reason": "Out with a friend."}}
    corrected["fields"].pop("seen_alone")
    answer = auth.sync([corrected], TODAY_10AM).get_json()["results"]
    assert [(each["status"], each["version"]) for each in answer] == [("accepted", 2)]
    nor2 = next(c for c in client.get("/api/v1/caseload").get_json()["children"] if c["id"] == "NOR-2")
    assert (nor2["visits_due"][0]["due_by"], nor2["visits_due"][0]["last_met_on"]) == ("2026-11-16", None)
    with app.app_context():
        assert db.session.scalars(select(VisitCheck)).all() == []
        before = db.session.scalars(select(VisitDue.child_id)).all()

    # Ben's NOR-3 has no episode: its visit is stored, and no due date appears for it.
    AuthActions(client).sign_out()
    ben = signed_in(client, "ben@norfolk.test")
    looked_after = new_record("NOR-3", TODAY_10AM)
    looked_after["fields"]["bedroom_seen"] = True  # asked of a child looked after
    answer = ben.sync([looked_after], TODAY_10AM).get_json()["results"]
    assert [(each["status"], each["errors"]) for each in answer] == [("accepted", {})]
    with app.app_context():
        assert db.session.scalars(select(VisitDue.child_id)).all() == before
        assert db.session.scalars(select(VisitCheck)).all() == []
