"""POST /api/v1/sync: every status, every error path, idempotency, skew and child protection."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import DEFAULT_NOW
from tests.factories import iso, new_record, visit_fields
from webapp.extensions import db
from webapp.models import AuditEvent, Record, SyncRequest, TimelinessCheck
from webapp.record_forms import SHORT_TEXT_MAX, TEXT_MAX

EVENT = DEFAULT_NOW - timedelta(hours=1)  # Monday 23 November 2026, 09:00 UTC


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def days_later(clock, asha, days: int) -> None:
    """Days pass: Asha's session (a working day) has ended, so she signs in again."""
    clock.advance(days=days)
    assert asha.sign_in("asha@norfolk.test").status_code == 302


def results(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def test_a_good_record_is_accepted_stored_judged_and_audited(app, asha):
    record = new_record("NOR-1", EVENT, EVENT + timedelta(minutes=30))
    response = asha.sync([record], DEFAULT_NOW)

    body = response.get_json()
    assert body["server_now"] == "2026-11-23T10:00:00Z"
    [result] = body["results"]
    assert result["id"] == record["id"]
    assert result["status"] == "accepted"
    assert result["errors"] == {}
    assert result["version"] == 1
    assert result["implausible"] is False
    timeliness = result["timeliness"]
    assert timeliness["authority"] == "norfolk"
    assert timeliness["window"] == "2 working days"
    assert timeliness["due_at"] == "2026-11-26T00:00:00Z"  # end of Wednesday
    assert (timeliness["due_exclusive"], timeliness["due_by_local_day"]) == (True, "2026-11-25")
    assert timeliness["received_at"] == "2026-11-23T10:00:00Z"
    assert timeliness["verdict"] == "on_time"
    assert timeliness["late_by_seconds"] == 0
    assert timeliness["cause"] is None

    with app.app_context():
        stored = db.session.scalar(select(Record))
        assert (stored.uuid, stored.version, stored.record_type) == (record["id"], 1, "visit")
        assert stored.fields == record["fields"]
        assert stored.device_id == "tablet-1"
        check = db.session.scalar(select(TimelinessCheck))
        assert check.record_id == stored.id
        assert check.as_timeliness() == timeliness
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("record.%"))).all()
        assert (event.action, event.record_uuid) == ("record.accepted", record["id"])
        sync_request = db.session.scalar(select(SyncRequest))
        assert (sync_request.received_count, sync_request.accepted_count) == (1, 1)
        assert event.sync_request_id == sync_request.id == stored.sync_request_id


def test_a_mixed_batch_gets_a_correct_result_for_each_record(app, asha):
    first = new_record("NOR-1", EVENT)
    asha.sync([first], DEFAULT_NOW)

    good = new_record("NOR-2", EVENT)
    changed = dict(first, fields=visit_fields(analysis="Changed my mind."))
    invalid = {**new_record("NOR-1", EVENT), "event_at": "yesterday"}
    response = asha.sync([good, first, changed, invalid], DEFAULT_NOW + timedelta(hours=1))

    statuses = [(r["id"], r["status"]) for r in results(response)]
    assert statuses == [
        (good["id"], "accepted"),
        (first["id"], "duplicate"),
        (first["id"], "conflict"),
        (invalid["id"], "rejected"),
    ]
    assert "event_at" in results(response)[3]["errors"]
    assert count(app, Record) == 2
    with app.app_context():
        sync_request = db.session.scalars(select(SyncRequest).order_by(SyncRequest.id.desc())).first()
        assert (
            sync_request.received_count, sync_request.accepted_count, sync_request.duplicate_count,
            sync_request.conflict_count, sync_request.rejected_count,
        ) == (4, 1, 1, 1, 1)
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.sync_request_id == sync_request.id).order_by(AuditEvent.id)
        ).all()
        # Audited in the order stored (by id, to avoid deadlocks), so compare as a set of events.
        assert sorted(actions) == ["record.accepted", "record.conflict", "record.duplicate", "record.rejected"]


def test_a_resent_record_is_a_duplicate_with_its_original_verdict_and_no_new_rows(app, asha, clock):
    record = new_record("NOR-1", EVENT)
    [original] = results(asha.sync([record], DEFAULT_NOW))

    days_later(clock, asha, 10)  # long past due: a fresh verdict would be late
    [resent] = results(asha.sync([record], clock.now()))

    assert resent["status"] == "duplicate"
    assert resent["version"] == 1
    assert resent["timeliness"] == original["timeliness"]
    assert resent["timeliness"]["verdict"] == "on_time"
    assert (count(app, Record), count(app, TimelinessCheck)) == (1, 1)


