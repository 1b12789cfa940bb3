"""The OpenAPI 3 document of the sync API, generated from the marshmallow schemas."""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from webapp.sync import schemas


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json("Error", description)


def build_spec(max_records: int, max_bytes: int, page_size: int) -> dict[str, Any]:
    spec = APISpec(
        title="Visit recorder sync API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Devices sign in at /sign-in and use the same session cookie. Every POST carries "
                "the CSRF token from the page's <meta name=\"csrf-token\"> in the X-CSRFToken header."
            )
        },
    )
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": "session"})
    spec.components.security_scheme("csrf", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"})
    # Nested schemas first: the plugin registers a nested schema itself if it meets it unnamed.
    for name in (
        "Timeliness", "RecordResult", "SyncResponse", "StoredRecord", "RecordsResponse",
        "Error", "Record", "Envelope", "Caseload", "DeadlineWindow", "Deadlines",
    ):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))

    unauthorised = _error("Not signed in.")
    spec.path(
        path="/api/v1/session",
        operations={
            "get": {
                "summary": "Who is signed in, how long their session has left, and a current CSRF token.",
                "description": (
                    "The device counts `seconds_left` down on its own clock and stops showing cached "
                    "pages at 0 (the session ends at the working day's end or after the idle limit, "
                    "whichever is sooner); `csrf_token` replaces one a cached page may carry."
                ),
                "security": [{"session": []}],
                "responses": {
                    "200": {"description": "The session.", "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["user_id", "seconds_left", "server_now", "csrf_token"],
                        "properties": {
                            "user_id": {"type": "string"},
                            "seconds_left": {"type": "integer", "minimum": 0},
                            "server_now": {"type": "string", "format": "date-time"},
                            "csrf_token": {"type": "string"},
                        },
                    }}}},
                    "401": unauthorised,
                },
            }
        },
    )
    spec.path(
        path="/api/v1/sync",
        operations={
            "post": {
                "summary": "Send finished records; each gets its own status and timeliness verdict.",
                "description": (
                    f"At most {max_records} records and {max_bytes // (1024 * 1024)} MB per request. "
                    "Send `records` as an array of Record objects."
                ),
                "security": [{"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": "Envelope"}}},
                "responses": {
                    "200": _json("SyncResponse", "One result per record, in order."),
                    "400": _error("The envelope is malformed, or the CSRF token is missing or wrong."),
                    "401": unauthorised,
                    "413": _error(f"More than {max_records} records or {max_bytes} bytes."),
                },
            }
        },
    )
    spec.path(
        path="/api/v1/records",
        operations={
            "get": {
                "summary": "The signed-in user's records at their current versions, with verdicts.",
                "description": (
                    f"At most {page_size} records a page, oldest receipt first. While an answer's "
                    "next_cursor is not null, ask again with ?cursor=next_cursor for the next page."
                ),
                "security": [{"session": []}],
                "parameters": [
                    {
                        "name": "since", "in": "query", "required": False,
                        "schema": {"type": "string", "format": "date-time"},
                        "description": "First page only: records received at or after this instant (with a UTC offset).",
                    },
                    {
                        "name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
                        "description": "The previous page's next_cursor, unchanged; it carries the first page's since.",
                    },
                ],
                "responses": {
                    "200": _json("RecordsResponse", f"One page of at most {page_size} records, oldest first."),
                    "400": _error("`since` is not an ISO 8601 instant with an offset, or `cursor` is not a next_cursor."),
                    "401": unauthorised,
                },
            }
        },
    )
    spec.path(
        path="/api/v1/caseload",
        operations={
            "get": {
                "summary": "The user's children, and each authority's record types and forms, for offline work.",
                "security": [{"session": []}],
                "responses": {"200": _json("Caseload", "The caseload."), "401": unauthorised},
            }
        },
    )
    spec.path(
        path="/api/v1/deadlines",
        operations={
            "get": {
                "summary": (
                    "When a record written now must reach the file: the engine's deadlines for each child "
                    "the user may record for, record type and event day around today, for offline work."
                ),
                "security": [{"session": []}],
                "responses": {"200": _json("Deadlines", "The deadline table."), "401": unauthorised},
            }
        },
    )
    spec.path(
        path="/api/v1/openapi.json",
        operations={"get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3"}}}},
    )
    return spec.to_dict()
