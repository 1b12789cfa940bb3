"""The demo's practitioner and manager pages agree with `flask schedule evaluate` for the same child."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from tests.factories import AuthActions
from webapp.demo import DEMO_PASSWORD
from webapp.extensions import db
from webapp.models import Child, ChildEpisode
from webapp.timeliness import iso_utc
from webapp.visits.schedules import stored_visits

TODAY = "2026-11-23"  # the test clock's day in London


def _evaluate_input(child: Child, episode: ChildEpisode) -> dict:
    return {
        "authority": child.team.authority,
        "service": child.team.service,
        "episode": {"kind": episode.kind, "started_on": episode.started_on.isoformat(),
                    "first_review_on": episode.first_review_on.isoformat() if episode.first_review_on else None,
                    "details": episode.details},
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "visits": [
            {"at": iso_utc(each.visit.at), "child_seen": each.visit.child_seen, "seen_alone": each.visit.seen_alone,
             "bedroom_seen": each.visit.bedroom_seen, "announced": each.visit.announced}
            for each in stored_visits([child.id]).get(child.id, [])
        ],
        "today": TODAY,
    }


def test_the_demo_pages_agree_with_the_command_line(app, runner, client):
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        children = db.session.scalars(
            select(Child).join(Child.practitioner).where(Child.reference.like("NOR-%")).order_by(Child.reference)
        ).all()
        lines = []
        for child in children:
            episode = db.session.scalars(select(ChildEpisode).where(ChildEpisode.child_id == child.id)).one()
            lines.append((child.reference, child.practitioner.email, _evaluate_input(child, episode)))
    result = runner.invoke(args=["schedule", "evaluate"], input="\n".join(json.dumps(each[2]) for each in lines))
    expected = {
        reference: {(r["requirement"], r["due_by"], r["status"], r["last_met_on"]) for r in json.loads(out)["requirements"]}
        for (reference, _, _), out in zip(lines, result.output.strip().splitlines())
    }
    statuses = {status for answers in expected.values() for (req, _, status, _) in answers if req == "visit"}
    assert statuses == {"overdue", "due_soon", "ok"}  # the demo shows all three

    auth = AuthActions(client)
    practitioner = lines[0][1]
    assert auth.sign_in(practitioner, DEMO_PASSWORD).status_code == 302
    caseload = client.get("/api/v1/caseload").get_json()["children"]
    assert caseload
    for child in caseload:
        got = {(d["requirement"], d["due_by"], d["status"], d["last_met_on"]) for d in child["visits_due"]}
        assert got == expected[child["id"]], child["id"]
    page = client.get("/").get_data(as_text=True)
    shown = re.findall(r'data-visit-due="([^"]+)"', page)
    by_due = sorted(caseload, key=lambda c: (min((d["due_by"] for d in c["visits_due"] if d["due_by"]), default="9999"), c["name"]))
    assert shown == [child["id"] for child in by_due]  # most urgent first
    auth.sign_out()

    assert auth.sign_in("grace@norfolk.demo.example", DEMO_PASSWORD).status_code == 302
    manager_page = " ".join(re.sub(r"<[^>]+>", " ", client.get("/manager/visits").get_data(as_text=True)).split())
    for reference, answers in expected.items():
        visit = next(a for a in answers if a[0] == "visit")
        listed = f"{reference} " in manager_page.split("Not seen alone")[0]
        assert listed == (visit[2] in ("overdue", "due_soon")), reference
