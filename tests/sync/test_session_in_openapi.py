"""GET /api/v1/session is in the OpenAPI document, and answers what the document says."""
from __future__ import annotations


def test_the_openapi_document_describes_the_session_read(client, world, auth):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/session"]["get"]
    assert set(operation["responses"]) == {"200", "401"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]

    assert client.get("/api/v1/session").status_code == 401
    auth.sign_in("asha@norfolk.test")
    answer = client.get("/api/v1/session").get_json()
    # Every key the document promises is there, with the type it names, and nothing else.
    assert set(answer) == set(schema["properties"]) == set(schema["required"])
    types = {"string": str, "integer": int}
    for name, described in schema["properties"].items():
        assert isinstance(answer[name], types[described["type"]]), name
    assert answer["seconds_left"] > 0
