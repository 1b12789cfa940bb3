"""The visit and case-note forms posted without JavaScript: stored through sync, or errors shown."""
import json
import re

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Record, TimelinessCheck

# 10:00 on Monday 23 November 2026 (the test clock); the visit started at 09:00 London time.
VISIT = {
    "child_id": "WK-2",
    "event_at-day": "23", "event_at-month": "11", "event_at-year": "2026", "event_at-time": "9:00",
    "visit_type": "looked_after",
    "announced": "unannounced",
    "child_seen": "yes",
    "seen_alone": "no",
    "bedroom_seen": "yes",
    "present": "Foster carer",
    "childs_words": "I like my new school.",
    "observations": "Settled and chatty.",
    "analysis": "Placement is stable.",
    "actions": "Review in six weeks.",
    "confirm": "yes",  # from "Check your answers"
}
NOTE = {
    "child_id": "WK-1", "record_type": "case_note", "note_type": "phone_call",
    "event_at-day": "22", "event_at-month": "11", "event_at-year": "2026", "event_at-time": "16:30",
    "text": "Mother phoned to rearrange the visit.",
    "confirm": "yes",
}


def _records(app):
    with app.app_context():
        return list(db.session.scalars(select(Record)))


def _error_summary(html: str) -> dict[str, str]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</div>\n", 3)
    return dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', "".join(summary)))


def test_a_valid_visit_is_stored_and_its_verdict_shown(app, client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.post("/visits/new", data={**VISIT, "csrf_token": auth.token})
    assert response.status_code == 303
    assert response.location == "/children/WK-2?stored=1"

    [record] = _records(app)
    assert record.record_type == "visit" and record.device_id == "web-form"
    assert record.fields == {
        "visit_type": "looked_after", "announced": "unannounced", "child_seen": True,
        "seen_alone": False, "bedroom_seen": True, "present": "Foster carer",
        "childs_words": "I like my new school.", "observations": "Settled and chatty.",
        "analysis": "Placement is stable.", "actions": "Review in six weeks.",
    }
    assert record.event_at.isoformat() == "2026-11-23T09:00:00+00:00"
    with app.app_context():
        assert db.session.scalar(select(TimelinessCheck)).verdict == "on_time"

    html = client.get(response.location).get_data(as_text=True)
    assert "Your record reached Ben Taylor’s file" in html
    assert "Reached the file 2 days 23 hours before the deadline. Deadline (72 hours): by 09:00 on Thursday 26 November." in html


def test_an_empty_visit_shows_every_problem_next_to_its_field(app, client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.post("/visits/new", data={"child_id": "WK-2", "child_seen": "no",
                                                "csrf_token": auth.token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: Record a visit" in html
    assert _error_summary(html) == {
        "event_at-day": "Enter the date of the visit",
        "event_at-time": "Enter the time of the visit",
        "visit_type": "Select the type of visit",
        "announced": "Select whether the visit was announced",
        "child_not_seen_reason": "Enter why you did not see the child",
        # Ben is looked after, so the bedroom question must be answered.
        "bedroom_seen": "Select whether you saw the child’s bedroom",
        "observations": "Enter what you observed",
        "analysis": "Enter your analysis",
        "actions": "Enter the actions and next steps",
    }
    # Each message also sits by its field, and what was typed is kept.
    assert html.count('class="govuk-error-message"') == 9
    assert 'id="child_seen-2" name="child_seen" type="radio" value="no" checked' in html
    assert _records(app) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"event_at-day": "31", "event_at-month": "2"}, "event_at-day", "The date of the visit must be a real date, like 23 11 2026"),
        ({"event_at-time": "25:00"}, "event_at-time", "Enter the time of the visit as hours and minutes, like 14:30"),
        ({"event_at-time": "10:30"}, "event_at-day", "The date and time of the visit must be in the past"),
        ({"child_id": "WK-3"}, "child_id", "Select the child you visited"),
        ({"present": "x" * 501}, "present", "Who was present must be 500 characters or fewer"),
    ],
)
def test_visit_field_rules(app, client, people, auth, changes, field, message):
    auth.sign_in(people.practitioner)
    response = client.post("/visits/new", data={**VISIT, **changes, "csrf_token": auth.token})
    assert response.status_code == 400
    assert _error_summary(response.get_data(as_text=True)) == {field: message}
    assert _records(app) == []


