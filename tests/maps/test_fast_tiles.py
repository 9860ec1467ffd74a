"""The lean path for boundary tiles (gridsvc/maps/fast_tiles.py): it answers exactly as the full
path does (bytes, ETag, headers, 304), only for tokens and tiles the full path already accepted and
rendered, and hands back everything it must not answer: unknown, revoked, expired or API tokens,
deactivated users, another county's tag, bad requests, a new generation."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from gridsvc.extensions import db
from gridsvc.maps.fast_tiles import EXTENSION
from tests.conftest import bearer
from tests.maps.helpers import tile_of
from tests.test_app import assert_problem

X, Y = tile_of(112.82, 27.87, 14)  # over the small county's grids (tests/routing/conftest.py)
TILE = f"/api/v1/tiles/grids/14/{X}/{Y}.mvt"


@pytest.fixture
def lean(app):
    """The installed middleware; ``lean.served`` counts the answers it gave itself."""
    return app.extensions[EXTENSION]


def _headers_but_request_id(response) -> dict:
    return {k: v for k, v in response.headers.items() if k != "X-Request-ID"}


def test_a_known_token_gets_the_same_tile_and_304_without_flask(client, make_user, hierarchy, lean):
    headers = bearer(make_user(role="grid_worker"))  # any role reads boundaries
    path = f"{TILE}?generation={hierarchy.number}"
    full = client.get(path, headers=headers)  # the full path: renders, caches, learns the token
    assert full.status_code == 200
    before = lean.served
    again = client.get(path, headers=headers)
    assert lean.served == before + 1
    assert again.status_code == 200
    assert again.data == full.data
    assert _headers_but_request_id(again) == _headers_but_request_id(full)
    assert again.headers["X-Request-ID"]

    revalidated = client.get(path, headers={**headers, "If-None-Match": full.headers["ETag"]})
    assert lean.served == before + 2
    assert revalidated.status_code == 304
    assert not revalidated.data
    assert revalidated.headers["ETag"] == full.headers["ETag"]
    assert revalidated.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    # The current generation's URL: the same rendered tile, but to be revalidated.
    current = client.get(TILE, headers=headers)
    assert current.data == full.data
    assert current.headers["Cache-Control"] == "private, no-cache"
    tag = current.headers["ETag"]
    assert client.get(TILE, headers={**headers, "If-None-Match": tag}).status_code == 304
    assert lean.served == before + 4


def test_an_unknown_or_forged_token_takes_the_full_path(client, make_user, hierarchy, lean):
    headers = bearer(make_user(role="supervisor", township_code=None))
    tag = client.get(TILE, headers=headers).headers["ETag"]
    before = lean.served
    # Signed with another key: a 401 from the full path, never a 304 from the lean one.
    token = headers["Authorization"].removeprefix("Bearer ")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    answer = client.get(TILE, headers={"Authorization": f"Bearer {forged}", "If-None-Match": tag})
    assert_problem(answer, 401, "auth.token_invalid")
    # A second, never-seen token of the same user: the full path answers it (and then knows it).
    fresh = bearer(make_user(role="supervisor", township_code=None))
    assert client.get(TILE, headers={**fresh, "If-None-Match": tag}).status_code == 304
    assert lean.served == before
    # The scheme is matched as flask-jwt-extended matches it.
    lower = {"Authorization": headers["Authorization"].replace("Bearer", "bearer")}
    assert client.get(TILE, headers=lower).status_code == 401
    assert lean.served == before


def test_a_revoked_token_is_refused(client, make_user, hierarchy, lean):
    headers = bearer(make_user(role="supervisor", township_code=None))
    tag = client.get(TILE, headers=headers).headers["ETag"]
    assert client.get(TILE, headers={**headers, "If-None-Match": tag}).status_code == 304
    assert client.post("/api/v1/auth/logout", json={}, headers=headers).status_code == 204
    before = lean.served
    answer = client.get(TILE, headers={**headers, "If-None-Match": tag})
    assert_problem(answer, 401, "auth.token_revoked")
    assert lean.served == before


def test_a_deactivated_user_is_refused(client, make_user, hierarchy, lean):
    user = make_user(role="supervisor", township_code=None)
    headers = bearer(user)
    tag = client.get(TILE, headers=headers).headers["ETag"]
    user.active = False
    db.session.flush()
    before = lean.served
    assert_problem(
        client.get(TILE, headers={**headers, "If-None-Match": tag}), 401, "auth.user_inactive"
    )
    assert lean.served == before


def test_an_expired_token_is_refused(client, make_user, hierarchy, lean):
    # Long enough for the first render on a busy machine (a 1 s token once expired before the
    # tile came back); the test then waits out exactly what is left of it.
    minted = time.time()
    headers = bearer(make_user(role="supervisor", township_code=None), expires=timedelta(seconds=5))
    tag = client.get(TILE, headers=headers).headers["ETag"]
    before = lean.served
    time.sleep(max(0.0, minted + 6 - time.time()))
    answer = client.get(TILE, headers={**headers, "If-None-Match": tag})
    assert_problem(answer, 401, "auth.token_expired")
    assert lean.served == before


def test_api_tokens_take_the_full_path(client, make_user, hierarchy, lean):
    user = make_user(role="supervisor", township_code=None)
    created = client.post(
        "/api/v1/me/api-tokens",
        json={"name": "qgis", "client_id": "5f0c7d8e-0000-4000-8000-000000000001"},
        headers=bearer(user),
    )
    assert created.status_code == 201, created.get_json()
    headers = {"Authorization": f"Bearer {created.get_json()['token']}"}
    first = client.get(TILE, headers=headers)
    assert first.status_code == 200
    before = lean.served
    assert (
        client.get(TILE, headers={**headers, "If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    assert lean.served == before


def test_another_countys_caller_gets_their_own_answer(client, make_user, hierarchy, lean):
    home = bearer(make_user(role="supervisor", township_code=None))
    elsewhere = bearer(make_user(role="supervisor", county_code="430321", township_code=None))
    tag = client.get(TILE, headers=home).headers["ETag"]
    assert client.get(TILE, headers=elsewhere).status_code == 204  # known now, own county
    before = lean.served
    answer = client.get(TILE, headers={**elsewhere, "If-None-Match": tag})
    assert answer.status_code == 204  # the home county's tag is not theirs
    assert answer.headers["ETag"] != tag
    assert lean.served == before + 1  # their own (empty) tile, from the cache


def test_bad_requests_get_the_full_paths_problems(client, make_user, hierarchy, lean):
    headers = bearer(make_user(role="supervisor", township_code=None))
    assert client.get(TILE, headers=headers).status_code == 200
    before = lean.served
    assert_problem(
        client.get("/api/v1/tiles/grids/14/16384/0.mvt", headers=headers), 400, "tile.out_of_range"
    )
    assert_problem(
        client.get("/api/v1/tiles/grids/9/0/0.mvt", headers=headers), 400, "tile.zoom_out_of_range"
    )
    assert_problem(
        client.get(f"{TILE}?generation=999", headers=headers), 404, "generation.not_found"
    )
    for query in ("generation=0", "generation=x", "layer=a%00b", "layer=Not%20a%20layer"):
        assert client.get(f"{TILE}?{query}", headers=headers).status_code == 422, query
    # A repeated parameter: whatever the full path makes of it, the lean path does not guess.
    client.get(f"{TILE}?generation={hierarchy.number}&generation=1", headers=headers)
    assert_problem(
        client.get(TILE, headers={**headers, "X-Long": "x" * 9000}),
        431,
        "request.headers_too_large",
    )
    assert lean.served == before


def test_a_new_generation_is_never_answered_from_the_old(
    client, make_user, hierarchy, publish, lean
):
    from tests.boundaries.conftest import VILLAGES, grids_of

    headers = bearer(make_user(role="supervisor", township_code=None))
    old = client.get(TILE, headers=headers)
    assert (
        client.get(TILE, headers={**headers, "If-None-Match": old.headers["ETag"]}).status_code
        == 304
    )
    publish("grid", [f for code in VILLAGES for f in grids_of(code, 4)])
    newer = client.get(TILE, headers={**headers, "If-None-Match": old.headers["ETag"]})
    assert newer.status_code == 200
    assert newer.headers["ETag"] != old.headers["ETag"]
    assert newer.data != old.data


def test_a_failure_on_the_lean_path_hands_the_request_over(
    client, make_user, hierarchy, lean, monkeypatch
):
    """Rendering fails (the database went away, say): the full path answers, as problem+json."""
    from gridsvc.maps import delivery

    headers = bearer(make_user(role="supervisor", township_code=None))
    assert client.get(TILE, headers=headers).status_code == 200  # the token is known now

    def broken(_key):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(delivery, "rendered_tile", broken)
    before = lean.served
    answer = client.get(f"{TILE}?generation={hierarchy.number}", headers=headers)
    assert_problem(answer, 500, "server.internal_error")  # Flask's handler, not a bare 500
    assert lean.served == before


def test_a_cancelled_statement_is_answered_not_run_again(
    client, make_user, hierarchy, lean, monkeypatch
):
    """The server cancels the lean path's statement (the statement timeout): the full path
    answers the timeout's 503 at once; it does not render (and wait) a second time."""
    from sqlalchemy import text

    from gridsvc.maps import delivery

    headers = bearer(make_user(role="supervisor", township_code=None))
    assert client.get(TILE, headers=headers).status_code == 200  # the token is known now
    renders = []

    def slow(_key):
        renders.append(_key)
        with db.session.begin_nested():  # a real statement, really cancelled by the server
            db.session.execute(text("SET LOCAL statement_timeout = 50"))
            db.session.execute(text("SELECT pg_sleep(2)"))
        return b""

    monkeypatch.setattr(delivery, "rendered_tile", slow)
    before = lean.served
    started = time.monotonic()
    answer = client.get(f"{TILE}?generation={hierarchy.number}", headers=headers)
    assert_problem(answer, 503, "server.database_timeout")
    assert answer.headers["Retry-After"]
    assert len(renders) == 1  # the lean path's only
    assert lean.served == before
    assert time.monotonic() - started < 1.5


