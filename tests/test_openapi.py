"""The published contract: /api/v1/openapi.json validates, and says what the server does.

Generated clients (the phone app, county systems) are built from this document, so it is checked
as a document here; tests/test_contract.py checks it against the running server.
"""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import OpenAPIV30SpecValidator

from gridsvc import create_app
from gridsvc.config import TestConfig
from gridsvc.openapi import PROBLEM, operation_id, room_of

METHODS = ("get", "post", "put", "patch", "delete")
ROOMS = {"accounts", "boundaries", "workers", "incidents", "routing", "assessment", "maps"}


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def test_the_spec_validates_as_openapi_3_0(spec):
    assert spec["openapi"] == TestConfig.OPENAPI_VERSION == "3.0.3"
    errors = [e.message for e in OpenAPIV30SpecValidator(spec).iter_errors()]
    assert errors == []


def test_uploads_are_one_multipart_body_with_their_form_fields(spec):
    upload = spec["paths"]["/api/v1/boundary-uploads"]["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["file"]["format"] == "binary"
    assert body["properties"]["level"]["enum"] == ["county", "township", "village", "grid"]
    assert set(body["required"]) == {"file", "level"}
    assert not [p for p in upload.get("parameters", []) if p["in"] not in ("header", "query")]
    photo = spec["paths"]["/api/v1/incidents/{incident_id}/photos"]["post"]
    assert {"file", "kind"} <= set(
        photo["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    )
    assert "415" in photo["responses"]
    assert "413" in photo["responses"]


def test_every_success_has_a_schema_for_each_media_type(spec):
    untyped = []
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            if status.startswith("2") and status != "204":
                content = resolve(spec, response).get("content", {})
                if not content or any("schema" not in media for media in content.values()):
                    untyped.append(f"{method.upper()} {path} {status}")
    assert untyped == []
    geojson = spec["paths"]["/api/v1/teams/{team_id}/queue"]["get"]["responses"]["200"]["content"]
    assert geojson["application/geo+json"]["schema"] == {
        "$ref": "#/components/schemas/QueueCollection"
    }


def test_every_error_is_a_problem_as_problem_json(spec):
    for path, method, op in operations(spec):
        errors = {s: resolve(spec, r) for s, r in op["responses"].items() if s[0] in "45"}
        assert {"400", "401", "403", "404", "422", "429", "503"} <= set(errors), (path, method)
        assert "default" not in op["responses"]
        for status, response in errors.items():
            assert list(response["content"]) == [PROBLEM], (path, method, status)
            schema = response["content"][PROBLEM]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}
        for status in ("429", "503"):
            assert "Retry-After" in errors[status]["headers"]
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["properties"]["code"]["type"] == "string"
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's integer-code error


def test_a_real_error_body_matches_the_problem_schema(spec, client):
    response = client.get("/api/v1/incidents/1")  # no token
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    schema = {**spec["components"]["schemas"]["Problem"], "components": spec["components"]}
    OAS30Validator(schema).validate(response.get_json())


def test_operation_ids_are_unique_and_named_after_blueprint_view_and_method(spec, app):
    ids = [op.get("operationId") for _, _, op in operations(spec)]
    assert None not in ids
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)
    by_place = {(p, m): op["operationId"] for p, m, op in operations(spec)}
    assert by_place[("/api/v1/incidents/{incident_id}", "get")] == "incidents_incident_item_get"
    assert by_place[("/api/v1/auth/login", "post")] == "accounts_login_post"
    assert operation_id("cases", "CallActions", "post") == "cases_call_actions_post"


def test_operation_ids_are_the_same_in_every_build_of_the_app(spec):
    again = create_app(TestConfig).test_client().get("/api/v1/openapi.json").get_json()
    assert {(p, m): op["operationId"] for p, m, op in operations(again)} == {
        (p, m): op["operationId"] for p, m, op in operations(spec)
    }


def test_tags_are_the_rooms(spec):
    assert {t["name"] for t in spec["tags"]} <= ROOMS
    for path, method, op in operations(spec):
        assert op["tags"] in [[room] for room in ROOMS], (path, method)
    assert room_of("gridsvc.routing.cases.api") == "routing"


def _params(spec, path, method) -> dict:
    item = spec["paths"][path]
    params = item[method].get("parameters", []) + item.get("parameters", [])
    return {p["name"]: p for p in params}


def test_conditional_requests_are_in_the_spec(spec):
    actions = "/api/v1/incidents/{incident_id}/actions"
    post = spec["paths"][actions]["post"]
    assert _params(spec, actions, "post")["If-Match"]["required"] is True
    assert {"412", "428"} <= set(post["responses"])
    assert "ETag" in post["responses"]["200"]["headers"]
    incident = "/api/v1/incidents/{incident_id}"
    get = spec["paths"][incident]["get"]
    assert _params(spec, incident, "get")["If-None-Match"]["required"] is False
    assert "304" in get["responses"]
    assert "ETag" in get["responses"]["200"]["headers"]
    # Accepting a proposal checks If-Match only when it is sent.
    accept = "/api/v1/assignments/proposals/{proposal_id}/accept"
    assert _params(spec, accept, "post")["If-Match"]["required"] is False
    # A read without a version answers no 412.
    assert "412" not in spec["paths"]["/api/v1/me"]["get"]["responses"]


def test_idempotent_creations_take_an_idempotency_key(spec):
    assert "Idempotency-Key" in _params(spec, "/api/v1/incidents", "post")
    assert "Idempotency-Key" in _params(spec, "/api/v1/incidents/{incident_id}/photos", "post")
    assert "Idempotency-Key" not in _params(spec, "/api/v1/incidents", "get")
