"""Track batches: the rules the ingest re-implemented for speed answer as the plain ones did.

The grid of each point comes from ``queries.grid_codes`` (not ``locate_many``'s four levels of
dicts); repeats and order are decided on epoch seconds in numpy (not on aware datetimes in a
dict); the months' partitions are checked inside the read before the COPY. Each is compared here
with the plain rule it replaced.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from sqlalchemy import text

from gridsvc.boundaries.queries import grid_codes, locate_many
from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import track_writes
from gridsvc.workers.partitions import list_partitions, partition_name
from gridsvc.workers.tracks import ingest_track_points
from tests.workers.helpers import GRID, local, post_track, walk, yesterday


def test_grid_codes_are_the_grids_locate_many_names(hierarchy):
    rng = np.random.default_rng(17)
    # Inside, outside the county, and exactly on grid, village and township edges (where two
    # grids hold the point and the last hit wins in both).
    lons = np.concatenate([rng.uniform(112.79, 112.91, 300), [112.825, 112.85, 112.80, 112.9]])
    lats = np.concatenate([rng.uniform(27.84, 27.96, 300), [27.90, 27.90, 27.85, 27.95]])
    located = locate_many(list(zip(lons.tolist(), lats.tolist(), strict=True)), number=None)
    expected = [r["grid"]["code"] if r["grid"] else None for r in located]
    assert grid_codes(lons, lats) == expected
    assert None in expected
    assert len({c for c in expected if c}) == 8


def _plain_statuses(points: list[dict], stored: set[datetime]) -> list[str]:
    """The former rule: aware datetimes in a dict, the first occurrence wins."""
    seen: set[datetime] = set()
    statuses = []
    for point in points:
        moment = datetime.fromisoformat(point["t"])
        fresh = moment not in seen and moment not in stored
        seen.add(moment)
        statuses.append("created" if fresh else "replayed")
    return statuses


def test_repeats_and_order_decided_on_instants_as_before(client, hierarchy, make_worker):
    """A shuffled batch with the same instants spelled in other offsets, instants one
    microsecond apart, and points of an earlier batch: the statuses the plain rule gives, rows
    stored once each."""
    worker = make_worker()
    t0 = local(yesterday(), 9, second=0.25)
    base = walk((112.81, 27.86), (112.81, 27.862), t0, n=40)
    first = base[:10]
    assert post_track(client, worker, first).status_code == 200
    utc = UTC
    again = []
    for k, point in enumerate(base):
        again.append(point)
        moment = datetime.fromisoformat(point["t"])
        if k % 5 == 0:  # the same instant as UTC ("Z") and as +05:30
            again.append({**point, "t": moment.astimezone(utc).isoformat().replace("+00:00", "Z")})
            india = timezone(timedelta(hours=5, minutes=30))
            again.append({**point, "t": moment.astimezone(india).isoformat()})
        if k % 7 == 0:  # one microsecond later: another instant
            again.append({**point, "t": (moment + timedelta(microseconds=1)).isoformat()})
    random.Random(3).shuffle(again)
    stored_before = {datetime.fromisoformat(p["t"]) for p in first}
    expected = _plain_statuses(again, stored_before)

    results = ingest_track_points(worker, again, None)

    assert [r["status"] for r in results] == expected
    stored = db.session.execute(
        text("SELECT t FROM track_points WHERE user_id = :u ORDER BY t"), {"u": worker.id}
    ).scalars()
    assert list(stored) == sorted({datetime.fromisoformat(p["t"]) for p in again})
    assert expected.count("created") == 30 + 6  # the 30 base points not sent before, 6 twins


def test_a_new_month_is_created_inside_the_read_and_survives_a_race(hierarchy, make_worker):
    """The month's table is missing: the read's cast fails before anything of track_points is
    read, the month is created, and the savepoint the race path returns to lies after it (were
    it before, the safe path would find no partition for its rows)."""
    worker = make_worker()
    moment = datetime(2019, 3, 10, 9, 0, tzinfo=SHANGHAI)  # no partition holds 2019
    name = partition_name(2019, 3)
    assert name not in list_partitions()
    points = walk((112.81, 27.86), (112.81, 27.861), moment, n=4)
    t = [datetime.fromisoformat(p["t"]) for p in points]
    lon = np.asarray([p["lon"] for p in points])
    lat = np.asarray([p["lat"] for p in points])

    previous, stored = track_writes.stored_before(worker.id, t)

    assert (previous, stored) == (None, set())
    assert name in list_partitions()
    speed, jump = track_writes.speeds(None, t, lon, lat, 33.0)
    acc, poor = np.full(4, 8.0), np.zeros(4, dtype=bool)
    rows = track_writes.rows_text(worker, t, lon, lat, acc, speed, jump, poor, [GRID] * 4)
    # Point 1 written after the read makes the COPY hit the primary key; written inside the
    # savepoint here, it goes with the failed COPY, and the safe path stores all four.
    racer = rows.splitlines(keepends=True)[1]
    cursor = db.session.connection().connection.cursor()
    cursor.copy_expert(f"COPY track_points ({track_writes.COLUMNS}) FROM STDIN", io.StringIO(racer))

    assert track_writes.write(rows) == set(t)
    assert name in list_partitions()  # the rollback to the savepoint kept the month
    got = db.session.execute(
        text("SELECT t FROM track_points WHERE user_id = :u ORDER BY t"), {"u": worker.id}
    ).scalars()
    assert list(got) == t


def test_copy_times_are_the_exact_instants_from_2000_to_2100():
    """rows_text writes t from epoch seconds through numpy: every microsecond comes back."""
    rng = random.Random(5)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    moments = [
        (
            epoch
            + timedelta(microseconds=rng.randrange(946_684_800 * 10**6, 4_102_444_800 * 10**6))
        ).astimezone(timezone(timedelta(minutes=rng.randrange(-959, 960))))
        for _ in range(20_000)
    ]
    secs = np.fromiter((m.timestamp() for m in moments), dtype=float, count=len(moments))
    texts = track_writes.utc_text(secs)
    assert [datetime.fromisoformat(s + ":00") for s in texts] == moments
