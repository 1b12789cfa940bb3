"""`flask demo-data`: teams in all five authorities, sign-ins, children, and mixed past verdicts."""
from __future__ import annotations

from sqlalchemy import func, select

from webapp.demo import DEMO_PASSWORD, demo_sign_ins
from webapp.extensions import db
from webapp.models import Child, Record, Team, TimelinessCheck, User


def test_demo_data_loads_once_and_its_sign_ins_work(app, runner, client, auth):
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        assert set(db.session.scalars(select(Team.authority))) == {
            "norfolk", "lcs-model", "calderdale", "havering", "warwickshire"
        }
        assert db.session.scalar(select(func.count()).select_from(Child)) == 50
        assert 200 <= db.session.scalar(select(func.count()).select_from(Record)) <= 500
        verdicts = dict(db.session.execute(select(TimelinessCheck.verdict, func.count()).group_by(TimelinessCheck.verdict)).all())
        causes = set(db.session.scalars(select(TimelinessCheck.cause).distinct()))
        assert verdicts["on_time"] > 0 and verdicts["late"] > 0
        assert {"synced_late", "recorded_late"} <= causes
        assert set(db.session.scalars(select(User.role).distinct())) == {"practitioner", "manager", "admin"}
        users = db.session.scalar(select(func.count()).select_from(User))

    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0 and "no demo data added" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users

    email, role, _ = next(row for row in demo_sign_ins() if row[1] == "practitioner")
    response = auth.sign_in(email, DEMO_PASSWORD)
    assert response.status_code == 302
    assert len(client.get("/api/v1/caseload").get_json()["children"]) == 5
