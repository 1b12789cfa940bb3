"""Who may do what, as one table: each role, on a child or record that is their own, their
team's, or another team's, through every way in (pages, web forms, the APIs, the manager pages).

The rule itself lives in webapp/access.py; these tests drive it from the outside only.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import DEFAULT_NOW
from tests.factories import AuthActions, Factory, iso, new_record
from webapp.extensions import db
from webapp.manager.models import Review
from webapp.models import Record, TimelinessCheck, User
from webapp.sync.ingest import ingest
from webapp.timeliness import LONDON

# Long enough ago that every seeded record is late, so that it can be reviewed.
SEEDED_EVENT = DEFAULT_NOW - timedelta(days=40)
NEW_EVENT = DEFAULT_NOW - timedelta(hours=1)

# Norwich: practitioners Asha and Ben and their manager Grace. Nuneaton: practitioner Maya.
# Each child is allocated to one person, who wrote one (late) record about them.
CHILDREN = {
    "NOR-A": ("Norwich", "asha"),
    "NOR-B": ("Norwich", "ben"),
    "NOR-G": ("Norwich", "grace"),
    "WAR-M": ("Nuneaton", "maya"),
}
USERS = {"practitioner": "asha", "manager": "grace", "admin": "admin"}
# Which child is "own", "team" and "other" for each role. An admin has neither a team nor a
# caseload, so for them both children are simply some team's.
TARGETS = {
    ("practitioner", "own"): "NOR-A",
    ("practitioner", "team"): "NOR-B",
    ("practitioner", "other"): "WAR-M",
    ("manager", "own"): "NOR-G",
    ("manager", "team"): "NOR-B",
    ("manager", "other"): "WAR-M",
    ("admin", "team"): "NOR-B",
    ("admin", "other"): "WAR-M",
}

ACTIONS = ("child_page", "caseload", "web_form", "sync_api", "read_record", "review", "team_page")
# The rule (docs/architecture.md, "Where each decision lives"): yes = allowed.
TABLE = """
role          child  child_page caseload web_form sync_api read_record review team_page
practitioner  own    yes        yes      yes      yes      no          no     no
practitioner  team   no         no       no       no       no          no     no
practitioner  other  no         no       no       no       no          no     no
manager       own    yes        yes      yes      yes      yes         yes    yes
manager       team   yes        yes      yes      yes      yes         yes    yes
manager       other  no         no       no       no       no          no     no
admin         team   yes        yes      no       no       yes         yes    yes
admin         other  yes        yes      no       no       yes         yes    yes
"""


def _cases():
    header, *rows = [line.split() for line in TABLE.strip().splitlines()]
    assert tuple(header[2:]) == ACTIONS
    for role, target, *answers in rows:
        for action, answer in zip(ACTIONS, answers):
            yield pytest.param(role, target, action, answer == "yes", id=f"{role}-{target}-{action}")


class World:
    """The teams, people, children and seeded records, by name."""

    def __init__(self, app):
        with app.app_context():
            make = Factory()
            teams = {"Norwich": make.team("Norwich", "norfolk"), "Nuneaton": make.team("Nuneaton", "warwickshire")}
            people = {
                "asha": make.user(teams["Norwich"], email="asha@norfolk.test"),
                "ben": make.user(teams["Norwich"], email="ben@norfolk.test"),
                "grace": make.user(teams["Norwich"], role="manager", email="grace@norfolk.test"),
                "maya": make.user(teams["Nuneaton"], email="maya@warwickshire.test"),
                "admin": make.user(None, role="admin", email="admin@test.test"),
            }
            self.team_ids = {name: team.id for name, team in teams.items()}
            self.emails = {name: user.email for name, user in people.items()}
            self.record_ids = {}
            for reference, (team, person) in CHILDREN.items():
                make.child(teams[team], reference=reference, practitioner=people[person])
                record = new_record(reference, SEEDED_EVENT, SEEDED_EVENT + timedelta(hours=1))
                envelope = {"device_id": "tablet", "device_now": iso(DEFAULT_NOW), "records": [record]}
                [result] = ingest(db.session.get(User, people[person].id), envelope, DEFAULT_NOW).results
                assert result.status == "accepted" and result.timeliness["verdict"] == "late", result
                self.record_ids[reference] = record["id"]
            db.session.remove()

    def team_of(self, reference: str) -> int:
        return self.team_ids[CHILDREN[reference][0]]


@pytest.fixture
def world(app):
    return World(app)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def child_page(app, client, world, child) -> bool:
    response = client.get(f"/children/{child}")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert child in response.get_data(as_text=True)
    return response.status_code == 200


def caseload(app, client, world, child) -> bool:
    """The caseload entry, on the device's caseload API and on the caseload page alike."""
    in_api = child in {c["id"] for c in client.get("/api/v1/caseload").get_json()["children"]}
    in_page = f"/children/{child}" in client.get("/").get_data(as_text=True)
    assert in_api == in_page
    return in_api


