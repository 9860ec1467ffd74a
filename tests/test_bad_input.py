"""Hostile input is refused at the door with a stable code and the field it was found in.

The cases the issue's attacker found (each was a 500): a body nested 20,000 deep, a NUL in text
and in filters, a lone surrogate in ``description``, a 400-digit ``lon``. tests/test_fuzz.py
sends the same classes to every operation; these pin the answers down on one endpoint each.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

import flask_smorest
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridsvc.errors import DomainError
from gridsvc.http import Blueprint
from gridsvc.inputs import MAX_SAFE_NUMBER, find_problem
from gridsvc.jsonio import loads_request
from gridsvc.paging import decode_cursor, encode_cursor
from tests.conftest import bearer
from tests.incidents.conftest import payload
from tests.test_app import assert_problem

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def as_worker(make_user):
    """A grid worker's token: the door refuses before any row is looked up."""
    return bearer(make_user(role="grid_worker", township_code="430302001"))


def post_raw(client, url: str, body: str, headers=None):
    return client.post(url, data=body, content_type="application/json", headers=headers or {})


def incident_body(**replace: str) -> str:
    """An incident report as JSON text, with some values replaced by raw JSON text."""
    text = json.dumps(payload(description="@description@", accuracy_m=8.5))
    text = text.replace('"@description@"', replace.get("description", '"ok"'))
    text = text.replace("8.5", replace.get("accuracy_m", "8.5"))
    return text.replace("[112.81,", f"[{replace.get('lon', '112.81')},")


def test_a_body_nested_20000_deep_is_400_too_deep(client):
    body = assert_problem(
        post_raw(client, LOGIN, "[" * 20_000 + "]" * 20_000), 400, "request.too_deep"
    )
    assert body["max_depth"] == 32


def test_depth_limit_is_32_levels(client):
    def nested(levels: int) -> str:
        return (
            '{"username": "u", "password": "p", "x": '
            + "[" * (levels - 1)
            + "]" * (levels - 1)
            + "}"
        )

    assert_problem(post_raw(client, LOGIN, nested(33)), 400, "request.too_deep")
    # 32 levels pass the door; the schema then refuses the unknown field.
    assert_problem(post_raw(client, LOGIN, nested(32)), 422, "request.validation_failed")


def test_malformed_json_is_400_malformed_json(client):
    assert_problem(post_raw(client, LOGIN, '{"username": '), 400, "request.malformed_json")
    assert_problem(post_raw(client, LOGIN, "{'a': 1}"), 400, "request.malformed_json")


def test_nul_in_a_text_field_is_422_naming_it(client):
    response = client.post(LOGIN, json={"username": "admin\x00", "password": "x"})
    body = assert_problem(response, 422, "request.invalid_text")
    assert body["pointer"] == "/username"
    assert "NUL" in body["errors"]["username"][0]


def test_nul_in_a_key_is_refused_too(client):
    response = client.post(LOGIN, json={"username": "a", "password": "x", "k\x00": 1})
    body = assert_problem(response, 422, "request.invalid_text")
    assert body["pointer"] == "/k\\u0000"  # echoed escaped, never the NUL itself


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\ud800b", "\\ud800\\u0041"])
def test_a_lone_surrogate_in_description_is_422_naming_it(client, as_worker, escape):
    response = post_raw(
        client, "/api/v1/incidents", incident_body(description=f'"{escape}"'), as_worker
    )
    body = assert_problem(response, 422, "request.invalid_text")
    assert body["pointer"] == "/description"
    assert "surrogate" in body["errors"]["description"][0]
    # The same report with proper text passes the door (and fails later: no grids here).
    clean = post_raw(client, "/api/v1/incidents", incident_body(), as_worker)
    assert clean.get_json()["code"] not in ("request.invalid_text", "request.malformed_json")


@pytest.mark.parametrize(
    "lon",
    ["1" * 400, "-" + "9" * 400, "1e400", "9007199254740992", "18446744073709551616"],
)
def test_an_oversized_lon_is_422_naming_it(client, as_worker, lon):
    response = post_raw(client, "/api/v1/incidents", incident_body(lon=lon), as_worker)
    body = assert_problem(response, 422, "request.number_out_of_range")
    assert body["pointer"] == "/location/coordinates/0"
    assert body["errors"] == {
        "location": {"coordinates": {"0": [body["errors"]["location"]["coordinates"]["0"][0]]}}
    }


def test_the_largest_safe_integer_passes_the_door(client):
    ok = client.post(LOGIN, json={"username": "a", "password": "x", "n": MAX_SAFE_NUMBER})
    assert_problem(ok, 422, "request.validation_failed")  # the schema's unknown-field refusal
    too_big = client.post(LOGIN, json={"username": "a", "password": "x", "n": MAX_SAFE_NUMBER + 1})
    assert_problem(too_big, 422, "request.number_out_of_range")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_literals_are_refused(client, as_worker, literal):
    response = post_raw(client, "/api/v1/incidents", incident_body(accuracy_m=literal), as_worker)
    body = assert_problem(response, 422, "request.number_out_of_range")
    assert body["pointer"] == "/accuracy_m"


