"""Check your answers without JavaScript, each of the user's own records as a page, and
correcting a sent record as its next version (`supersedes`), with its history."""
from __future__ import annotations

import html
import re
from uuid import uuid4

from sqlalchemy import select

from tests.field.test_forms import VISIT
from webapp.clock import server_now
from webapp.extensions import db
from webapp.models import Child, Record, User
from webapp.sync.ingest import ingest

UNCONFIRMED = {name: value for name, value in VISIT.items() if name != "confirm"}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _records(app) -> list[Record]:
    with app.app_context():
        return list(db.session.scalars(select(Record).order_by(Record.version)))


def _visible(page: str) -> str:
    """The page's words, roughly as read: tags dropped, white space folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _send_visit(client, auth) -> str:
    response = client.post("/visits/new", data={**VISIT, "csrf_token": auth.token})
    assert response.status_code == 303
    return response


def test_check_your_answers_comes_before_the_record_is_stored(app, client, people, auth):
    auth.sign_in(people.practitioner)
    response = client.post("/visits/new", data={**UNCONFIRMED, "csrf_token": auth.token})
    assert response.status_code == 200
    page = _text(response)
    words = _visible(page)
    assert "Check your answers before sending" in words
    assert re.search(r"<h1[^>]*>Visit for Ben Taylor \(WK-2\)</h1>", page)
    for label, answer in [
        ("Child", "Ben Taylor (WK-2)"),
        ("When did the visit start?", "Mon 23 Nov 2026, 09:00"),
        ("What type of visit was it?", "Looked-after child visit"),
        ("Was the visit announced?", "Unannounced"),
        ("Did you see the child alone?", "No"),
        ("Did you see the child’s bedroom?", "Yes"),
        ("What did the child say?", "I like my new school."),
        ("Actions and next steps", "Review in six weeks."),
    ]:
        assert f"{label} {answer} Change {label.lower().rstrip('?')}" in words
    assert "Why did you not see the child?" not in words  # the child was seen
    assert _records(app) == []

    # Change goes back to the form, at the question, with every answer kept.
    change = client.post(
        "/visits/new", data={**UNCONFIRMED, "change": "observations", "csrf_token": auth.token}
    )
    assert change.status_code == 200
    form = _text(change)
    assert 'name="observations"' in form and ">Settled and chatty.</textarea>" in form
    assert _records(app) == []

    finished = client.post("/visits/new", data={**UNCONFIRMED, "confirm": "yes", "csrf_token": auth.token})
    assert finished.status_code == 303
    assert len(_records(app)) == 1


def test_my_records_open_each_record_in_full_with_its_history(app, client, people, auth):
    auth.sign_in(people.practitioner)
    long_text = "Settled and chatty. " * 200 + "The end of a long observation."
    client.post("/visits/new", data={**VISIT, "observations": long_text, "csrf_token": auth.token})
    [record] = _records(app)

    listing = _text(client.get("/records"))
    assert f'href="/records/{record.uuid}"' in listing
    page = _text(client.get(f"/records/{record.uuid}"))
    words = _visible(page)
    assert re.search(r"<h1[^>]*>Visit for Ben Taylor \(WK-2\)</h1>", page)
    assert long_text in page  # in full, never cut off
    assert "On time" in words
    assert "Correct this record" in words
    assert "Version 1 (shown) First sent by Sam Field; reached the file Mon 23 Nov 2026, 10:00." in words
    assert "<textarea" not in page and "disabled" not in page


def test_another_persons_record_is_not_found(app, client, people, auth):
    auth.sign_in(people.practitioner)
    client.post("/visits/new", data={**VISIT, "csrf_token": auth.token})
    [record] = _records(app)
    auth.sign_out()
    auth.sign_in(people.colleague)
    assert client.get(f"/records/{record.uuid}").status_code == 404
    assert client.get(f"/records/{record.uuid}/correct").status_code == 404
    assert client.get(f"/records/{uuid4()}").status_code == 404


def test_a_sent_record_is_corrected_as_its_next_version(app, client, people, auth):
    auth.sign_in(people.practitioner)
    client.post("/visits/new", data={**VISIT, "csrf_token": auth.token})
    [first] = _records(app)

    form = _text(client.get(f"/records/{first.uuid}/correct"))
    assert re.search(r"<h1[^>]*>Correct your visit for Ben Taylor \(WK-2\)</h1>", form)
    assert ">Settled and chatty.</textarea>" in form
    assert re.search(r'value="looked_after"\s+checked', form)
    assert re.search(r'name="event_at-time"[^>]*value="09:00"', form)
    assert "Amira Khan" not in form  # a correction keeps its child

    corrected = {**VISIT, "observations": "Settled, chatty, and proud of his room.", "supersedes": "1"}
    check = client.post(f"/records/{first.uuid}/correct", data={**corrected, "confirm": "", "csrf_token": auth.token})
    assert "The correction is sent as a new version of the record" in _visible(_text(check))
    response = client.post(f"/records/{first.uuid}/correct", data={**corrected, "csrf_token": auth.token})
    assert response.status_code == 303
    assert response.location == f"/records/{first.uuid}?corrected=1"

    versions = _records(app)
    assert [(v.uuid, v.version, v.supersedes) for v in versions] == [(first.uuid, 1, None), (first.uuid, 2, 1)]
    assert versions[1].fields["observations"] == "Settled, chatty, and proud of his room."

    page = _visible(_text(client.get(f"/records/{first.uuid}?corrected=1")))
    assert "Your correction reached the file as version 2." in page
    assert "Settled, chatty, and proud of his room." in page
    assert "Version 2 (shown) Correction of version 1 by Sam Field" in page
    assert "Version 1 First sent by Sam Field" in page
    earlier = _visible(_text(client.get(f"/records/{first.uuid}?version=1")))
    assert "Version 1 of 2" in earlier and "Settled and chatty." in earlier
    assert "Correct this record" not in earlier
    assert client.get(f"/records/{first.uuid}?version=3").status_code == 404

    # A correction made to a version that is no longer the newest is refused, and says why.
    stale = client.post(f"/records/{first.uuid}/correct", data={**corrected, "csrf_token": auth.token})
    assert stale.status_code == 400
    assert "version 2 is now the newest" in _text(stale)
    assert len(_records(app)) == 2


def test_a_record_for_a_child_moved_away_is_read_but_not_corrected(app, client, people, auth):
    auth.sign_in(people.practitioner)
    client.post("/visits/new", data={**VISIT, "csrf_token": auth.token})
    [record] = _records(app)
    with app.app_context():
        db.session.scalar(select(Child).where(Child.reference == "WK-2")).practitioner_id = people.colleague.id
        db.session.commit()
    page = _visible(_text(client.get(f"/records/{record.uuid}")))
    assert "Visit for Ben Taylor (WK-2)" in page and "Correct this record" not in page
    assert client.get(f"/records/{record.uuid}/correct").status_code == 403


def test_my_records_newest_first_when_sent_together(app, client, people, auth):
    """Records sent in one request reach the file at one instant: the last finished comes first."""
    ids = sorted(str(uuid4()) for _ in range(3))  # stored in id order; finished in reverse
    finished = ["2026-11-23T09:50:00Z", "2026-11-23T09:40:00Z", "2026-11-23T09:30:00Z"]
    with app.app_context():
        envelope = {
            "device_id": "tablet", "device_now": server_now().isoformat(),
            "records": [
                {"id": record_id, "child_id": "WK-1", "record_type": "case_note", "event_at": "2026-11-23T09:00:00Z",
                 "completed_at": done, "fields": {"note_type": "phone_call", "text": f"Call {n}"}}
                for n, (record_id, done) in enumerate(zip(ids, finished))
            ],
        }
        results = ingest(db.session.get(User, people.practitioner.id), envelope, server_now()).results
        assert [r.status for r in results] == ["accepted"] * 3
    auth.sign_in(people.practitioner)
    listing = _text(client.get("/records"))
    assert re.findall(r'href="/records/([0-9a-f-]{36})"', listing) == ids