def web_form(app, client, world, child) -> bool:
    before = _count(app, Record)
    event = NEW_EVENT.astimezone(LONDON)
    response = client.post("/visits/new", data={
        "csrf_token": AuthActions(client).token, "child_id": child,
        "event_at-day": str(event.day), "event_at-month": str(event.month), "event_at-year": str(event.year),
        "event_at-time": event.strftime("%H:%M"),
        "visit_type": "child_in_need", "announced": "announced", "child_seen": "yes", "seen_alone": "yes",
        "observations": "Warm, tidy home.", "analysis": "No new concerns.", "actions": "Visit again soon.",
        "confirm": "yes",
    })
    assert response.status_code in (303, 400)
    assert _count(app, Record) == before + (response.status_code == 303)
    return response.status_code == 303


def sync_api(app, client, world, child) -> bool:
    [result] = AuthActions(client).sync([new_record(child, NEW_EVENT)], DEFAULT_NOW).get_json()["results"]
    assert result["status"] in ("accepted", "rejected"), result
    return result["status"] == "accepted"


def read_record(app, client, world, child) -> bool:
    response = client.get(f"/manager/records/{world.record_ids[child]}")
    assert response.status_code in (200, 403, 404)
    return response.status_code == 200


def review(app, client, world, child) -> bool:
    url = f"/manager/records/{world.record_ids[child]}/review"
    response = client.post(url, data={"note": "Spoke to the worker.", "csrf_token": AuthActions(client).token})
    assert response.status_code in (303, 403, 404)
    with app.app_context():
        reviewed = db.session.scalar(
            select(func.count()).select_from(Review).join(TimelinessCheck)
            .where(TimelinessCheck.record_uuid == world.record_ids[child])
        )
    assert reviewed == (response.status_code == 303)
    return response.status_code == 303


def team_page(app, client, world, child) -> bool:
    response = client.get(f"/manager/?team={world.team_of(child)}")
    assert response.status_code in (200, 403)
    return response.status_code == 200


PROBES = {probe.__name__: probe for probe in (child_page, caseload, web_form, sync_api, read_record, review, team_page)}


@pytest.mark.parametrize(("role", "target", "action", "allowed"), list(_cases()))
def test_who_may_do_what(app, client, auth, world, role, target, action, allowed):
    assert auth.sign_in(world.emails[USERS[role]]).status_code == 302
    child = TARGETS[(role, target)]
    assert PROBES[action](app, client, world, child) is allowed


def test_the_table_covers_every_role_target_and_action():
    assert {(role, target) for role, target, _, _ in (case.values for case in _cases())} == set(TARGETS)
    assert len(list(_cases())) == len(TARGETS) * len(ACTIONS)


def test_a_refused_record_names_no_other_child(app, client, auth, world):
    """A teammate's child and a child that does not exist get the same words."""
    auth.sign_in(world.emails["asha"])
    teammates, nobodys = (
        auth.sync([new_record(child, NEW_EVENT)], DEFAULT_NOW).get_json()["results"][0]["errors"]
        for child in ("NOR-B", f"NO-{uuid.uuid4().hex[:6]}")
    )
    assert teammates == nobodys == {"child_id": ["No child with this id is on your caseload."]}


def test_an_admin_is_told_why_they_cannot_record(app, client, auth, world):
    auth.sign_in(world.emails["admin"])
    [result] = auth.sync([new_record("NOR-B", NEW_EVENT)], DEFAULT_NOW).get_json()["results"]
    assert result["errors"]["child_id"][0].startswith("You can read this child's records but not record for them")
    assert "/visits/new?child=NOR-B" not in client.get("/children/NOR-B").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in(world.emails["grace"])
    assert "/visits/new?child=NOR-B" in client.get("/children/NOR-B").get_data(as_text=True)


@pytest.mark.parametrize(("role", "chooses"), [("manager", False), ("admin", True)])
def test_only_those_who_reach_every_team_are_offered_a_choice_of_team(client, auth, world, role, chooses):
    auth.sign_in(world.emails[USERS[role]])
    for page in ("/manager/", "/manager/late-entries"):
        assert ('name="team"' in client.get(page).get_data(as_text=True)) is chooses


def test_each_role_signs_in_to_the_pages_it_may_see(client, auth, world):
    for name, home in (("asha", "/"), ("grace", "/manager/"), ("admin", "/manager/")):
        assert auth.sign_in(world.emails[name]).headers["Location"] == home
        auth.sign_out()