def test_a_bad_value_deep_in_a_batch_is_named_by_its_path(client, as_worker):
    good = [payload() for _ in range(3)]
    bad = payload(description="摊贩\x00")
    response = client.post("/api/v1/sync", json={"incidents": [*good, bad]}, headers=as_worker)
    body = assert_problem(response, 422, "request.invalid_text")
    assert body["pointer"] == "/incidents/3/description"
    assert list(body["errors"]["incidents"]["3"]) == ["description"]


def test_nul_in_a_query_filter_is_422_naming_it(client, make_user):
    admin = make_user(role="admin", county_code="430302", township_code=None)
    response = client.get("/api/v1/users?q=adm%00in", headers=bearer(admin))
    body = assert_problem(response, 422, "request.invalid_text")
    assert body["errors"] == {"q": ["The value must not contain a NUL character (U+0000)."]}
    assert body["location"] == "query"


def test_a_time_offset_the_database_cannot_store_is_422_naming_it(client, make_user):
    # Python reads offsets up to ±23:59, PostgreSQL up to ±15:59: schemathesis found the 500.
    admin = make_user(role="admin", county_code="430302", township_code=None)
    url = "/api/v1/grids/430302001001001/assignments?at=0033-07-20T02:02:50-21:10"
    body = assert_problem(client.get(url, headers=bearer(admin)), 422, "request.validation_failed")
    assert body["errors"] == {"at": ["The UTC offset must be within ±15:59."]}
    fine = "/api/v1/grids/430302001001001/assignments?at=2026-07-20T02:02:50-15:59"
    assert client.get(fine, headers=bearer(admin)).status_code != 422


def test_nul_in_a_path_value_is_422(client, as_worker):
    body = assert_problem(
        client.get("/api/v1/areas/4303%0002", headers=as_worker), 422, "request.invalid_text"
    )
    assert body["location"] == "path"


def test_nul_in_a_form_field_is_422_naming_it(client, make_user):
    admin = make_user(role="admin", county_code=None, township_code=None)
    response = client.post(
        "/api/v1/boundary-uploads",
        data={"level": "village", "encoding": "gbk\x00", "file": (io.BytesIO(b"{}"), "v.geojson")},
        headers=bearer(admin),
        content_type="multipart/form-data",
    )
    body = assert_problem(response, 422, "request.invalid_text")
    assert body["location"] == "form"
    assert "encoding" in body["errors"]


# --- the fast pass over every body agrees with the walk that names the field ---------------

_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=6),
    st.sampled_from(["\x00", "\ud800", "a\\u0000", "\\", '"', "[{", "1e400"]),
)
_docs = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(doc=_docs, max_depth=st.integers(min_value=1, max_value=6), ascii_only=st.booleans())
def test_the_fast_pass_agrees_with_the_walk(doc, max_depth, ascii_only):
    text = json.dumps(doc, ensure_ascii=ascii_only)
    expected = json.loads(text)  # what a lenient parser would hand the schema
    must_refuse = find_problem(expected, max_depth) is not None
    if must_refuse:
        with pytest.raises(DomainError):
            loads_request(text, max_depth)
    else:
        assert loads_request(text, max_depth) == expected


def test_a_clean_body_parses_to_what_orjson_gives():
    doc = {"a": [1, 2.5, "文本", {"b": None, "c": True}], "n": -(2**53 - 1)}
    raw = orjson.dumps(doc)
    assert loads_request(raw) == orjson.loads(raw)


# --- cursors: what a client sends back is checked value by value ----------------------------


def test_a_cursor_comes_back_as_the_kinds_it_was_made_of(app):
    when, ident = datetime(2026, 5, 1, 8, 30, tzinfo=UTC), uuid4()
    cursor = encode_cursor([when.isoformat(), str(ident), 7, "430302001"])
    assert decode_cursor(cursor, datetime, UUID, int, str) == [when, ident, 7, "430302001"]


@pytest.mark.parametrize(
    ("values", "kinds"),
    [
        (["x"], "int"),
        ([True], "int"),
        ([1.0], "int"),
        ([2**63], "int"),
        ([["a"]], "str"),
        ([7], "str"),
        (["a\x00"], "str"),
        (["2026-05-01T08:30:00"], "datetime"),  # naive: never minted by us
        (["soon"], "datetime"),
        (["not-a-uuid"], "uuid"),
        ([1, 2], "int"),
        ({"a": 1}, "int"),
    ],
)
def test_a_forged_cursor_is_400_invalid_cursor(app, values, kinds):
    kind = {"int": int, "str": str, "datetime": datetime, "uuid": UUID}[kinds]
    raw = json.dumps(values).encode()
    with pytest.raises(DomainError) as caught:
        decode_cursor(base64.urlsafe_b64encode(raw).decode().rstrip("="), kind)
    assert (caught.value.status, caught.value.code) == (400, "request.invalid_cursor")


def test_every_room_builds_on_the_kernel_blueprint(app):
    """Its parser is what checks bodies and forms; a room on flask-smorest's own would not."""
    rooms = [b for b in app.blueprints.values() if isinstance(b, flask_smorest.Blueprint)]
    assert len(rooms) >= 10
    assert [b.name for b in rooms if not isinstance(b, Blueprint)] == []
