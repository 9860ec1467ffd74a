"""Every operation in the OpenAPI spec, sent every class of hostile input: never a 5xx.

Deterministic and bounded: the operations come from ``/api/v1/openapi.json`` (a new endpoint is
fuzzed without touching this file), the bodies are built from each operation's schema with one
plausible value per field, and each bad-input class is then put into every field at once:

* JSON bodies: nesting 20,000 deep; a NUL character; a lone surrogate; a 400-digit integer and
  ``Infinity`` in every number; the same inside a list of the body;
* query strings: a NUL in every parameter; 400-digit, ``1e400`` and ``NaN`` numbers; forged
  cursors holding a string, a list, a bool, an object, or the right count of wrong types;
* path values: a NUL in every string, 10**30 in every integer;
* forms: a NUL in every field.

The requests run as a global admin (who passes every role check, so each request reaches the
parser and the code behind it) and as a grid worker. Refusals at the door must carry their
stable code; everything else merely must not be a 5xx.
"""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer
from tests.routing.conftest import (  # noqa: F401  (fixtures used here)
    GRID,
    admin_headers,
    county_admin,
    directory,
    hierarchy,
    listed,
    make_team,
    people,
    publish,
    report,
)

NUL = "x\x00y"
SURROGATE = "\ud800"
HUGE = 10**400
DEEP = "[" * 20_000 + "]" * 20_000
METHODS = ("get", "post", "put", "patch", "delete")

# What the door answers for each body class: (status, code).
BODY_REFUSALS = {
    "deep": (400, "request.too_deep"),
    "nul": (422, "request.invalid_text"),
    "surrogate": (422, "request.invalid_text"),
    "huge_number": (422, "request.number_out_of_range"),
    "infinity": (422, "request.number_out_of_range"),
    "nul_in_list": (422, "request.invalid_text"),
    "big_ids": None,
}
# A forged cursor is refused, unless it has the cursor's shape (["x"] where codes are the key):
# then it is a cursor, and the page after it is empty.
CURSOR_REFUSAL = (400, "request.invalid_cursor")


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


FORGED_CURSORS = [
    _cursor(v)
    for v in (
        ["x"],
        [["a"]],
        [True],
        [None],
        [{"a": 1}],
        [1.5],
        [10**30],
        ["x", "y"],
        ["2020-01-01T00:00:00+08:00", "x"],
        [True, [1], {}],
        ["x\x00"],
        "x",
    )
]


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def operations(spec: dict) -> list[tuple[str, str, dict, dict]]:
    ops = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                params = op.get("parameters", []) + item.get("parameters", [])
                ops.append((method, path, op, {p["name"]: p for p in params}))
    return ops


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def plausible(spec: dict, schema: dict, depth: int = 0):
    """One value that a field of this schema would accept, as far as its type says."""
    schema = resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        return {
            name: plausible(spec, sub, depth + 1)
            for name, sub in props.items()
            if not resolve(spec, sub).get("readOnly")
        }
    if kind == "array":
        return [plausible(spec, schema.get("items", {}), depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 112.81
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "date-time":
        return datetime.now(UTC).isoformat()
    if fmt == "date":
        return datetime.now(UTC).date().isoformat()
    if fmt == "uuid":
        return str(uuid.uuid4())
    return "430302001001001"


def poison(value, *, text=None, number=None):
    """``value`` with every string replaced by ``text`` and every number by ``number``."""
    if isinstance(value, dict):
        return {k: poison(v, text=text, number=number) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, text=text, number=number) for v in value]
    if isinstance(value, str) and text is not None:
        return text
    if isinstance(value, int | float) and not isinstance(value, bool) and number is not None:
        return number
    return value


def json_bodies(spec: dict, op: dict) -> dict[str, str]:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return {}
    base = plausible(spec, content["application/json"].get("schema", {}))
    if not isinstance(base, dict) or not base:
        base = {"name": "x"}
    dumps = json.dumps  # escapes NUL and surrogates as \\u0000 / \\ud800, as a client's would
    return {
        "deep": DEEP,
        "nul": dumps({**poison(base, text=NUL), "_s": NUL}),
        "surrogate": dumps({**poison(base, text=SURROGATE), "_s": SURROGATE}),
        "huge_number": dumps({**poison(base, number=HUGE), "_n": HUGE}),
        "infinity": dumps({**poison(base, number=float("inf")), "_n": float("inf")}),
        "nul_in_list": dumps({**base, "_list": [1, {"k": NUL}]}),
        # Within ±2**53, so past the door: beyond every int4 id column behind it.
        "big_ids": dumps(poison(base, number=2**40)),
    }


def path_kinds(params: dict) -> dict[str, str]:
    """Path parameters by kind: ``integer``, ``uuid`` (ids of uploads, merges, proposals: the
    route only matches a UUID) or ``text`` (codes)."""
    kinds = {}
    for name, param in params.items():
        if param["in"] == "path":
            kind = param.get("schema", {}).get("type")
            kinds[name] = (
                "integer" if kind == "integer" else "uuid" if name.endswith("_id") else "text"
            )
    return kinds


def path_values(params: dict, world: dict, *, text: str | None = None, integer=None) -> dict:
    """Real ids from ``world`` where it has them (so a request reaches the code behind the
    lookup), else 1 or a UUID; ``text`` / ``integer`` replace every value of their kind."""
    plain = {"integer": 1, "uuid": str(uuid.UUID(int=1)), "text": "430302"}
    values = {}
    for name, kind in path_kinds(params).items():
        values[name] = world.get(name, plain[kind])
        if kind == "text" and text is not None:
            values[name] = text
        if kind == "integer" and integer is not None:
            values[name] = integer
    return values


def fill(path: str, values: dict) -> str:
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path)


