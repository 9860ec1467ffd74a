"""Patrol figures: the must-show day (upload twice, stored once, figures against hand values),
out-of-grid alerts, flagged points, township summaries, and who may read them."""

from __future__ import annotations

import math

import pytest
from pyproj import Geod
from sqlalchemy import text

from gridsvc.extensions import db
from tests.conftest import bearer
from tests.workers.helpers import GRID, T1, T2, local, post_track, walk, yesterday

GEOD = Geod(ellps="WGS84")
# Down the middle of GRID (x 112.800-112.825, y 27.85-27.90), 55 m short of its ends so the
# 50 m buffer's round caps stay inside the grid.
MID_X, Y0, Y1 = 112.8125, 27.8505, 27.8995
N_POINTS, STEP_S = 400, 10.0


def grid_area_m2() -> float:
    lons = [112.800, 112.825, 112.825, 112.800]
    lats = [27.85, 27.85, 27.90, 27.90]
    return abs(GEOD.polygon_area_perimeter(lons, lats)[0])


@pytest.fixture
def day_track(hierarchy, make_worker, give_grid):
    worker = make_worker()
    give_grid(worker, GRID)
    day = yesterday()
    points = walk((MID_X, Y0), (MID_X, Y1), local(day, 9), step_s=STEP_S, n=N_POINTS)
    return worker, day, points


def test_a_days_track_uploaded_twice_is_stored_once_with_hand_checked_figures(
    client, day_track, make_worker
):
    worker, day, points = day_track
    first = post_track(client, worker, points)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() | {"errors": []} == {
        "received": N_POINTS,
        "created": N_POINTS,
        "replayed": 0,
        "rejected": 0,
        "errors": [],
    }
    retry = post_track(client, worker, points)  # the phone did not see the first answer
    assert retry.get_json()["created"] == 0
    assert retry.get_json()["replayed"] == N_POINTS
    stored = db.session.execute(
        text("SELECT count(*), count(DISTINCT t) FROM track_points WHERE user_id = :u"),
        {"u": worker.id},
    ).one()
    assert tuple(stored) == (N_POINTS, N_POINTS)

    body = client.get(
        f"/api/v1/workers/{worker.id}/patrols?date={day.isoformat()}", headers=bearer(worker)
    ).get_json()
    # By hand: a straight meridian walk, 399 steps of 10 s, every point inside GRID.
    length = GEOD.inv(MID_X, Y0, MID_X, Y1)[2]
    duration = (N_POINTS - 1) * STEP_S
    assert body["points"] == N_POINTS
    assert body["distance_m"] == pytest.approx(length, rel=1e-3)
    assert body["patrol_s"] == pytest.approx(duration)
    assert body["inside_s"] == pytest.approx(duration)
    assert body["inside_share"] == pytest.approx(1.0)
    (grid,) = body["grids"]
    assert grid["grid_code"] == GRID
    assert grid["role"] == "primary"
    assert grid["points"] == N_POINTS
    # Coverage = (2·N·L + π·N²) / A: a 100 m wide swath with two round caps, inside the grid.
    expected = (2 * 50 * length + math.pi * 50**2) / grid_area_m2()
    assert grid["coverage"] == pytest.approx(expected, rel=0.02)
    assert grid["last_patrolled_at"].startswith(day.isoformat())
    assert body["alerts"] == []

    # A worker of another township, and a township admin of it, read 404.
    stranger = make_worker(T2)
    for reader in (stranger, make_worker(T1)):
        r = client.get(f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(reader))
        assert r.status_code == 404
        assert r.get_json()["code"] == "worker.not_found"


def test_supervisor_reads_patrols_in_scope_and_other_county_gets_404(client, day_track, make_user):
    worker, day, points = day_track
    post_track(client, worker, points)
    supervisor = make_user(role="supervisor", county_code="430302", township_code=None)
    ok = client.get(f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(supervisor))
    assert ok.status_code == 200
    assert ok.get_json()["distance_m"] > 5000
    outsider = make_user(role="supervisor", county_code="430304", township_code=None)
    r = client.get(f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(outsider))
    assert r.status_code == 404
    officer = make_user(role="officer", township_code=T1)
    r = client.get(f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(officer))
    assert r.status_code == 403
    assert r.get_json()["code"] == "auth.role_forbidden"
    # Someone who is not a grid worker has no patrols: 404, as for any unknown worker.
    r = client.get(f"/api/v1/workers/{officer.id}/patrols?date={day}", headers=bearer(supervisor))
    assert r.status_code == 404
    assert r.get_json()["code"] == "worker.not_found"