def test_the_same_record_twice_in_one_batch_is_stored_once(app, asha):
    record = new_record("NOR-1", EVENT)
    first, second = results(asha.sync([record, record], DEFAULT_NOW))
    assert (first["status"], second["status"]) == ("accepted", "duplicate")
    assert count(app, Record) == 1


def test_the_same_id_with_other_content_is_a_conflict(app, asha):
    record = new_record("NOR-1", EVENT)
    asha.sync([record], DEFAULT_NOW)
    changed = dict(record, event_at=iso(EVENT - timedelta(hours=1)))

    [result] = results(asha.sync([changed], DEFAULT_NOW))

    assert result["status"] == "conflict"
    assert result["version"] == 1
    assert "supersedes: 1" in result["errors"]["id"][0]
    assert count(app, Record) == 1


def test_supersedes_the_current_version_stores_a_new_version_keeping_the_verdict(app, asha, clock):
    record = new_record("NOR-1", EVENT)
    [original] = results(asha.sync([record], DEFAULT_NOW))
    days_later(clock, asha, 10)
    changed = dict(record, supersedes=1, fields=visit_fields(analysis="On reflection, some worry."))

    [result] = results(asha.sync([changed], clock.now()))

    assert (result["status"], result["version"]) == ("accepted", 2)
    assert result["timeliness"] == original["timeliness"]
    with app.app_context():
        versions = db.session.scalars(select(Record).order_by(Record.version)).all()
        assert [(v.version, v.supersedes) for v in versions] == [(1, None), (2, 1)]
        assert versions[1].fields["analysis"] == "On reflection, some worry."
        assert count(app, TimelinessCheck) == 1
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event.action == "record.accepted"
        assert event.detail["version"] == 2 and event.detail["supersedes"] == 1

    # Resending either version is a duplicate of that version.
    again = results(asha.sync([changed, record], clock.now()))
    assert [(r["status"], r["version"]) for r in again] == [("duplicate", 2), ("duplicate", 1)]
    # A change made to the old version conflicts with the newer one.
    stale = dict(record, supersedes=1, fields=visit_fields(analysis="Another edit."))
    [result] = results(asha.sync([stale], clock.now()))
    assert result["status"] == "conflict"
    assert result["version"] == 2
    assert "supersedes" in result["errors"]


@pytest.mark.parametrize("supersedes", [None, 1])
def test_only_the_author_can_supersede_or_see_a_conflicts_version_and_verdict(app, world, client, auth, supersedes):
    auth.sign_in("asha@norfolk.test")
    record = new_record("NOR-1", EVENT)
    auth.sync([record], DEFAULT_NOW)
    auth.sign_out()
    # Her team's manager, who may record for NOR-1 too (anyone else is refused the child first).
    auth.sign_in("grace@norfolk.test")

    changed = dict(record, supersedes=supersedes, fields=visit_fields(actions="Mine."))
    [result] = results(auth.sync([changed], DEFAULT_NOW))

    assert result["status"] == "conflict"
    assert result["errors"] == {"id": [
        "Another person's record already has this id, and only its author can change it; give this record a new id."
    ]}
    assert result["version"] is None and result["timeliness"] is None


def test_a_new_version_cannot_downgrade_child_protection(app, asha):
    record = new_record("NOR-1", EVENT, child_protection=True)
    asha.sync([record], DEFAULT_NOW)
    downgraded = dict(record, child_protection=False, supersedes=1)

    [result] = results(asha.sync([downgraded], DEFAULT_NOW))

    assert result["status"] == "accepted"
    with app.app_context():
        assert db.session.scalars(select(Record.child_protection).order_by(Record.version)).all() == [True, True]


def test_a_child_on_a_protection_plan_counts_as_child_protection(app, world, auth):
    auth.sign_in("maya@warwickshire.test")
    on_plan = new_record("WAR-2", EVENT, child_protection=False)
    flagged = new_record("WAR-1", EVENT, child_protection=True)
    plain = new_record("WAR-1", EVENT)

    windows = [r["timeliness"]["window"] for r in results(auth.sync([on_plan, flagged, plain], DEFAULT_NOW))]

    assert windows == ["24 hours", "24 hours", "72 hours"]
    with app.app_context():
        stored = dict(db.session.execute(select(Record.uuid, Record.child_protection)).all())
        assert stored == {on_plan["id"]: True, flagged["id"]: True, plain["id"]: False}


