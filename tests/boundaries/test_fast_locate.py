"""The lean path for ``GET /api/v1/locate`` (gridsvc/boundaries/fast_locate.py, gridsvc/lean.py):
it answers exactly as the full path does (bytes and headers), only for tokens the full path has
accepted and requests it parses as the full path would, and hands back everything else: unknown,
forged, revoked, expired or API tokens, deactivated users, bad parameters, ``at``/``generation``,
projected CRSs, points outside the coverage, an index not built yet."""

from __future__ import annotations

import time
from datetime import timedelta

import prcoords
import pytest

from gridsvc import create_app
from gridsvc.boundaries.fast_locate import EXTENSION
from gridsvc.config import TestConfig
from gridsvc.extensions import db
from gridsvc.lean import EXTENSION as LEAN
from tests.conftest import bearer
from tests.test_app import assert_problem

INSIDE = "/api/v1/locate?lon=112.845&lat=27.87"
OUTSIDE = "/api/v1/locate?lon=112.95&lat=27.90"


@pytest.fixture
def lean(app):
    """The locate handler; ``lean.served`` counts the answers it gave itself."""
    return app.extensions[EXTENSION]


@pytest.fixture
def warm(client, hierarchy, make_user):
    """The in-process index built (a bulk locate builds it), as a serving process has it."""
    headers = bearer(make_user(role="admin", county_code=None, township_code=None))
    built = client.post(
        "/api/v1/locate", json={"points": [{"lon": 112.81, "lat": 27.86}]}, headers=headers
    )
    assert built.status_code == 200
    return hierarchy


def _full(app, client, url, headers):
    """The full path's answer: the lean path switched off for this one request."""
    middleware = app.extensions[LEAN]
    handlers, middleware.handlers = middleware.handlers, []
    try:
        return client.get(url, headers=headers)
    finally:
        middleware.handlers = handlers


def _same(a, b) -> None:
    assert a.status_code == b.status_code
    if a.status_code == 200:
        assert a.data == b.data  # byte for byte
    else:  # a problem names its request's id
        assert _but_request_id(a) == _but_request_id(b)
    drop = {"X-Request-ID"}
    assert {k: v for k, v in a.headers.items() if k not in drop} == {
        k: v for k, v in b.headers.items() if k not in drop
    }
    assert a.headers["X-Request-ID"]
    assert b.headers["X-Request-ID"]


def _but_request_id(response) -> dict:
    rid = response.headers["X-Request-ID"]
    return {k: v for k, v in response.get_json().items() if v != rid}


def _learn(client, headers) -> None:
    """The full path accepts the token once (and offers it to the lean path)."""
    assert client.get(INSIDE, headers=headers).status_code == 200


def _points():
    for i in range(11):
        for j in range(11):
            yield round(112.8 + 0.01 * i + 0.0003, 7), round(27.85 + 0.01 * j + 0.0003, 7)


def test_every_point_and_query_form_answers_as_the_full_path(app, client, make_user, warm, lean):
    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    _learn(client, headers)
    before = lean.served
    answered = 0
    for lon, lat in _points():
        gcj_lat, gcj_lon = prcoords.wgs_gcj((lat, lon))
        bd_lat, bd_lon = prcoords.wgs_bd((lat, lon))
        for query in (
            f"lon={lon}&lat={lat}",
            f"lat={lat}&lon={lon}&layer=unified",
            f"lon={lon}&lat={lat}&crs=EPSG:4490",
            f"lon={lon}&lat={lat}&crs=4326",
            f"lon={gcj_lon:.7f}&lat={gcj_lat:.7f}&crs=GCJ02",
            f"lon={bd_lon:.7f}&lat={bd_lat:.7f}&crs=bd09",
        ):
            url = f"/api/v1/locate?{query}"
            full = _full(app, client, url, headers)
            lean_before = lean.served
            again = client.get(url, headers=headers)
            _same(again, full)
            if full.status_code == 200:
                assert lean.served == lean_before + 1, url  # the lean path really answered
                answered += 1
            else:  # the edge of the box rounds outside: the full path's 404, as is
                assert_problem(again, 404, "locate.outside_coverage")
                assert lean.served == lean_before
    assert answered > 500
    assert lean.served == before + answered


