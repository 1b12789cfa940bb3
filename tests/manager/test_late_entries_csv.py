"""The late-entries CSV: in words for managers (opens in Excel), and raw for analysts.

Record 3 of the hand-worked team (tests/manager/fixtures.py), worked by hand (GMT, so London
and UTC agree): received Thu 12 Nov 2026 12:00, 80 hours after the visit, so the visit was
Mon 9 Nov 04:00; due 72 hours later, Thu 12 Nov 04:00; late by 8 hours. The tablet said it was
finished at 11:00 with its clock 125 seconds slow, so it was finished at 11:02:05.
"""
from __future__ import annotations

import csv
import io

import pytest

from tests.manager.fixtures import build_hand_worked_team
from webapp.extensions import db
from webapp.manager import service
from webapp.models import Child, Record, User


@pytest.fixture
def worked(make):
    team = build_hand_worked_team(make)
    record = db.session.get(Record, team.records[3].record_id)
    record.fields = {"visit_type": "statutory_child_protection"}
    record.child_protection = True
    db.session.commit()
    return team


def download(client, query: str):
    response = client.get(f"/manager/late-entries.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    return response


def test_the_managers_csv_is_in_words(client, auth, worked):
    auth.sign_in(worked.manager)
    response = download(client, f"practitioner={worked.alice.id}")
    assert 'filename="late-entries-2026-10-27-to-2026-11-23.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark Excel needs
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == service.CSV_COLUMNS
    assert [dict(zip(rows[0], row)) for row in rows[1:]] == [
        {
            "Child's reference": "WK-0001",
            "Child's name": "Amy Smith",
            "Record": "Visit to a child or young person",
            "Visit type": "Statutory child protection visit",
            "Child protection": "Yes",
            "Team": "Rugby North",
            "Practitioner": "Alice Archer",
            "Visit or event": "09/11/2026 04:00",
            "Finished on the tablet": "12/11/2026 11:02",
            "Tablet's clock": "2 minutes slow",
            "Received": "12/11/2026 12:00",
            "Time limit": "72 hours",
            "Due by": "12/11/2026 04:00",
            "On time or late": "Late",
            "Late by (hours)": "8.00",
            "Late by": "8 hours",
            "Cause": "Written late",
            "Reviewed": "No",
            "Reviewed by": "",
            "Reviewed on": "",
            "Review note": "",
            "Record ID": worked.records[3].record_uuid,
        }
    ]


def test_the_cause_and_review_in_words(app, client, auth, worked, clock):
    with app.app_context():
        service.review_late_entry(
            service.Scope(worked.team.id), worked.records[6].record_uuid, worked.manager, "Spoke to Bob", clock.now()
        )
    auth.sign_in(worked.manager)
    body = download(client, f"practitioner={worked.bob.id}").get_data().decode("utf-8-sig")
    five, six = csv.DictReader(io.StringIO(body))
    assert (five["Record"], five["Cause"], five["Late by"], five["Late by (hours)"]) == (
        "Case note", "Finished on time, sent late (no signal)", "1 day 4 hours", "28.00",
    )
    assert six["Cause"] == "Cause unknown: the tablet did not send the time the record was finished"
    assert (six["Finished on the tablet"], six["Tablet's clock"]) == ("", "")
    assert (six["Reviewed"], six["Reviewed by"], six["Reviewed on"], six["Review note"]) == (
        "Yes", "Maya Manager", "23/11/2026 10:00", "Spoke to Bob",
    )


def test_on_time_rows_leave_the_lateness_columns_empty(client, auth, worked):
    auth.sign_in(worked.manager)
    body = download(client, f"verdict=on_time&practitioner={worked.alice.id}").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["On time or late"] for row in rows] == ["On time", "On time"]
    assert {(row["Late by"], row["Late by (hours)"], row["Cause"], row["Reviewed"]) for row in rows} == {("", "", "", "")}


@pytest.mark.parametrize(
    "text",
    ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx", "  =1+1", "＝1+1", "－1"],
)
def test_no_cell_can_run_as_a_formula(app, client, auth, worked, clock, text):
    with app.app_context():
        db.session.get(Child, worked.amy.id).name = text
        db.session.get(User, worked.alice.id).name = text
        db.session.commit()
        service.review_late_entry(service.Scope(worked.team.id), worked.records[3].record_uuid, worked.manager, text, clock.now())
    auth.sign_in(worked.manager)
    for query, columns in (
        (f"practitioner={worked.alice.id}", ("Child's name", "Practitioner", "Review note")),
        (f"practitioner={worked.alice.id}&format=raw", ("child_name", "practitioner", "review_note")),
    ):
        body = download(client, query).get_data().decode("utf-8-sig")
        (row,) = csv.DictReader(io.StringIO(body, newline=""))
        assert [row[column] for column in columns] == ["'" + text] * 3