def test_a_case_note_is_stored_with_its_type(app, client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.post("/notes/new", data={**NOTE, "csrf_token": auth.token})
    assert response.status_code == 303
    [record] = _records(app)
    assert record.record_type == "case_note"
    assert record.fields == {"note_type": "phone_call", "text": "Mother phoned to rearrange the visit."}


def test_another_record_type_of_the_authority(app, client, people, auth):
    auth.sign_in(people.practitioner)
    data = {**NOTE, "record_type": "supervision", "note_type": "", "csrf_token": auth.token}
    assert client.post("/notes/new", data=data).status_code == 303
    [record] = _records(app)
    assert record.record_type == "supervision" and record.fields == {"text": NOTE["text"]}


def test_an_empty_case_note_shows_its_errors(app, client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.post("/notes/new", data={"record_type": "case_note", "csrf_token": auth.token})
    assert response.status_code == 400
    assert _error_summary(response.get_data(as_text=True)) == {
        "child_id": "Select the child this record is about",
        "note_type": "Select the kind of case note",
        "event_at-day": "Enter the date of the event",
        "event_at-time": "Enter the time of the event",
        "text": "Enter what happened",
    }


def _page_inputs(html: str) -> list[str]:
    """The names of a page's inputs, once each, in page order, the CSRF token left out."""
    names = re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html)
    return [name for name in dict.fromkeys(names) if name != "csrf_token"]


def _api_inputs(form: dict) -> list[str]:
    """The inputs a page of an API form has: the date and time as four, envelopes by their key."""
    names = []
    for spec in form["fields"]:
        if spec["type"] == "datetime":
            names += [f"{spec['name']}-{part}" for part in ("day", "month", "year", "time")]
        else:
            names.append(spec["envelope"] or spec["name"])
    return names


def test_forms_name_their_fields_as_the_sync_api_does(client, people, auth):
    """The pages and the forms sent to devices (GET /api/v1/caseload) ask the same questions."""
    auth.sign_in(people.practitioner)
    [authority] = client.get("/api/v1/caseload").get_json()["authorities"]
    for path, record_type in (("/visits/new", "visit"), ("/notes/new", "case_note")):
        form = authority["forms"][record_type]
        html = client.get(path).get_data(as_text=True)
        assert f'data-record-type="{record_type}"' in html
        assert _page_inputs(html) == _api_inputs(form)
        embedded = re.search(r'<script type="application/json" id="record-form-definition">(.*?)</script>', html, re.S)
        assert json.loads(embedded.group(1)) == form  # what the page checks offline
        for spec in form["fields"]:
            assert re.search(rf">\s*{re.escape(spec['label'])}\s*<", html), spec["label"]
    note = client.get("/notes/new").get_data(as_text=True)
    assert '<option value="supervision">' in note and '<option value="visit">' not in note


def test_the_child_named_in_the_link_is_chosen_and_heads_the_form(client, people, auth):
    auth.sign_in(people.practitioner)
    html = client.get("/visits/new?child=WK-1").get_data(as_text=True)
    assert re.search(r'<option value="WK-1" selected[^>]*>Amira Khan \(WK-1\)</option>', html)
    assert re.search(r"<h1[^>]*>Record a visit for Amira Khan \(WK-1\)</h1>", html)
    assert re.search(r"<h1[^>]*>Record a case note</h1>", client.get("/notes/new").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/visits/new", "/notes/new"])
def test_every_text_box_starts_empty(client, people, auth, path):
    auth.sign_in(people.practitioner)
    html = client.get(path).get_data(as_text=True)
    boxes = re.findall(r"<textarea[^>]*>([^<]*)</textarea>", html)
    assert boxes and all(text == "" for text in boxes)
    values = re.findall(r'<input[^>]*\sname="(present)"[^>]*?(?:value="([^"]*)")?[^>]*>', html)
    assert all(value == "" for _, value in values)
    assert "None" not in html


def test_the_shell_the_device_keeps_holds_no_child_and_no_values(client, people, auth):
    auth.sign_in(people.practitioner)
    html = client.get("/visits/new?child=WK-1", headers={"Sec-Fetch-Mode": "cors"}).get_data(as_text=True)
    assert _page_inputs(html)[0] == "child_id"
    assert "WK-1" not in html and "Amira" not in html and 'name="user-id"' not in html
    assert re.findall(r'name="event_at-[a-z]+"[^>]*value="([^"]*)"', html) == []
    assert "None" not in html


@pytest.mark.parametrize(
    ("path", "data", "field", "message"),
    [
        ("/visits/new", {**VISIT, "observations": "   ", "analysis": "\n"}, "observations", "Enter what you observed"),
        ("/notes/new", {**NOTE, "text": "  "}, "text", "Enter what happened"),
    ],
)
def test_required_text_that_is_blank_is_refused(app, client, people, auth, path, data, field, message):
    auth.sign_in(people.practitioner)
    response = client.post(path, data={**data, "csrf_token": auth.token})
    assert response.status_code == 400
    assert _error_summary(response.get_data(as_text=True))[field] == message
    assert _records(app) == []