def test_a_completed_at_before_event_at_is_stored_but_implausible(app, asha):
    record = new_record("NOR-1", EVENT, EVENT - timedelta(hours=2))
    [result] = results(asha.sync([record], DEFAULT_NOW))
    assert (result["status"], result["implausible"]) == ("accepted", True)
    with app.app_context():
        assert db.session.scalar(select(Record.implausible)) is True


@pytest.mark.parametrize(
    ("device_offset", "flagged"),
    [(timedelta(0), False), (timedelta(minutes=-5), False), (timedelta(minutes=-10), True), (timedelta(minutes=7), True)],
)
def test_clock_skew_is_measured_stored_flagged_and_corrects_completed_at(app, asha, device_offset, flagged):
    device_now = DEFAULT_NOW + device_offset
    completed_on_device = EVENT + timedelta(minutes=30) + device_offset
    response = asha.sync([new_record("NOR-1", EVENT, completed_on_device)], device_now)

    body = response.get_json()
    assert body["skew_seconds"] == -device_offset.total_seconds()
    assert body["skew_flagged"] is flagged
    with app.app_context():
        sync_request = db.session.scalar(select(SyncRequest))
        assert sync_request.skew_seconds == -device_offset.total_seconds()
        assert sync_request.skew_flagged is flagged
        check = db.session.scalar(select(TimelinessCheck))
        assert check.completed_at_corrected == EVENT + timedelta(minutes=30)
        assert check.skew_seconds == -device_offset.total_seconds()


def test_a_late_record_finished_in_time_on_a_slow_device_is_synced_late(app, asha, clock):
    days_later(clock, asha, 4)  # Friday: Monday's visit was due by the end of Wednesday
    device_now = clock.now() - timedelta(minutes=20)  # the tablet's clock is 20 minutes slow
    record = new_record("NOR-1", EVENT, EVENT + timedelta(hours=3) - timedelta(minutes=20))

    [result] = results(asha.sync([record], device_now))

    assert result["timeliness"]["verdict"] == "late"
    assert result["timeliness"]["cause"] == "synced_late"
    assert result["timeliness"]["late_by_working_days"] == 2


# -- rejections ----------------------------------------------------------------------------


def _rejected(asha, record) -> dict:
    [result] = results(asha.sync([record], DEFAULT_NOW))
    assert result["status"] == "rejected", result
    assert result["version"] is None and result["timeliness"] is None
    return result["errors"]


def test_unknown_child_is_rejected(app, asha):
    assert _rejected(asha, new_record("NOBODY", EVENT)) == {
        "child_id": ["No child with this id is on your caseload."]
    }


@pytest.mark.parametrize("child", ["WAR-1", "NOR-3"])  # another team's; a teammate's
def test_a_child_not_allocated_to_the_practitioner_is_rejected_with_the_same_message(app, asha, child):
    assert _rejected(asha, new_record(child, EVENT)) == {
        "child_id": ["No child with this id is on your caseload."]
    }


def test_a_record_type_the_authority_does_not_define_is_rejected(app, asha):
    errors = _rejected(asha, new_record("NOR-1", EVENT, record_type="fostering_panel_decision", fields={}))
    assert "does not define this record type" in errors["record_type"][0]


@pytest.mark.parametrize(
    ("ahead", "status"), [(timedelta(minutes=5), "accepted"), (timedelta(minutes=5, seconds=1), "rejected")]
)
def test_event_at_more_than_five_minutes_in_the_future_is_rejected(app, asha, ahead, status):
    [result] = results(asha.sync([new_record("NOR-1", DEFAULT_NOW + ahead, DEFAULT_NOW)], DEFAULT_NOW))
    assert result["status"] == status
    if status == "rejected":
        assert result["errors"] == {"event_at": ["Is more than 5 minutes in the future by the server's clock."]}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (visit_fields(observations="x" * (TEXT_MAX + 1)), "observations", f"Text must be {TEXT_MAX} characters or fewer."),
        (visit_fields(present="x" * (SHORT_TEXT_MAX + 1)), "present", f"Who was present must be {SHORT_TEXT_MAX} characters or fewer"),
        (visit_fields(visit_type="social"), "visit_type", "Must be one of: statutory_child_protection, child_in_need, looked_after, care_leaver, early_help, other."),
        (visit_fields(child_seen="yes"), "child_seen", "Must be true or false."),
        ({k: v for k, v in visit_fields().items() if k != "analysis"}, "analysis", "Enter your analysis"),
        (visit_fields(analysis=" \n "), "analysis", "Enter your analysis"),
        (visit_fields(child_seen=False), "child_not_seen_reason", "Enter why you did not see the child"),
    ],
)
def test_form_fields_over_limits_or_invalid_are_rejected_per_field(app, asha, fields, field, message):
    assert _rejected(asha, new_record("NOR-1", EVENT, fields=fields)) == {"fields": {field: [message]}}


