"""Track ingestion: refusals per point and per request, replays, CRS conversion, partitions."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import numpy as np
import prcoords
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from gridsvc.extensions import alembic_include_object, db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import track_writes
from gridsvc.workers.partitions import ensure_partitions, list_partitions, partition_name
from gridsvc.workers.tracks import ingest_track_points
from tests.conftest import bearer
from tests.workers.helpers import GRID, T1, local, post_track, walk, yesterday


def stored(user_id: int) -> list:
    return db.session.execute(
        text(
            "SELECT t, ST_X(geom), ST_Y(geom), grid_code, county_code, township_code,"
            " implausible_speed, poor_accuracy, speed_mps FROM track_points"
            " WHERE user_id = :u ORDER BY t"
        ),
        {"u": user_id},
    ).all()


def test_points_are_located_and_carry_the_workers_place(client, hierarchy, make_worker):
    worker = make_worker()
    points = walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=5)
    assert post_track(client, worker, points).get_json()["created"] == 5
    rows = stored(worker.id)
    assert len(rows) == 5
    assert {r[3] for r in rows} == {GRID}
    assert {(r[4], r[5]) for r in rows} == {("430302", T1)}
    assert rows[0][8] is None  # no earlier point: no speed
    assert rows[1][8] == pytest.approx(111.2 * 0.25 / 10, rel=0.02)  # 27.8 m in 10 s


def test_too_many_points_is_413(client, hierarchy, make_worker, app):
    worker = make_worker()
    limit = app.config["TRACK_MAX_POINTS"]
    points = walk((112.81, 27.86), (112.81, 27.87), local(yesterday(), 9), n=limit + 1)
    r = post_track(client, worker, points)
    assert r.status_code == 413
    assert r.get_json()["code"] == "track.too_many_points"
    assert stored(worker.id) == []


def test_future_old_and_malformed_times_fail_only_their_points(client, hierarchy, make_worker):
    worker = make_worker()
    now = datetime.now(SHANGHAI)
    good = walk((112.81, 27.86), (112.81, 27.861), now - timedelta(hours=1), n=3)
    bad = [
        {"t": (now + timedelta(hours=1)).isoformat(), "lon": 112.81, "lat": 27.86},
        {"t": (now - timedelta(days=45)).isoformat(), "lon": 112.81, "lat": 27.86},
        {"t": "2026-05-01T08:00:00", "lon": 112.81, "lat": 27.86},  # no offset
        {"t": "yesterday", "lon": 112.81, "lat": 27.86},
        # Python reads offsets up to ±23:59, PostgreSQL stores up to ±15:59: refused, not a 500.
        {"t": "2026-05-01T08:00:00+20:00", "lon": 112.81, "lat": 27.86},
        {"t": now.isoformat(), "lon": 112.81, "lat": 27.86, "accuracy_m": -3},
        "not a point",
    ]
    body = post_track(client, worker, [good[0], *bad, good[1], good[2]]).get_json()
    assert (body["created"], body["rejected"]) == (3, 7)
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "track.future_time"),
        (2, "track.too_old"),
        (3, "track.bad_time"),
        (4, "track.bad_time"),
        (5, "track.bad_time"),
        (6, "track.bad_accuracy"),
        (7, "track.bad_point"),
    ]


def test_swapped_and_impossible_coordinates_fail_per_point(client, hierarchy, make_worker):
    worker = make_worker()
    t0 = local(yesterday(), 9)
    points = [
        {"t": t0.isoformat(), "lon": 27.86, "lat": 112.81},  # (lat, lon)
        {"t": (t0 + timedelta(seconds=1)).isoformat(), "lon": 2.35, "lat": 48.85},  # Paris
        {"t": (t0 + timedelta(seconds=2)).isoformat(), "lon": "112.8", "lat": 27.86},
        {"t": (t0 + timedelta(seconds=3)).isoformat(), "lon": 112.81, "lat": 27.86},
    ]
    body = post_track(client, worker, points).get_json()
    assert [e["code"] for e in body["errors"]] == [
        "coordinates.swapped",
        "coordinates.out_of_range",
        "coordinates.out_of_range",
    ]
    assert body["created"] == 1


def test_bad_batch_crs_is_422_and_a_bad_point_crs_fails_that_point(client, hierarchy, make_worker):
    worker = make_worker()
    points = walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=2)
    r = post_track(client, worker, points, crs="EPSG:999999")
    assert r.status_code == 422
    assert r.get_json()["code"] == "crs.unknown"
    points[0]["crs"] = "Mars2000"
    body = post_track(client, worker, points).get_json()
    assert [e["code"] for e in body["errors"]] == ["crs.unknown"]
    assert body["created"] == 1
    points[0]["crs"] = ["EPSG:4326"]  # not a string: refused for that point, not a 500
    points[0]["t"] = local(yesterday(), 8).isoformat()
    body = post_track(client, worker, points).get_json()
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(0, "crs.unknown")]
    assert body["replayed"] == 1


def test_gcj02_points_are_stored_in_wgs84(client, hierarchy, make_worker):
    worker = make_worker()
    lat, lon = prcoords.wgs_gcj((27.86, 112.81))  # what an AMap SDK reports for that place
    point = {"t": local(yesterday(), 9).isoformat(), "lon": lon, "lat": lat}
    assert post_track(client, worker, [point], crs="GCJ02").get_json()["created"] == 1
    (row,) = stored(worker.id)
    assert (row[1], row[2]) == (pytest.approx(112.81, abs=1e-6), pytest.approx(27.86, abs=1e-6))


def test_only_grid_workers_upload_tracks(client, hierarchy, make_user):
    supervisor = make_user(role="supervisor", county_code="430302", township_code=None)
    points = walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=2)
    r = post_track(client, supervisor, points)
    assert r.status_code == 403
    assert r.get_json()["code"] == "auth.role_forbidden"
    assert client.post("/api/v1/tracks", json={"points": points}).status_code == 401


def test_repeated_point_in_one_batch_and_overlapping_retry_store_once(
    client, hierarchy, make_worker
):
    worker = make_worker()
    points = walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=6)
    same_instant = {**points[0], "t": points[0]["t"].replace("+08:00", "+0800")}
    body = post_track(client, worker, [*points[:4], same_instant]).get_json()
    assert (body["created"], body["replayed"]) == (4, 1)
    body = post_track(client, worker, points[2:]).get_json()  # overlaps the first batch
    assert (body["created"], body["replayed"]) == (2, 2)
    assert len(stored(worker.id)) == 6


def test_a_concurrent_upload_of_the_same_points_is_caught_by_the_safe_path(hierarchy, make_worker):
    """Between the read of stored instants and the COPY, another upload stored two of the points:
    the COPY hits the primary key, the savepoint undoes it, the safe path stores the rest."""
    worker = make_worker()
    points = walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=5)
    t = [datetime.fromisoformat(p["t"]) for p in points]
    lon = np.asarray([p["lon"] for p in points])
    lat = np.asarray([p["lat"] for p in points])
    ensure_partitions(t[0], t[-1])
    speed, jump = track_writes.speeds(None, t, lon, lat, 33.0)
    acc, poor = np.full(5, 8.0), np.zeros(5, dtype=bool)
    rows = track_writes.rows_text(worker, t, lon, lat, acc, speed, jump, poor, [GRID] * 5)
    racer = "".join(rows.splitlines(keepends=True)[1:3])  # points 1 and 2, stored by the racer
    cursor = db.session.connection().connection.cursor()
    cursor.copy_expert(f"COPY track_points ({track_writes.COLUMNS}) FROM STDIN", io.StringIO(racer))
    # What stored_before does before its read (which, in the race, saw none of the five); the
    # racer's rows lie before it, as another transaction's commit would.
    cursor.execute("SAVEPOINT track_copy")

    created = track_writes.write(rows)
    assert created == {t[0], t[3], t[4]}
    assert [row[0] for row in stored(worker.id)] == t  # each once, the racer's two included
    assert {row[3] for row in stored(worker.id)} == {GRID}


def test_ingest_function_for_the_offline_sync(app, hierarchy, make_worker, make_user):
    worker = make_worker()
    points = walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=3)
    points.insert(1, {"t": points[0]["t"], "lon": 27.8, "lat": 112.8})  # bad and repeated
    results = ingest_track_points(worker, points, None)
    assert [r["status"] for r in results] == ["created", "error", "created", "created"]
    assert results[1]["problem"]["code"] == "coordinates.swapped"
    assert [r["status"] for r in ingest_track_points(worker, points, "WGS84")] == [
        "replayed",
        "error",
        "replayed",
        "replayed",
    ]
    officer = make_user(role="officer", township_code=T1)
    (refused,) = ingest_track_points(officer, points[:1], None)
    assert refused["problem"]["code"] == "track.role_forbidden"
    assert ingest_track_points(worker, points, "nonsense")[0]["problem"]["code"] == "crs.unknown"


def test_partitions_are_created_per_month_on_demand_and_are_no_drift(
    app, client, hierarchy, make_worker
):
    worker = make_worker()
    app.config["TRACK_MAX_AGE_DAYS"] = 120
    try:
        old = datetime.now(SHANGHAI) - timedelta(days=70)
        recent = local(yesterday(), 9)
        months = {(m.year, m.month) for m in (old, old + timedelta(days=35), recent)}
        before = set(list_partitions())
        assert not {partition_name(*m) for m in months} & before
        points = [
            {"t": old.isoformat(), "lon": 112.81, "lat": 27.86},
            {"t": recent.isoformat(), "lon": 112.81, "lat": 27.86},
        ]
        assert post_track(client, worker, points).get_json()["created"] == 2
    finally:
        app.config["TRACK_MAX_AGE_DAYS"] = 30
    # Every month from the oldest to the newest point, the one in between included.
    assert {partition_name(*m) for m in months} <= set(list_partitions())
    rows = db.session.execute(
        text("SELECT tableoid::regclass::text FROM track_points WHERE user_id = :u ORDER BY t"),
        {"u": worker.id},
    ).scalars()
    assert list(rows) == [
        partition_name(old.year, old.month),
        partition_name(*recent.timetuple()[:2]),
    ]
    # An attached month carries the parent's indexes (replay key, last-patrolled lookups, the
    # BRIN on t that the day summaries and the archive scan).
    indexes = db.session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE tablename = :t ORDER BY indexname"),
        {"t": partition_name(old.year, old.month)},
    ).scalars()
    assert [
        ("(grid_code, t)" in i, "UNIQUE" in i and "(user_id, t)" in i, "brin (t)" in i)
        for i in indexes
    ] == [(True, False, False), (False, True, False), (False, False, True)]
    # A second batch into the same months creates nothing; the drift check ignores partitions.
    assert post_track(client, worker, walk((112.81, 27.86), (112.81, 27.87), recent, n=3))
    context = MigrationContext.configure(
        db.session.connection(),
        opts={"include_object": alembic_include_object, "compare_type": True},
    )
    assert compare_metadata(context, db.metadata) == []


def test_me_grids_is_a_feature_collection_of_my_current_grids(
    client, hierarchy, make_worker, give_grid, make_user
):
    worker = make_worker()
    give_grid(worker, GRID)
    give_grid(worker, "430302001001002", role="secondary")
    post_track(client, worker, walk((112.81, 27.86), (112.81, 27.861), local(yesterday(), 9), n=2))
    body = client.get("/api/v1/me/grids", headers=bearer(worker)).get_json()
    assert body["type"] == "FeatureCollection"
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert {c: p["role"] for c, p in props.items()} == {
        GRID: "primary",
        "430302001001002": "secondary",
    }
    assert props[GRID]["last_patrolled_at"] is not None
    assert props["430302001001002"]["last_patrolled_at"] is None
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    admin = make_user(role="admin", township_code=T1)
    assert client.get("/api/v1/me/grids", headers=bearer(admin)).status_code == 403
