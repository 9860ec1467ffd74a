"""The OpenAPI contract, completed for every operation in one place.

Phone and county teams generate their clients from ``/api/v1/openapi.json``, so the spec must say
what the server really does. flask-smorest documents what the decorators declare; the rest (the
problem+json errors, the conditional-request and idempotency headers, the operation ids, the room
tags, multipart bodies) is derived here from the views themselves, so an endpoint added tomorrow
is documented the same way without anyone remembering to:

* **errors** — every operation lists the problem+json answers any request can get (400, 401,
  403, 404, 422, 429, 503); writes add 409 and 413; multipart uploads add 415; a view that calls
  :func:`gridsvc.http.require_if_match` adds 412 and 428 and the ``If-Match`` header (required
  unless the view reads the header itself, i.e. treats it as optional);
* **headers** — ``Idempotency-Key`` for views under :func:`gridsvc.idempotency.idempotent`;
  ``ETag`` on the success answer of views that send one; ``If-None-Match`` and 304 for views that
  read ``request.if_none_match``; ``Retry-After`` on 429 and 503;
* **operationId** — ``<blueprint>_<view>_<method>`` in snake case: stable as long as the class
  and blueprint names are, unique because Flask endpoints are;
* **tags** — the room a blueprint lives in (``gridsvc.<room>...``), so a generated client has one
  module per room.

The views are read, not run: the code objects of the view, of its decorators' wrappers, and of
the module-level helpers it calls (one level down) are searched for the names above.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from http import HTTPStatus
from types import CodeType, FunctionType
from typing import Any

PROBLEM = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem. Switch on `code`, never on `title` or `detail`.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the problem's code."},
        "title": {"type": "string", "description": "The status in words."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {
            "type": "string",
            "description": "Stable dotted code, e.g. `incident.outside_jurisdiction`.",
            "example": "request.validation_failed",
        },
        "errors": {
            "type": "object",
            "description": "Validation findings: field (or location) → messages or nested fields.",
            "additionalProperties": True,
        },
        "request_id": {"type": "string", "description": "Quote it when reporting a problem."},
    },
    # RFC 9457 extension members (limit_bytes, current_etag, retry_after_seconds, ...).
    "additionalProperties": True,
}

# The answers any operation may give: malformed input, authentication, role, scope, a request
# head too large, validation, rate limits and a database that does not answer.
COMMON_ERRORS = (400, 401, 403, 404, 414, 422, 429, 431, 503)
WRITE_ERRORS = (409, 413)
UPLOAD_ERRORS = (415,)
IF_MATCH_ERRORS = (412, 428)
WRITE_METHODS = {"post", "put", "patch", "delete"}
RETRY_AFTER = {
    "description": "Seconds to wait before repeating the request as it is.",
    "schema": {"type": "integer", "minimum": 0},
}
ETAG_HEADER = {
    "description": "The resource version; send it back in If-Match (updates) or If-None-Match.",
    "schema": {"type": "string"},
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "description": "The ETag from your last read: missing → 428, stale → 412.",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "description": "The ETag you hold: 304 without a body when unchanged.",
    "required": False,
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "description": (
        "A client-generated key (a UUID): a retry with the same key and payload gets the first "
        "answer again; the same key with another payload is 422 `idempotency.key_reused`."
    ),
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def error_response(status: int, description: str) -> dict[str, Any]:
    """A component response: the Problem schema as problem+json (Retry-After where it applies)."""
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def operation_id(blueprint: str, endpoint: str, method: str) -> str:
    """``incidents_incident_item_get`` from ("incidents", "IncidentItem", "get")."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", endpoint).lower()
    return f"{blueprint}_{snake}_{method}".replace(".", "_")


def room_of(import_name: str) -> str:
    """The room a blueprint's module belongs to: ``gridsvc.routing.cases.api`` → ``routing``."""
    parts = import_name.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "gridsvc" else parts[0]


def _layers(view: Callable) -> Iterator[FunctionType]:
    """The view and every decorator wrapper around it (functools.wraps keeps ``__wrapped__``)."""
    seen = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        if isinstance(view, FunctionType):
            yield view
        view = getattr(view, "__wrapped__", None)


def _codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


