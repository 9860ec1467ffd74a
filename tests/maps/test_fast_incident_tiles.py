"""Incident tiles on the lean path (gridsvc/maps/fast_tiles.py, fast_incidents.py): for a caller
the full path has accepted, the same status, bytes and headers as the full path, for every role
that reads incident tiles and every filter it handles; everything else (team filters, bad
filters, roles that may not read them, changed accounts) still goes through the full path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.maps import render, tiles
from gridsvc.maps.fast_tiles import EXTENSION
from tests.conftest import bearer
from tests.maps.conftest import HOME
from tests.maps.helpers import decode, tile_of
from tests.test_app import assert_problem

X, Y = tile_of(*HOME, 14)
URL = f"/api/v1/tiles/incidents/14/{X}/{Y}.mvt"
ROLES = ("lead", "officer", "dispatcher", "supervisor", "zhifa", "worker", "lead2")


@pytest.fixture
def lean(app):
    return app.extensions[EXTENSION]


@pytest.fixture
def incidents(report):
    """Two reports at HOME (township 001), the first one overdue."""
    market = report("0501")
    building = report("0601", lonlat=(HOME[0] + 0.001, HOME[1]))
    db.session.execute(
        text("UPDATE cases SET due_at = :past WHERE incident_id = :i"),
        {"past": datetime.now(UTC) - timedelta(hours=1), "i": market["id"]},
    )
    return market, building


def _heads(response) -> dict:
    return {k: v for k, v in response.headers.items() if k != "X-Request-ID"}


def full_then_lean(client, lean, user, query: str):
    """The full path's answer (a token it has not seen) and the lean path's (the same token)."""
    headers = bearer(user)
    before = lean.served
    full = client.get(URL + query, headers=headers)
    assert lean.served == before
    again = client.get(URL + query, headers=headers)
    return full, again, lean.served - before


def test_each_role_gets_the_full_paths_tile_from_the_lean_path(client, people, incidents, lean):
    market, building = incidents
    status = db.session.scalar(
        text("SELECT status FROM incidents WHERE id = :i"), {"i": market["id"]}
    )
    queries = (
        "",
        "?category=0501",
        f"?status={status}&status=closed",
        "?status=closed",
        "?overdue=true",
        "?overdue=false",
        "?category=0601&overdue=false",
    )
    seen = {}
    for role in ROLES:
        for query in queries:
            full, again, served = full_then_lean(client, lean, people[role], query)
            assert served == 1, (role, query)
            assert (again.status_code, again.data, _heads(again)) == (
                full.status_code,
                full.data,
                _heads(full),
            ), (role, query)
            assert again.headers["X-Request-ID"]
            ids = (
                {f["properties"]["id"] for f in decode(full.data)["incidents"]}
                if full.data
                else set()
            )
            seen[role, query] = ids
    both = {market["id"], building["id"]}
    for role in ("lead", "officer", "dispatcher", "supervisor", "worker"):
        assert seen[role, ""] == both, role  # township 001, the county, the reporter
    assert seen["lead2", ""] == set()  # the next township's team: 204, as the full path says
    assert seen["lead", "?overdue=true"] == {market["id"]}
    assert seen["lead", "?overdue=false"] == {building["id"]}
    assert seen["dispatcher", "?category=0501"] == {market["id"]}
    assert seen["dispatcher", "?status=closed"] == set()
    assert seen["dispatcher", "?category=0601&overdue=false"] == {building["id"]}


def test_what_the_lean_path_does_not_handle_goes_to_the_full_path(
    client, people, incidents, lean, make_user
):
    lead = bearer(people["lead"])
    assert client.get(URL, headers=lead).status_code == 200  # now known
    before = lean.served
    team = people["teams"]["t1"]
    assert client.get(URL + f"?team={team}", headers=lead).status_code in (200, 204)
    assert_problem(client.get(URL + "?team=999999", headers=lead), 404, "team.not_found")
    assert_problem(
        client.get(URL + "?status=nonsense", headers=lead), 422, "request.validation_failed"
    )
    assert_problem(
        client.get(URL + "?overdue=maybe", headers=lead), 422, "request.validation_failed"
    )
    assert client.get(URL + "?overdue=1", headers=lead).status_code == 200  # webargs' spelling
    assert client.get(URL + "?category=%30501", headers=lead).status_code == 200  # encoded
    assert_problem(
        client.get(URL + "?category=501", headers=lead), 422, "request.validation_failed"
    )
    assert_problem(
        client.get(f"/api/v1/tiles/incidents/9/{X >> 5}/{Y >> 5}.mvt", headers=lead),
        400,
        "tile.zoom_out_of_range",
    )
    assert lean.served == before
    # GIS staff read boundaries, not incidents: never learned, 403 every time.
    gis = bearer(make_user(role="gis_staff", township_code=None))
    for _ in range(2):
        assert_problem(client.get(URL, headers=gis), 403, "auth.role_forbidden")
    assert lean.served == before


def test_a_boundary_token_is_not_an_incidents_reader(client, people, incidents, lean, make_user):
    """Knowing a token for boundary tiles says nothing about incidents: the role is checked."""
    gis = bearer(make_user(role="gis_staff", township_code=None))
    grids = URL.replace("incidents", "grids")
    assert client.get(grids, headers=gis).status_code in (200, 204)
    before = lean.served
    assert_problem(client.get(URL, headers=gis), 403, "auth.role_forbidden")
    assert lean.served == before


def test_a_changed_caller_takes_the_full_path_and_its_new_scope(client, people, incidents, lean):
    headers = bearer(people["lead"])
    assert client.get(URL, headers=headers).status_code == 200
    assert client.get(URL, headers=headers).status_code == 200
    before = lean.served
    # Moved to the next township (any write to users bumps the accounts version).
    people["lead"].township_code = people["lead2"].township_code
    db.session.flush()
    moved = client.get(URL, headers=headers)
    assert lean.served == before
    assert moved.status_code == 204  # no longer sees township 001's incidents
    assert client.get(URL, headers=headers).status_code == 204
    assert lean.served == before + 1


def test_tiles_render_in_one_round_trip_on_the_autocommit_pool(app, db_session):
    """The tile pool's connection runs the prepared statement as its own transaction: afterwards
    the backend is idle (not in a transaction) and the statement is the last thing it ran, so
    neither a BEGIN before it nor a ROLLBACK after it (on return to the pool) was sent."""
    spec = tiles.LAYERS["grids"]
    statement = tiles._area_statement(True, 1, True)
    values = {
        "z": 14,
        "x": X,
        "y": Y,
        "margin": tiles.BUFFER / tiles.EXTENT,
        "pixel": tiles.snap_step(14),
        "name": spec.name,
        "level": spec.level,
        "layer": "unified",
        "county": "430302",
    }
    engine = render.tile_engine()
    for _ in range(2):  # the first prepares, the second only executes
        with engine.connect() as connection:
            statement.run_on(connection, values)
            dbapi = connection.connection.dbapi_connection
            assert dbapi.get_transaction_status() == TRANSACTION_STATUS_IDLE
            pid = dbapi.get_backend_pid()
            settings = connection.exec_driver_sql(
                "SELECT current_setting('plan_cache_mode'),"
                " current_setting('max_parallel_workers_per_gather'), current_setting('random_page_cost')"
            ).one()
            assert tuple(settings) == ("force_generic_plan", "0", "1.1")
            statement.run_on(connection, values)
    state, query, began = db_session.execute(
        text("SELECT state, query, xact_start FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
    ).one()
    assert state == "idle"
    assert began is None
    assert query.startswith("SET LOCAL plan_cache_mode")  # the message of the last EXECUTE
    assert f"EXECUTE {statement.name} (" in query
    assert "ROLLBACK" not in query


def test_an_empty_boundary_tile_has_the_full_paths_headers(client, people, hierarchy, lean):
    """The lean 204 carries what the full path's 204 carries (werkzeug's default type too)."""
    path = f"/api/v1/tiles/grids/14/0/0.mvt?generation={hierarchy.number}"
    headers = bearer(people["lead"])
    full = client.get(path, headers=headers)
    before = lean.served
    again = client.get(path, headers=headers)
    assert lean.served == before + 1
    assert full.status_code == again.status_code == 204
    assert _heads(again) == _heads(full)