def test_bedroom_seen_is_required_for_a_looked_after_child(app, world, auth):
    auth.sign_in("ben@norfolk.test")  # NOR-3, looked after, is Ben's
    errors = _rejected(auth, new_record("NOR-3", EVENT))
    assert errors == {"fields": {"bedroom_seen": ["Select whether you saw the child’s bedroom"]}}
    [result] = results(auth.sync([new_record("NOR-3", EVENT, fields=visit_fields(bedroom_seen=True))], DEFAULT_NOW))
    assert result["status"] == "accepted"


def test_any_record_types_text_is_limited(app, asha):
    record = new_record("NOR-1", EVENT, record_type="strategy_discussion", fields={"summary": "x" * (TEXT_MAX + 1)})
    assert _rejected(asha, record) == {"fields": {"summary": [f"Text must be {TEXT_MAX} characters or fewer."]}}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"event_at": "2026-11-23T09:00:00"}, "event_at"),  # no offset
        ({"event_at": "1985-01-01T09:00:00Z"}, "event_at"),  # before the calendar
        ({"completed_at": None}, "completed_at"),
        ({"child_protection": "yes"}, "child_protection"),
        ({"supersedes": 0}, "supersedes"),
        ({"fields": ["a list"]}, "fields"),
        ({"fields": {"Bad Name": "x"}}, "fields"),
        ({"record_type": ""}, "record_type"),
    ],
)
def test_invalid_values_are_rejected_with_a_message_for_the_field(app, asha, change, field):
    errors = _rejected(asha, {**new_record("NOR-1", EVENT), **change})
    assert list(errors) == [field]
    assert errors[field]


def test_a_record_that_is_not_an_object_is_rejected_without_blocking_the_others(app, asha):
    good = new_record("NOR-1", EVENT)
    response = asha.sync(["a string", good, {"id": "x"}], DEFAULT_NOW)
    first, second, third = results(response)
    assert (first["id"], first["status"], first["errors"]) == (None, "rejected", {"_schema": ["Each record must be a JSON object."]})
    assert second["status"] == "accepted"
    assert third["id"] == "x" and third["status"] == "rejected"
    assert set(third["errors"]) >= {"id", "child_id", "record_type", "event_at", "completed_at"}


def test_a_rule_counting_back_from_an_anchor_needs_it_in_the_fields(app, asha):
    record = new_record("NOR-1", EVENT, record_type="cla_review_report", fields={})
    errors = _rejected(asha, record)
    assert list(errors["fields"]) == ["meeting_at"]

    meeting = dict(record, fields={"meeting_at": "2026-12-07T10:00:00Z"})
    [result] = results(asha.sync([meeting], DEFAULT_NOW))
    assert result["status"] == "accepted"
    assert result["timeliness"]["rule_id"] == "norfolk_cla_review_report"


def test_rejections_are_audited_without_the_records_contents(app, asha):
    secret = "The child told me about her uncle."
    asha.sync([new_record("WAR-1", EVENT, fields=visit_fields(childs_words=secret))], DEFAULT_NOW)
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "record.rejected")).all()
        assert event.detail["error_fields"] == ["child_id"]
        assert secret not in json.dumps(event.detail)
    assert count(app, Record) == 0