class ViewFacts:
    """What a view's code shows about the HTTP it speaks (see the module doc)."""

    def __init__(self, view: Callable) -> None:
        self.names: set[str] = set()
        self.strings: set[str] = set()
        self.wrappers: set[str] = set()
        for layer in _layers(view):
            # functools.wraps copies the view's names onto the wrapper; the code keeps its own.
            self.wrappers.add(f"{layer.__globals__['__name__']}.{layer.__code__.co_qualname}")
            self._read(layer, helpers=True)

    def _read(self, function: FunctionType, *, helpers: bool) -> None:
        for code in _codes(function.__code__):
            self.names.update(code.co_names)
            self.strings.update(c for c in code.co_consts if isinstance(c, str))
            if not helpers:
                continue
            for name in code.co_names:
                helper = function.__globals__.get(name)
                same_module = getattr(helper, "__module__", None) == function.__module__
                if isinstance(helper, FunctionType) and same_module:
                    self._read(helper, helpers=False)

    @property
    def if_match(self) -> bool:
        return "require_if_match" in self.names

    @property
    def if_match_optional(self) -> bool:
        # A view that looks at If-Match itself checks it only when sent.
        return "If-Match" in self.strings

    @property
    def if_none_match(self) -> bool:
        return "if_none_match" in self.names

    @property
    def sends_etag(self) -> bool:
        return "ETag" in self.strings

    @property
    def idempotent(self) -> bool:
        return any(w.startswith("gridsvc.idempotency.idempotent.") for w in self.wrappers)

    @property
    def body_limited(self) -> bool:
        return any(w.startswith("gridsvc.http.body_limit.") for w in self.wrappers)


def complete_operation(doc: dict, view: Callable, method: str, spec: Any) -> dict:
    """Add what :mod:`gridsvc.openapi` derives (module doc) to one operation's doc."""
    facts = ViewFacts(view)
    responses = {str(status): answer for status, answer in doc.get("responses", {}).items()}
    doc["responses"] = responses
    responses.pop("default", None)
    parameters = doc.setdefault("parameters", [])
    multipart = _merge_multipart(doc, spec)

    statuses = list(COMMON_ERRORS)
    if method in WRITE_METHODS or facts.body_limited:
        statuses += WRITE_ERRORS
    if multipart:
        statuses += UPLOAD_ERRORS
    if facts.if_match:
        statuses += IF_MATCH_ERRORS
        parameters.append({**IF_MATCH, "required": not facts.if_match_optional})
    if facts.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if facts.if_none_match:
        parameters.append(IF_NONE_MATCH)
        responses.setdefault(
            "304",
            {"description": "Not modified", "headers": {"ETag": ETAG_HEADER}},
        )
    for status, response in responses.items():
        if status[0] in "45" and isinstance(response, dict) and "content" not in response:
            # An alt_response naming a refusal's code: the body is a problem all the same.
            shaped = error_response(int(status), response.get("description", ""))
            responses[status] = {**shaped, **response, "content": shaped["content"]}
    for status in statuses:
        responses.setdefault(str(status), _name(status))  # apispec makes it a $ref
    if facts.sends_etag:
        for status, response in responses.items():
            if status.startswith("2") and isinstance(response, dict):
                response.setdefault("headers", {})["ETag"] = ETAG_HEADER
    if not parameters:
        del doc["parameters"]
    return doc


def _name(status: int) -> str:
    return HTTPStatus(status).name


def _merge_multipart(doc: dict, spec: Any) -> bool:
    """One multipart/form-data body holding the form fields and the files.

    flask-smorest puts the first body-like argument into ``requestBody`` and leaves the form as
    a parameter that apispec would expand into Swagger 2 ``in: formData`` parameters, which
    OpenAPI 3 does not have. Both schemas are flattened into one object (an ``allOf`` would not
    do: each part forbids the other's fields).
    """
    form = [p for p in doc.get("parameters", []) if p.get("in") == "form"]
    content = doc.get("requestBody", {}).get("content", {})
    body = content.get("multipart/form-data")
    if not form and body is None:
        return False
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    parts = [p["schema"] for p in form] + ([body["schema"]] if body is not None else [])
    for part in parts:
        schema = _json_schema(part, spec)
        merged["properties"].update(schema.get("properties", {}))
        merged["required"] += schema.get("required", [])
    for param in form:
        doc["parameters"].remove(param)
    if not merged["required"]:
        del merged["required"]
    doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": merged}}}
    return True


def _json_schema(schema: Any, spec: Any) -> dict:
    """A marshmallow schema (class or instance) as JSON Schema, by apispec's own converter."""
    if isinstance(schema, dict):
        return schema
    plugin = next(p for p in spec.plugins if hasattr(p, "converter"))
    instance = schema() if isinstance(schema, type) else schema
    return plugin.converter.schema2jsonschema(instance)