def test_a_location_is_the_same_for_every_caller_as_on_the_full_path(
    app, client, make_user, warm, lean
):
    """The full path scopes nothing: a township's worker, another county's supervisor and an
    admin locate the same point the same; so does the lean path."""
    callers = [
        bearer(make_user(role="grid_worker", township_code="430302001")),
        bearer(make_user(role="supervisor", county_code="430321", township_code=None)),
        bearer(make_user(role="admin", county_code=None, township_code=None)),
    ]
    url = "/api/v1/locate?lon=112.87&lat=27.93"  # in township 002
    full = _full(app, client, url, callers[0])
    for headers in callers:
        _learn(client, headers)
        before = lean.served
        _same(client.get(url, headers=headers), full)
        assert lean.served == before + 1


def test_one_memory_a_token_learned_by_locate_reads_its_own_countys_tiles(
    app, client, make_user, warm, lean
):
    from gridsvc.maps.fast_tiles import EXTENSION as TILES
    from tests.maps.helpers import tile_of

    x, y = tile_of(112.82, 27.87, 14)
    tile = f"/api/v1/tiles/grids/14/{x}/{y}.mvt"
    home = bearer(make_user(role="supervisor", township_code=None))
    elsewhere = bearer(make_user(role="supervisor", county_code="430321", township_code=None))
    assert client.get(tile, headers=home).status_code == 200  # renders and caches the tile
    _learn(client, elsewhere)  # known through locate only
    tiles = app.extensions[TILES]
    before = tiles.served
    answer = client.get(tile, headers=elsewhere)
    assert answer.status_code == 204  # their own county's (empty) tile, never the home county's
    assert tiles.served == before + 1


def test_unknown_and_forged_tokens_take_the_full_path(client, make_user, warm, lean):
    headers = bearer(make_user(role="supervisor", township_code=None))
    before = lean.served
    assert client.get(INSIDE, headers=headers).status_code == 200  # unknown: the full path
    assert lean.served == before
    token = headers["Authorization"].removeprefix("Bearer ")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    answer = client.get(INSIDE, headers={"Authorization": f"Bearer {forged}"})
    assert_problem(answer, 401, "auth.token_invalid")
    assert_problem(client.get(INSIDE), 401, "auth.token_missing")
    lower = {"Authorization": headers["Authorization"].replace("Bearer", "bearer")}
    assert client.get(INSIDE, headers=lower).status_code == 401
    assert lean.served == before


def test_a_logged_out_token_is_refused(client, make_user, warm, lean):
    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    _learn(client, headers)
    assert client.post("/api/v1/auth/logout", json={}, headers=headers).status_code == 204
    before = lean.served
    assert_problem(client.get(INSIDE, headers=headers), 401, "auth.token_revoked")
    assert lean.served == before


def test_a_deactivated_user_is_refused(client, make_user, warm, lean):
    user = make_user(role="grid_worker", township_code="430302001")
    headers = bearer(user)
    _learn(client, headers)
    user.active = False
    db.session.flush()
    before = lean.served
    assert_problem(client.get(INSIDE, headers=headers), 401, "auth.user_inactive")
    assert lean.served == before


def test_an_expired_token_is_refused(client, make_user, warm, lean):
    user = make_user(role="grid_worker", township_code="430302001")
    headers = bearer(user, expires=timedelta(seconds=1))
    _learn(client, headers)
    before = lean.served
    time.sleep(1.1)
    assert_problem(client.get(INSIDE, headers=headers), 401, "auth.token_expired")
    assert lean.served == before


def test_api_tokens_take_the_full_path(client, make_user, warm, lean):
    created = client.post(
        "/api/v1/me/api-tokens",
        json={"name": "qgis", "client_id": "5f0c7d8e-0000-4000-8000-000000000002"},
        headers=bearer(make_user(role="supervisor", township_code=None)),
    )
    assert created.status_code == 201, created.get_json()
    headers = {"Authorization": f"Bearer {created.get_json()['token']}"}
    before = lean.served
    for _ in range(2):
        assert client.get(INSIDE, headers=headers).status_code == 200
    assert lean.served == before