# -- the envelope --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"device_now": "2026-11-23T10:00:00Z", "records": []}, "device_id"),
        ({"device_id": "t", "records": []}, "device_now"),
        ({"device_id": "t", "device_now": "soon", "records": []}, "device_now"),
        ({"device_id": "t", "device_now": "2026-11-23T10:00:00Z"}, "records"),
        ({"device_id": "t", "device_now": "2026-11-23T10:00:00Z", "records": {"id": 1}}, "records"),
        ({"device_id": "", "device_now": "2026-11-23T10:00:00Z", "records": []}, "device_id"),
    ],
)
def test_a_malformed_envelope_is_a_400_naming_the_field(app, asha, body, field):
    response = asha.post_json("/api/v1/sync", body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "The sync request is malformed."
    assert response.get_json()["errors"][field]
    assert count(app, SyncRequest) == 0


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_a_json_object_is_a_400(app, asha, body):
    response = asha._client.post(
        "/api/v1/sync", data=body, content_type="application/json", headers={"X-CSRFToken": asha.token}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_more_than_500_records_is_a_413(app, asha):
    response = asha.sync([{}] * 501, DEFAULT_NOW)
    assert response.status_code == 413
    assert "at most 500 records" in response.get_json()["error"]
    assert count(app, SyncRequest) == 0


def test_a_body_over_2_mb_is_a_413_with_a_json_message(app, asha):
    big = new_record("NOR-1", EVENT, fields=visit_fields(observations="x" * (2 * 1024 * 1024)))
    response = asha.sync([big], DEFAULT_NOW)
    assert response.status_code == 413
    assert response.is_json
    assert "too large" in response.get_json()["error"]


def test_an_empty_batch_is_answered(app, asha):
    assert results(asha.sync([], DEFAULT_NOW)) == []


def test_json_nested_too_deeply_is_a_400(app, asha):
    body = "[" * 100_000 + "]" * 100_000
    response = asha._client.post(
        "/api/v1/sync", data=body, content_type="application/json", headers={"X-CSRFToken": asha.token}
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"child_id": "NOR\x00"}, "child_id"), ({"record_type": "vi\x00sit"}, "record_type"),
     ({"fields": visit_fields(analysis="a\x00b")}, "fields")],
)
def test_nul_characters_are_rejected_not_stored(app, asha, change, field):
    errors = _rejected(asha, {**new_record("NOR-1", EVENT), **change})
    assert list(errors) == [field]


def test_a_device_id_with_a_nul_is_a_malformed_envelope(app, asha):
    response = asha.post_json("/api/v1/sync", {"device_id": "t\x00", "device_now": iso(DEFAULT_NOW), "records": []})
    assert response.status_code == 400
    assert response.get_json()["errors"]["device_id"]


def test_half_a_surrogate_pair_is_rejected_not_a_server_error(app, asha):
    body = json.dumps({"device_id": "t", "device_now": iso(DEFAULT_NOW), "records": [new_record("NOR-1", EVENT)]})
    body = body.replace('"actions": "', '"actions": "\\ud800')
    response = asha._client.post(
        "/api/v1/sync", data=body, content_type="application/json", headers={"X-CSRFToken": asha.token}
    )
    [result] = results(response)
    assert result["errors"] == {"fields": {"actions": ["Must be valid Unicode (it holds half of a surrogate pair)."]}}


def test_records_are_answered_in_request_order_whatever_order_they_are_stored_in(app, asha):
    batch = [new_record("NOR-1", EVENT, id=f"{n:08x}-0000-4000-8000-000000000000") for n in (9, 3, 7, 1)]
    batch.insert(2, {**batch[0], "fields": visit_fields(actions="Changed.")})  # conflicts with the first
    answers = results(asha.sync(batch, DEFAULT_NOW))
    assert [(a["id"], a["status"]) for a in answers] == [
        (batch[0]["id"], "accepted"), (batch[1]["id"], "accepted"), (batch[0]["id"], "conflict"),
        (batch[3]["id"], "accepted"), (batch[4]["id"], "accepted"),
    ]


@pytest.mark.parametrize(
    ("section_47", "rule_id", "due_by_local_day"),
    [
        # After Monday 23 Nov 2026 the 15th working day is Mon 14 Dec; the 45th, skipping 25 and
        # 28 Dec and 1 Jan, is Thu 28 Jan 2027.
        (True, "norfolk_assessment_section_47", "2026-12-14"),
        (False, "norfolk_assessment", "2027-01-28"),
    ],
)
def test_section_47_chooses_the_rule_for_assessments_after_section_47_enquiries(
    app, asha, section_47, rule_id, due_by_local_day
):
    record = new_record("NOR-1", EVENT, EVENT, record_type="assessment", fields={}, child_protection=True,
                        section_47=section_47)
    [result] = results(asha.sync([record], DEFAULT_NOW))
    assert result["status"] == "accepted", result
    assert (result["timeliness"]["rule_id"], result["timeliness"]["due_by_local_day"]) == (rule_id, due_by_local_day)


def test_section_47_must_be_true_or_false(app, asha):
    record = new_record("NOR-1", EVENT, EVENT, record_type="assessment", fields={}, section_47="yes")
    [result] = results(asha.sync([record], DEFAULT_NOW))
    assert (result["status"], list(result["errors"])) == ("rejected", ["section_47"])