def test_the_raw_csv_is_codes_and_utc(client, auth, worked):
    auth.sign_in(worked.manager)
    response = download(client, f"practitioner={worked.alice.id}&format=raw")
    assert 'filename="late-entries-2026-10-27-to-2026-11-23-raw.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert not body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == service.RAW_CSV_COLUMNS
    assert [dict(zip(rows[0], row)) for row in rows[1:]] == [
        {
            "record_uuid": worked.records[3].record_uuid,
            "authority": "warwickshire",
            "team": "Rugby North",
            "child_reference": "WK-0001",
            "child_name": "Amy Smith",
            "practitioner": "Alice Archer",
            "record_type": "visit",
            "visit_type": "statutory_child_protection",
            "child_protection": "true",
            "event_at": "2026-11-09T04:00:00Z",
            "completed_at": "2026-11-12T11:00:00Z",
            "completed_at_corrected": "2026-11-12T11:02:05Z",
            "skew_seconds": "125.0",
            "received_at": "2026-11-12T12:00:00Z",
            "window": "72 hours",
            "due_at": "2026-11-12T04:00:00Z",
            "verdict": "late",
            "late_by_seconds": "28800",
            "late_by_working_days": "",
            "cause": "recorded_late",
            "rule_id": "warwickshire_default",
            "policy_version": "test",
            "reviewed_at": "",
            "reviewed_by": "",
            "review_note": "",
        }
    ]


def test_a_negative_clock_skew_stays_a_number_in_the_raw_csv(app, client, auth, worked):
    with app.app_context():
        db.session.get(type(worked.records[3]), worked.records[3].id).skew_seconds = -7200.0
        db.session.commit()
    auth.sign_in(worked.manager)
    body = download(client, f"practitioner={worked.alice.id}&format=raw").get_data(as_text=True)
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["skew_seconds"] == "-7200.0"
    words = download(client, f"practitioner={worked.alice.id}").get_data().decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(words))
    assert row["Tablet's clock"] == "2 hours fast"


def test_an_unknown_format_is_refused_with_a_reason(client, auth, worked):
    auth.sign_in(worked.manager)
    response = client.get("/manager/late-entries.csv?format=xlsx")
    assert response.status_code == 400
    assert "format=raw" in response.get_data(as_text=True)


def test_the_csv_streams_in_batches(app, worked):
    from datetime import date

    from webapp.manager.schemas import parse_late_entry_filters

    filters, _ = parse_late_entry_filters({"verdict": "any"}, date(2026, 11, 23))
    with app.app_context():
        for raw in (False, True):
            chunks = list(service.late_entries_csv(service.Scope(worked.team.id), filters, raw=raw, batch=2))
            assert len(chunks) == 4  # header+2 rows, 2 rows, 2 rows, then the empty remainder
            assert sum(chunk.count("\r\n") for chunk in chunks) == 7


def test_the_list_links_to_both_files_with_its_filters(client, auth, worked):
    auth.sign_in(worked.manager)
    html = client.get("/manager/late-entries?from=2026-10-01&to=2026-11-23&cause=unknown").get_data(as_text=True)
    assert 'href="/manager/late-entries.csv?from=2026-10-01&amp;to=2026-11-23&amp;cause=unknown"' in html
    assert 'href="/manager/late-entries.csv?format=raw&amp;from=2026-10-01&amp;to=2026-11-23&amp;cause=unknown"' in html


def test_a_window_of_days_is_due_by_2359_on_its_last_day(app, client, auth, worked):
    from datetime import datetime, timezone

    with app.app_context():
        check = db.session.get(type(worked.records[3]), worked.records[3].id)
        # 2 working days from Monday 9 November: on time until the end of Wednesday 11th.
        check.window, check.due_at = "2 working days", datetime(2026, 11, 12, 0, 0, tzinfo=timezone.utc)
        db.session.commit()
    auth.sign_in(worked.manager)
    (row,) = csv.DictReader(io.StringIO(download(client, f"practitioner={worked.alice.id}").get_data().decode("utf-8-sig")))
    assert (row["Time limit"], row["Due by"]) == ("2 working days", "11/11/2026 23:59")
    (raw,) = csv.DictReader(io.StringIO(download(client, f"practitioner={worked.alice.id}&format=raw").get_data(as_text=True)))
    assert raw["due_at"] == "2026-11-12T00:00:00Z"