def query_cases(params: dict) -> list[dict]:
    cases = []
    for name, param in params.items():
        if param["in"] != "query":
            continue
        kind = param.get("schema", {}).get("type")
        cases.append({name: NUL})
        if kind in ("integer", "number") or name in ("lon", "lat", "bbox"):
            cases += [{name: "1" * 400}, {name: "1e400"}, {name: "NaN"}, {name: "-" + "1" * 400}]
        if name == "cursor":
            cases += [{name: c} for c in FORGED_CURSORS]
    return cases


def form_fields(op: dict) -> dict:
    """The text fields of a multipart body (its files are sent as the file below)."""
    content = op.get("requestBody", {}).get("content", {})
    schema = content.get("multipart/form-data", {}).get("schema", {})
    fields = schema.get("properties", {})
    return {name: NUL for name, field in fields.items() if field.get("format") != "binary"}


@pytest.fixture
def world(client, people, report, admin_headers):  # noqa: F811  (imported fixtures)
    """The routing story's county: teams, people, the responsibility list, a routed report."""
    incident = report()
    entries = client.get("/api/v1/responsibility-list", headers=admin_headers).get_json()
    return {
        "incident_id": incident["id"],
        "team_id": people["teams"]["t1"],
        "user_id": people["worker"].id,
        "entry_id": entries["items"][0]["id"],
        "code": GRID,
        "collection_id": "grids",  # OGC API - Features: a collection every county has
        # the county's current grids: a generation every caller may read (its download, changes)
        "generation_id": db.session.scalar(
            text(
                "SELECT id FROM generations WHERE level = 'grid' AND number IS NOT NULL"
                " ORDER BY number DESC LIMIT 1"
            )
        ),
    }


@pytest.fixture
def callers(people, admin_headers):  # noqa: F811  (imported fixtures)
    return {"admin": admin_headers, "grid_worker": bearer(people["worker"])}


def cases(spec: dict, world: dict, method: str, path: str, op: dict, params: dict):
    """(what, url, expected refusal or None, request kwargs) for one operation."""
    url = fill(path, path_values(params, world))
    for name, body in json_bodies(spec, op).items():
        json_body = {"data": body, "content_type": "application/json"}
        yield f"body {name}", url, BODY_REFUSALS[name], json_body
    for case in query_cases(params):
        expect = None
        if NUL in case.values():
            expect = (422, "request.invalid_text")
        elif "cursor" in case:
            expect = CURSOR_REFUSAL
        yield f"query {case!r:.60}", url, expect, {"query_string": case}
    kinds = set(path_kinds(params).values())
    if "text" in kinds:
        bad = fill(path, path_values(params, world, text="a\x00b"))
        yield "path NUL", bad, (422, "request.invalid_text"), {}
    if "integer" in kinds:
        yield "path 10**30", fill(path, path_values(params, world, integer=10**30)), None, {}
    if form := form_fields(op):
        data = {**form, "file": (io.BytesIO(b"{}"), "x.geojson")}
        yield "form NUL", url, (422, "request.invalid_text"), {"data": data}


# Answers that may come before the input is read: the caller's role or scope does not reach.
BEFORE_THE_DOOR = {401, 403, 404}


def test_every_operation_survives_every_bad_input_class(app, client, spec, callers, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    server_errors, wrong, sent = [], [], Counter()
    for method, path, op, params in operations(spec):
        for what, url, expect, kwargs in cases(spec, world, method, path, op, params):
            answers = {}
            for role, headers in callers.items():
                if "data" in kwargs and isinstance(kwargs["data"], dict):  # a fresh file stream
                    kwargs["data"]["file"] = (io.BytesIO(b"{}"), "x.geojson")
                response = client.open(url, method=method.upper(), headers=headers, **kwargs)
                sent[role] += 1
                body = response.get_json(silent=True) or {}
                answers[role] = (response.status_code, body.get("code"))
                if response.status_code >= 500:
                    server_errors.append(f"{role} {method.upper()} {path} {what}: {body}")
            if expect is None:
                continue
            # The refusal at the door, for every caller the role check lets in, and at least one.
            ok = [
                a == expect or (expect == CURSOR_REFUSAL and a[0] < 300) for a in answers.values()
            ]
            barred = [a[0] in BEFORE_THE_DOOR for a in answers.values()]
            if not any(ok) or not all(o or b for o, b in zip(ok, barred, strict=True)):
                wrong.append(f"{method.upper()} {path} {what}: {answers}, expected {expect}")

    assert sent["admin"] > 500, sent  # the enumeration found the operations
    assert not server_errors, f"{len(server_errors)} of {sum(sent.values())} requests: 5xx\n" + (
        "\n".join(server_errors[:40])
    )
    assert not wrong, "\n".join(wrong[:40])