def test_a_lean_answer_logs_the_line_a_full_one_logs(client, make_user, hierarchy, lean, caplog):
    import json
    import logging

    from gridsvc.logs import JsonLineFormatter

    caplog.set_level("INFO", logger="gridsvc.access")
    user = make_user(role="grid_worker")
    headers = bearer(user)
    full = client.get(TILE, headers={**headers, "X-Request-ID": "full-1"})
    before = lean.served
    for sent in ({"X-Request-ID": "lean-1"}, {"If-None-Match": full.headers["ETag"]}):
        answer = client.get(TILE, headers={**headers, **sent})
        assert lean.served == before + 1
        before = lean.served
        record = [r for r in caplog.records if r.name == "gridsvc.access"][-1]
        assert record.request_id == answer.headers["X-Request-ID"]
        assert (record.method, record.path, record.status) == ("GET", TILE, answer.status_code)
        assert record.user == user.id
        assert isinstance(record.ms, float)
    assert record.status == 304
    assert [r.request_id for r in caplog.records if r.name == "gridsvc.access"][-3:-1] == [
        "full-1",
        "lean-1",
    ]
    lines = [
        json.loads(JsonLineFormatter().format(r))
        for r in caplog.records
        if r.name == "gridsvc.access"
    ][-3:]
    assert {tuple(line) for line in lines} == {
        ("ts", "level", "logger", "msg", "request_id", "method", "path", "status", "ms", "user")
    }
    assert logging.getLogger("gridsvc.access").isEnabledFor(logging.INFO)