def test_out_of_grid_stretch_raises_an_alert_and_pauses_do_not_count(
    client, hierarchy, make_worker, give_grid
):
    worker = make_worker()
    give_grid(worker, GRID)
    day = yesterday()
    inside = walk((112.81, 27.86), (112.81, 27.87), local(day, 8), n=60)  # 590 s inside
    # 20 minutes in the neighbouring grid 430302001001002 (x 112.825-112.85)
    outside = walk((112.835, 27.87), (112.835, 27.88), local(day, 8, 12), step_s=20, n=61)
    # after a 2-hour pause (off patrol), back inside
    back = walk((112.81, 27.87), (112.81, 27.875), local(day, 11), n=30)
    assert post_track(client, worker, inside + outside + back).get_json()["created"] == 151
    body = client.get(
        f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(worker)
    ).get_json()
    (alert,) = body["alerts"]
    assert alert["grids"] == ["430302001001002"]
    assert alert["duration_s"] == pytest.approx(1200.0)
    assert alert["start"].startswith(f"{day.isoformat()}T08:12:00")
    # 590 s + (08:09:50 → 08:12:00 = 130 s step) + 1200 s outside + 290 s; the pause is off.
    assert body["patrol_s"] == pytest.approx(590 + 130 + 1200 + 290)
    assert body["inside_s"] == pytest.approx(590 + 65 + 290)


def test_gps_jump_is_flagged_kept_and_left_out_of_the_distance(
    client, hierarchy, make_worker, give_grid
):
    worker = make_worker()
    give_grid(worker, GRID)
    day = yesterday()
    points = walk((112.81, 27.86), (112.81, 27.87), local(day, 8), n=50)
    points[20] = {**points[20], "lon": 112.86}  # ~5 km east for 10 s: a jump
    points[30] = {**points[30], "accuracy_m": 300.0}  # a poor fix
    assert post_track(client, worker, points).get_json()["created"] == 50
    flags = db.session.execute(
        text(
            "SELECT count(*) FILTER (WHERE implausible_speed),"
            " count(*) FILTER (WHERE poor_accuracy) FROM track_points WHERE user_id = :u"
        ),
        {"u": worker.id},
    ).one()
    assert tuple(flags) == (1, 1)  # only the jump itself, not the honest point after it
    body = client.get(
        f"/api/v1/workers/{worker.id}/patrols?date={day}", headers=bearer(worker)
    ).get_json()
    assert body["flagged_points"] == 2
    assert body["distance_m"] == pytest.approx(GEOD.inv(112.81, 27.86, 112.81, 27.87)[2], rel=1e-3)
    track = client.get(
        f"/api/v1/workers/{worker.id}/tracks?date={day}", headers=bearer(worker)
    ).get_json()
    kinds = [f["properties"]["kind"] for f in track["features"]]
    assert kinds == ["track", "flagged", "flagged"]


def test_township_summary_lists_workers_grids_and_the_unpatrolled(
    client, day_track, make_user, make_worker, give_grid
):
    worker, day, points = day_track
    idle = make_worker()
    give_grid(idle, "430302001002001")
    post_track(client, worker, points)
    admin = make_user(role="admin", township_code=T1)
    r = client.get(f"/api/v1/patrols/summary?township={T1}&date={day}", headers=bearer(admin))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    by_user = {w["user_id"]: w for w in body["workers"]}
    assert by_user[worker.id]["points"] == N_POINTS
    assert by_user[worker.id]["mean_coverage"] > 0.03
    assert by_user[idle.id]["points"] == 0
    by_grid = {g["grid_code"]: g for g in body["grids"]}
    assert by_grid[GRID]["patrolled"] is True
    assert by_grid[GRID]["primary_user_id"] == worker.id
    assert sorted(body["not_patrolled"]) == [
        "430302001001002",
        "430302001002001",
        "430302001002002",
    ]
    other = make_user(role="admin", township_code=T2)
    r = client.get(f"/api/v1/patrols/summary?township={T1}&date={day}", headers=bearer(other))
    assert r.status_code == 404
    assert r.get_json()["code"] == "township.not_found"
    r = client.get(f"/api/v1/patrols/summary?township={T1}", headers=bearer(worker))
    assert r.status_code == 403