def test_bad_parameters_get_the_full_paths_problems(app, client, make_user, warm, lean):
    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    _learn(client, headers)
    before = lean.served
    cases = {
        "lon=27.9&lat=112.8": (422, "coordinates.swapped"),
        "lon=500&lat=27.9": (422, "coordinates.out_of_range"),
        "lon=112.8&lat=27.9&crs=FOO": (422, "crs.unknown"),
        "lon=112.8": (422, "request.validation_failed"),
        "lon=nan&lat=27.9": (422, "request.validation_failed"),
        "lon=112.8&lat=27.9&layer=Not%20a%20layer": (422, "request.validation_failed"),
        "lon=112.8&lat=27.9&generation=999": (404, "generation.not_found"),
        "lon=112.8&lat=27.9&at=1990-01-01T00:00:00%2B08:00": (404, "generation.not_found"),
    }
    for query, (status, code) in cases.items():
        url = f"/api/v1/locate?{query}"
        answer = client.get(url, headers=headers)
        assert answer.status_code == status, (query, answer.get_json())
        assert answer.get_json()["code"] == code, query
        _same(answer, _full(app, client, url, headers))
    # Forms the lean path leaves to the full path even when they are fine.
    for query in (
        "lon=112.845&lat=27.87&generation=1",
        "lon=112.845&lat=27.87&extra=1",  # ignored by the full path, not guessed at here
        "lon=1.12845e2&lat=27.87",
        "lon=112.845&lat=27.87&lon=112.845",
        "lon=112.845&lat=%32%37.87",
        "lon=112.845&lat=27.87&crs=EPSG:4547",
    ):
        url = f"/api/v1/locate?{query}"
        _same(client.get(url, headers=headers), _full(app, client, url, headers))
    assert_problem(
        client.get(INSIDE, headers={**headers, "X-Long": "x" * 9000}),
        431,
        "request.headers_too_large",
    )
    assert lean.served == before


def test_outside_the_coverage_the_full_path_names_the_nearest_grid(
    app, client, make_user, warm, lean
):
    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    _learn(client, headers)
    before = lean.served
    answer = client.get(OUTSIDE, headers=headers)
    assert_problem(answer, 404, "locate.outside_coverage")
    assert answer.get_json()["nearest"]["level"] == "grid"
    _same(answer, _full(app, client, OUTSIDE, headers))
    assert lean.served == before


def test_no_index_yet_or_a_new_generation_takes_the_full_path(
    client, make_user, hierarchy, publish, lean
):
    from tests.boundaries.conftest import grids_of

    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    before = lean.served
    _learn(client, headers)
    cold = client.get(INSIDE, headers=headers)  # known token, but no index: SQL on the full path
    assert cold.status_code == 200
    assert lean.served == before
    client.post("/api/v1/locate", json={"points": [{"lon": 112.81, "lat": 27.86}]}, headers=headers)
    warm = client.get(INSIDE, headers=headers).get_json()
    assert lean.served == before + 1
    assert warm == cold.get_json()
    publish("grid", grids_of("430302001001", n=3))  # the index is stale now
    fresh = client.get(INSIDE, headers=headers).get_json()
    assert fresh["grid"]["code"] == "430302001001003"
    assert fresh["generation"] == warm["generation"] + 1


def test_a_failure_on_the_lean_path_hands_the_request_over(
    client, make_user, warm, lean, monkeypatch
):
    from gridsvc.boundaries import fast_locate

    headers = bearer(make_user(role="grid_worker", township_code="430302001"))
    _learn(client, headers)

    def broken(*_args):
        raise RuntimeError("the index went away")

    monkeypatch.setattr(fast_locate, "located_in", broken)
    before = lean.served
    answer = client.get(INSIDE, headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["grid"]["code"] == "430302001001002"
    assert lean.served == before


def test_the_switch_turns_the_lean_locate_off():
    class Off(TestConfig):
        LOCATE_FAST_PATH = False

    app = create_app(Off)
    assert EXTENSION not in app.extensions
    assert "gridsvc.fast_tiles" in app.extensions  # the tiles' handler stays
