"""The sync API's routes: read the request, call the service, answer JSON."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user, login_required
from marshmallow import ValidationError

from webapp.clock import server_now
from webapp.field.service import record_deadlines
from webapp.sync import paging, reads
from webapp.sync.ingest import ingest
from webapp.sync.openapi import build_spec
from webapp.sync.schemas import CaseloadSchema, DeadlinesSchema, Instant, RecordsResponseSchema
from webapp.sync.validation import MalformedEnvelope, TooManyRecords
from webapp.timeliness import LONDON, iso_utc

bp = Blueprint("sync", __name__, url_prefix="/api/v1")


@bp.post("/sync")
@login_required
def sync_records():
    try:
        envelope = request.get_json(force=True, silent=True)
    except RecursionError:
        return jsonify(error="The request body is JSON nested too deeply."), 400
    if envelope is None:
        return jsonify(error="The request body must be JSON (Content-Type: application/json)."), 400
    try:
        # The user itself, not the proxy: ingest asks for it once per record.
        outcome = ingest(current_user._get_current_object(), envelope, server_now())
    except TooManyRecords as exc:
        return jsonify(error=str(exc)), 413
    except MalformedEnvelope as exc:
        return jsonify(error=str(exc), errors=exc.errors), 400
    # SyncResponseSchema documents this answer; as_json already has its shape (tests hold them
    # together), so it is not dumped through marshmallow on every request.
    return jsonify(outcome.as_json())


@bp.get("/records")
@login_required
def list_records():
    if request.args.get("cursor"):
        if request.args.get("since"):
            return jsonify(error="Send `since` on the first page only: the cursor carries it."), 400
        try:
            position = paging.read_cursor(request.args["cursor"])
        except paging.BadCursor as exc:
            return jsonify(error=str(exc), errors={"cursor": [str(exc)]}), 400
    else:
        since = None
        if request.args.get("since"):
            try:
                since = Instant().deserialize(request.args["since"])
            except ValidationError as exc:
                return jsonify(error="`since` must be an ISO 8601 instant.", errors={"since": exc.messages}), 400
        position = paging.Position(began_at=server_now(), since=since)
    rows, following = reads.records_page(current_user, position, current_app.config["RECORDS_PAGE_SIZE"])
    answer = {
        "server_now": iso_utc(position.began_at),
        "records": [reads.stored_record_json(record, check) for record, check in rows],
        "next_cursor": following.cursor() if following else None,
    }
    return jsonify(RecordsResponseSchema().dump(answer))


@bp.get("/caseload")
@login_required
def show_caseload():
    return jsonify(CaseloadSchema().dump(reads.caseload(current_user, server_now())))


@bp.get("/deadlines")
@login_required
def show_deadlines():
    """When a record written now must reach the file, per child, record type and event day."""
    today = server_now().astimezone(LONDON).date()
    return jsonify(DeadlinesSchema().dump(record_deadlines(current_user, today)))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(
        build_spec(
            current_app.config["SYNC_MAX_RECORDS"], current_app.config["MAX_CONTENT_LENGTH"],
            current_app.config["RECORDS_PAGE_SIZE"],
        )
    )
