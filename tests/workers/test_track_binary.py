"""The binary COPY rows (track_binary.rows_binary) store exactly what the text rows stored."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.workers import track_binary, track_writes
from gridsvc.workers.partitions import ensure_partitions
from tests.workers.helpers import GRID, local, post_track, walk, yesterday

COLUMNS = (
    "t, county_code, township_code, ST_AsEWKB(geom), accuracy_m, speed_mps, implausible_speed,"
    " poor_accuracy, grid_code"
)


def _rows(user_id: int) -> list[tuple]:
    return [
        tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        for row in db.session.execute(
            text(f"SELECT {COLUMNS} FROM track_points WHERE user_id = :u ORDER BY t"),
            {"u": user_id},
        )
    ]


def _batch():
    """Every row layout: accuracy and speed NULL or not, grid codes NULL, short and long, jumps
    and poor accuracy, odd microseconds and offsets."""
    points = walk((112.81, 27.86), (112.83, 27.88), local(yesterday(), 9, second=0.123457), n=12)
    t = [datetime.fromisoformat(p["t"]) for p in points]
    lon = np.asarray([p["lon"] for p in points]) + np.linspace(0, 1e-9, len(points))
    lat = np.asarray([p["lat"] for p in points])
    speed, jump = track_writes.speeds(None, t, lon, lat, 33.0)  # speed[0] is NaN
    acc = np.asarray([8.0, np.nan, 0.0, 1e-7, 250.5, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 1e6])
    poor = np.nan_to_num(acc, nan=0.0) > 100
    jump[5] = True
    speed[7] = np.nan
    grids = [GRID, None, GRID + "9", GRID, "", GRID, None, "G", GRID, GRID, GRID, "网格"]
    secs = np.fromiter((m.timestamp() for m in t), dtype=float, count=len(t))
    return t, lon, lat, acc, speed, jump, poor, grids, secs


def test_binary_rows_store_what_text_rows_store(hierarchy, make_worker):
    by_text, by_binary = make_worker(), make_worker()
    t, lon, lat, acc, speed, jump, poor, grids, secs = _batch()
    ensure_partitions(t[0], t[-1])
    cursor = db.session.connection().connection.cursor()
    cursor.execute("SAVEPOINT track_copy")
    args = (lon, lat, acc, speed, jump, poor, grids)
    assert track_writes.write(track_writes.rows_text(by_text, t, *args, secs=secs)) is None
    assert track_writes.write(track_binary.rows_binary(by_binary, *args, secs=secs)) is None

    stored = _rows(by_binary.id)
    assert stored == _rows(by_text.id)
    assert len(stored) == 12
    assert [row[0] for row in stored] == t
    assert {row[8] for row in stored} == {GRID, GRID + "9", "G", "网格", None}
    assert stored[1][4] is None
    assert stored[0][5] is None
    assert stored[7][5] is None
    assert stored[5][6] is True
    assert stored[4][7] is True


def test_binary_rows_take_the_safe_path_when_a_racer_stored_some(hierarchy, make_worker):
    """The COPY hits the primary key: back to the savepoint, the binary rows go through the
    staging table, and only the instants this call stored are answered."""
    worker = make_worker()
    t, lon, lat, acc, speed, jump, poor, grids, secs = _batch()
    ensure_partitions(t[0], t[-1])
    args = (acc, speed, jump, poor)
    racer = track_binary.rows_binary(
        worker, lon[2:4], lat[2:4], *(a[2:4] for a in args), grids[2:4], secs=secs[2:4]
    )
    assert track_writes.write(racer) is None
    cursor = db.session.connection().connection.cursor()
    cursor.execute("SAVEPOINT track_copy")

    rows = track_binary.rows_binary(worker, lon, lat, *args, grids, secs=secs)
    assert track_writes.write(rows) == set(t[:2] + t[4:])
    assert [row[0] for row in _rows(worker.id)] == t


def test_the_endpoint_answers_and_stores_as_before(client, hierarchy, make_worker):
    """Through POST /tracks: created, replayed on a resend, the stored values as sent."""
    worker = make_worker()
    points = walk((112.81, 27.86), (112.81, 27.862), local(yesterday(), 9, second=0.5), n=6)
    points[2]["accuracy_m"] = 12.25
    first = post_track(client, worker, points)
    assert first.status_code == 200
    assert first.get_json()["created"] == 6
    again = post_track(client, worker, points)
    assert again.get_json()["created"] == 0
    assert again.get_json()["replayed"] == 6
    stored = _rows(worker.id)
    assert [row[0] for row in stored] == [datetime.fromisoformat(p["t"]) for p in points]
    assert stored[2][4] == 12.25
    xy = db.session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM track_points WHERE user_id = :u ORDER BY t"),
        {"u": worker.id},
    ).all()
    assert [tuple(r) for r in xy] == [(p["lon"], p["lat"]) for p in points]
