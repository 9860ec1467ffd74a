"""The permission matrix: every operation of the API that takes an id, as every kind of caller.

The operations come from the app's OpenAPI spec: each one with an id in its path, and each id
field of a request body (``team_id``, ``department_id``, ``cooperating_ids``, ``user_id``, …).
tests/matrix/table.py holds the expected answer of each (operation, target place, caller);
tests/matrix/world.py builds the fixtures once for the module. Every request runs in a savepoint
rolled back right after it, so each one meets the same world however many ran before.

``test_every_id_taking_operation_has_rows`` fails when an operation (or a body id field) is added
to the spec without its row: a new endpoint cannot skip the authorization policy unnoticed.
"""

from __future__ import annotations

import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from gridsvc.extensions import db
from tests.matrix.table import CALLERS, MISSING_ID, ROWS, Row, parse
from tests.matrix.world import build_world

# Body fields that name something the client made up itself, not a resource to authorize.
NOT_REFERENCES = {"client_id"}


class _ConnectionBound(FlaskSession):
    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(scope="module")
def world(app, tmp_path_factory):
    """The world, in a transaction of its own that outlives each test and is rolled back after
    the module."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": _ConnectionBound,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            built = build_world(app.test_client(), tmp_path_factory.mktemp("matrix"))
            db.session.commit()
            db.session.close()
            yield connection, built
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def db_session(world):
    """Replaces the suite's per-test transaction: the module's world is the one to use."""
    return db.session


# --- the operations the spec has -------------------------------------------------------------


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _id_fields(spec: dict, schema: dict, prefix: str = "") -> set[str]:
    schema = _resolve(spec, schema)
    found = set()
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(spec, prop)
        is_id = name.endswith(("_id", "_ids")) or name == "ids"
        if is_id and name not in NOT_REFERENCES:
            found.add(prefix + name)
        if prop.get("type") == "array" and "items" in prop:
            found |= _id_fields(spec, prop["items"], f"{prefix}{name}[].")
        elif prop.get("properties"):
            found |= _id_fields(spec, prop, f"{prefix}{name}.")
    return found


def id_taking_operations(spec: dict) -> set[tuple[str, str | None]]:
    """(operation, body id field or None for the path's ids) for every id the API takes."""
    wanted = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            key = f"{method.upper()} {path.removeprefix('/api/v1')}"
            parameters = operation.get("parameters", []) + operations.get("parameters", [])
            if any(p.get("in") == "path" for p in parameters):
                wanted.add((key, None))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                wanted |= {(key, f) for f in _id_fields(spec, content.get("schema", {}))}
    return wanted


def test_every_id_taking_operation_has_rows(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    wanted = id_taking_operations(spec)
    have = {(r.op, r.field) for r in ROWS}
    assert sorted(wanted - have, key=str) == [], "operations taking ids without a matrix row"
    assert sorted(have - wanted, key=str) == [], "matrix rows for operations the spec lacks"
    for r in ROWS:
        for target, spec_text in r.expect.items():
            parse(spec_text)  # every caller has exactly one expectation
            assert target in ("A1", "A2", "A", "B", "X", "S", "self"), (r.op, target)


# --- running the rows ------------------------------------------------------------------------


def _send(app, connection, w, caller: str, req) -> tuple[int, object]:
    headers = w.headers(caller)
    if req.if_match:
        headers["If-Match"] = "*"
    kwargs = {"json": req.json}
    if req.data is not None:
        kwargs = {"data": req.data, "content_type": "multipart/form-data"}
    savepoint = connection.begin_nested()
    try:
        response = app.test_client().open(
            f"/api/v1{req.url}", method=req.method, headers=headers, **kwargs
        )
        # An empty body (204) has no JSON; get_json(silent=True) raises on it all the same.
        body = response.get_json(silent=True) if response.data else None
        return response.status_code, body
    finally:
        db.session.close()
        savepoint.rollback()


def _answer(status: int, body) -> tuple:
    """What a "missing" comparison looks at: the status and the problem's code (or the body)."""
    if isinstance(body, dict) and "code" in body and status >= 400:
        return status, body["code"]
    return status, body


def _judge(row: Row, outcome: str, status: int, body, missing) -> str | None:
    code = body.get("code") if isinstance(body, dict) else None
    if status >= 500:
        return f"server error {status}: {body}"
    if outcome == "ok":
        return None if status in row.ok else f"expected {row.ok}, got {status} {code}"
    if outcome == "403":
        return None if status == 403 else f"expected 403, got {status} {code}"
    if outcome == "404":
        if status == 404 and (code or "").endswith("not_found"):
            return None
        return f"expected 404 *.not_found, got {status} {code}"
    if outcome == "missing":
        if status != 403 and _answer(status, body) == missing:
            return None
        return f"expected the answer to a missing id {missing}, got {status} {code}"
    if outcome.startswith("422="):
        wanted = outcome.removeprefix("422=")
        return (
            None if (status, code) == (422, wanted) else f"expected {outcome}, got {status} {code}"
        )
    raise AssertionError(f"unknown outcome {outcome!r}")


CASES = [(r, t) for r in ROWS for t in r.expect]


@pytest.mark.parametrize(
    ("row", "target"),
    CASES,
    ids=[f"{r.op}{' ' + r.field if r.field else ''} @{t}" for r, t in CASES],
)
def test_matrix(app, world, row: Row, target: str):
    connection, w = world
    failures = []
    for caller, outcome in parse(row.expect[target]).items():
        missing = None
        if outcome == "missing":
            status, body = _send(app, connection, w, caller, row.build(w, target, MISSING_ID))
            missing = _answer(status, body)
        status, body = _send(app, connection, w, caller, row.build(w, target))
        problem = _judge(row, outcome, status, body, missing)
        if problem:
            failures.append(f"{caller} ({CALLERS[caller]}): {problem}")
    assert not failures, "\n".join(failures)
