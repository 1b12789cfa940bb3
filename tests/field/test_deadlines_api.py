"""GET /api/v1/deadlines: the deadline table for the children the user may record for."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Record, Role


def test_deadlines_need_a_session(client, people):
    response = client.get("/api/v1/deadlines")
    assert response.status_code in (401, 302)
    assert "WK-1" not in response.get_data(as_text=True)


def test_the_table_names_only_the_users_own_children(client, people, auth, clock):
    auth.sign_in(people.practitioner)
    table = client.get("/api/v1/deadlines").get_json()
    assert set(table["children"]) == {"WK-1", "WK-2"}
    # Amira is on a child protection plan: 24 hours for any visit; Ben's visits have 72 hours,
    # and 24 for a statutory child protection visit.
    amira, ben = (table["profiles"][table["children"][ref]] for ref in ("WK-1", "WK-2"))
    assert [table["windows"][key]["words"] for key in amira["visit"]] == ["24 hours", "24 hours"]
    assert [table["windows"][key]["words"] for key in ben["visit"]] == ["72 hours", "24 hours"]
    today = clock.now().date().isoformat()
    assert table["first_day"] < today


def test_a_delay_reason_is_stored_with_a_plain_form_and_shown_to_the_manager(app, client, people, auth, make):
    auth.sign_in(people.practitioner)
    form = {
        "child_id": "WK-2", "event_at-day": "10", "event_at-month": "11", "event_at-year": "2026",
        "event_at-time": "09:00", "visit_type": "looked_after", "announced": "announced",
        "child_seen": "yes", "seen_alone": "yes", "bedroom_seen": "yes",
        "observations": "Tidy.", "analysis": "Settled.", "actions": "Visit again.",
        "delay_reason": "The tablet was broken for a week.", "confirm": "yes", "csrf_token": auth.token,
    }
    assert client.post("/visits/new", data=form).status_code == 303
    with app.app_context():
        record = db.session.scalar(select(Record))
        assert record.fields["delay_reason"] == "The tablet was broken for a week."
        record_uuid = record.uuid
    auth.sign_out()
    auth.sign_in(make.user(people.team, Role.MANAGER, "Mo Manager"))
    html = client.get(f"/manager/records/{record_uuid}").get_data(as_text=True)
    assert "Reason for the delay" in html
    assert "The tablet was broken for a week." in html
