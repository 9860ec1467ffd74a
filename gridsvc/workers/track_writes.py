"""Writing a batch of checked track points: one read, one COPY, straight into ``track_points``.

The hot path of ``POST /tracks`` (100,000 workers at a point every 30 s: ~3,300 points/s around
the clock, more after a morning's offline phones reconnect), so it costs the database about what
a raw ``COPY`` does:

1. one round trip checks that the batch's monthly partitions exist, then reads the worker's
   stored point before the batch (for the first point's speed) and which of the batch's instants
   are already stored (a retried upload), after opening a savepoint; only when a month is
   missing (once a month, or never: a bench or a scheduler creates them) does it go back to the
   savepoint, create the month (:func:`gridsvc.workers.partitions.ensure_partitions`) before
   anything of ``track_points`` is read, and ask again;
2. the new rows go by ``COPY`` into the partitioned parent, the point as hex EWKB built with
   numpy (no WKT for the server to parse);
3. only when a concurrent upload of the same points won the race between 1 and 2 does the COPY
   hit the primary key: back to the savepoint, and the batch goes the slow safe way, through a
   temporary staging table and ``INSERT … ON CONFLICT DO NOTHING RETURNING t``.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import numpy as np
from psycopg2 import errors as pg_errors
from pyproj import Geod
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.workers.partitions import ensure_partitions, months_between, partition_name

GEOD = Geod(ellps="WGS84")
NULL = "\\N"  # COPY text format
# (implausible_speed, poor_accuracy) as their two COPY text fields.
FLAGS = {(j, p): f"{'tf'[not j]}\t{'tf'[not p]}\t" for j in (True, False) for p in (True, False)}
COLUMNS = (
    "user_id, t, county_code, township_code, geom, accuracy_m, speed_mps, implausible_speed,"
    " poor_accuracy, grid_code"
)
# The stored point before a batch, for the first point's speed. Only the last hour counts (an
# older point says nothing about a jump), which also keeps the scan small when the planner's
# statistics lag behind the bulk writes. Then the batch's instants already stored: a primary-key
# range scan over the batch's span.
# The partition check is a cast that fails (UndefinedTable) when a month's table is missing, so
# that the statements after it, which read track_points, do not run: the months are created
# before this transaction reads the parent (see partitions.py), as a separate check would do at
# the cost of a round trip on every batch.
BEFORE_SQL = (
    "SAVEPOINT track_copy;"
    " SELECT CAST(n AS regclass) FROM unnest(CAST(%(months)s AS text[])) AS n;"
    " (SELECT true AS before, t, ST_X(geom), ST_Y(geom) FROM track_points"
    "  WHERE user_id = %(u)s AND t < %(first)s AND t > %(since)s AND NOT implausible_speed"
    "  ORDER BY t DESC LIMIT 1)"
    " UNION ALL"
    " SELECT false, t, NULL, NULL FROM track_points"
    "  WHERE user_id = %(u)s AND t >= %(first)s AND t <= %(last)s"
)
PREVIOUS_WINDOW = timedelta(hours=1)
STAGING_DDL = text(
    "CREATE TEMP TABLE IF NOT EXISTS track_points_staging"
    " (LIKE track_points INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
# One round trip: insert what is new, empty the staging table (the same transaction may ingest
# again), answer the instants actually stored.
SAFE_INSERT_SQL = (
    "WITH stored AS ("  # noqa: S608  (COLUMNS is a constant)
    f" INSERT INTO track_points ({COLUMNS}) SELECT {COLUMNS} FROM track_points_staging"
    " ON CONFLICT (user_id, t) DO NOTHING RETURNING t"
    "), emptied AS (DELETE FROM track_points_staging)"
    " SELECT t FROM stored"
)
# Little-endian EWKB of a 2D point with SRID: byte order, type | SRID flag, SRID, x, y.
EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)


def stored_before(user_id: int, t: list[datetime]):
    """The worker's plausible point in the hour before ``t[0]`` (or None) and the instants of
    ``t[0]..t[-1]`` already stored, creating the months' partitions when missing; opens the
    savepoint :func:`write` may return to (after any partition created)."""
    cursor = db.session.connection().connection.cursor()
    months = [partition_name(*m) for m in months_between(t[0], t[-1])]
    params = {
        "u": user_id,
        "first": t[0],
        "last": t[-1],
        "since": t[0] - PREVIOUS_WINDOW,
        "months": months,
    }
    try:
        cursor.execute(BEFORE_SQL, params)
    except pg_errors.UndefinedTable:
        # Nothing of track_points was read: back to the savepoint, create the months (a new
        # savepoint of the same name follows them, so a race's rollback keeps them), again.
        cursor.execute("ROLLBACK TO SAVEPOINT track_copy")
        ensure_partitions(t[0], t[-1])
        cursor.execute(BEFORE_SQL, params)
    previous, stored = None, set()
    for before, moment, lon, lat in cursor.fetchall():
        if before:
            previous = (moment, lon, lat)
        else:
            stored.add(moment)
    return previous, stored


def speeds(
    previous,
    t: list[datetime],
    lon: np.ndarray,
    lat: np.ndarray,
    max_speed: float,
    secs: np.ndarray | None = None,
):
    """Speed from the previous point (the stored one before the batch, when there is one) and
    the spike flag: reaching *and* leaving the point would both be implausibly fast.

    ``secs``: ``t`` as epoch seconds when the caller has them already."""
    if secs is None:
        secs = np.fromiter((m.timestamp() for m in t), dtype=float, count=len(t))
    if previous is not None:
        secs = np.concatenate([[previous[0].timestamp()], secs])
        lon = np.concatenate([[previous[1]], lon])
        lat = np.concatenate([[previous[2]], lat])
    n = len(secs)
    step = np.full(n, np.nan)  # step[i]: speed from point i-1 to point i
    if n > 1:
        _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        step[1:] = np.asarray(dist) / np.maximum(secs[1:] - secs[:-1], 1e-3)
    fast_in = np.nan_to_num(step, nan=0.0) > max_speed
    fast_out = np.zeros(n, dtype=bool)
    fast_out[:-1] = fast_in[1:]
    jump = fast_in & fast_out
    # The last point has no way out: it is the jump unless the point before it was.
    jump[-1] = fast_in[-1] and not (n > 1 and jump[-2])
    # A point with no predecessor is the odd one out when leaving it is too fast but the step
    # after that is plausible.
    if n > 2 and np.isnan(step[0]) and fast_out[0] and not fast_in[2]:
        jump[0] = True
    if previous is not None:
        step, jump = step[1:], jump[1:]
    return step, jump


def _ewkb_hex(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    points = np.empty(len(lon), dtype=EWKB_POINT)
    points["order"], points["type"], points["srid"] = 1, 0x2000_0001, 4326
    points["x"], points["y"] = lon, lat
    size = 2 * EWKB_POINT.itemsize
    hexed = points.tobytes().hex()
    return [hexed[i : i + size] for i in range(0, len(hexed), size)]


def _numbers(values: np.ndarray) -> list[str]:
    return [NULL if v != v else repr(v) for v in values.tolist()]  # NaN -> NULL


def utc_text(secs: np.ndarray) -> list[str]:
    """Epoch seconds (``datetime.timestamp()``) as UTC timestamps with microseconds, in numpy.

    The microseconds are recovered exactly: a timestamp is the microsecond count over 10**6
    rounded once, and until 2106 that rounding and the product's are together under half a
    microsecond (tests/workers/test_track_batches.py checks instants from 2000 to 2100).
    ``isoformat()`` per point cost rows_text half its time."""
    micros = np.rint(np.asarray(secs, dtype=float) * 1e6).astype(np.int64)
    return [s + "+00" for s in np.datetime_as_string(micros.astype("datetime64[us]")).tolist()]


def rows_text(principal, t, lon, lat, acc, speed, jump, poor, grids, secs=None) -> str:
    """The rows in COPY text format, in ``COLUMNS`` order (``secs``: ``t`` as epoch seconds
    when the caller has them already)."""
    if secs is None:
        secs = np.fromiter((m.timestamp() for m in t), dtype=float, count=len(t))
    head = f"{principal.id}\t"
    place = f"\t{principal.county_code}\t{principal.township_code}\t"
    tail = [
        f"{a}\t{v}\t{FLAGS[j, p]}{c or NULL}\n"
        for a, v, j, p, c in zip(
            _numbers(acc), _numbers(speed), jump.tolist(), poor.tolist(), grids, strict=True
        )
    ]
    # One join over the row pieces: cheaper than one f-string of ten fields per row.
    return "".join(
        [
            piece
            for m, g, rest in zip(utc_text(secs), _ewkb_hex(lon, lat), tail, strict=True)
            for piece in (head, m, place, g, "\t", rest)
        ]
    )


def write(rows: str | bytes) -> set[datetime] | None:
    """COPY ``rows`` into ``track_points``; None when all were stored, else (a concurrent upload
    stored some of them first) the instants this call stored, by the safe way.

    ``rows``: text (:func:`rows_text`) or the binary format (:mod:`.track_binary`)."""
    binary = isinstance(rows, bytes)
    options = " (FORMAT binary)" if binary else ""

    def source():
        return io.BytesIO(rows) if binary else io.StringIO(rows)

    cursor = db.session.connection().connection.cursor()
    try:
        # One read of the whole batch (psycopg2 reads 8 KiB at a time by default: a batch of 500
        # rows was ~10 read-and-send calls).
        cursor.copy_expert(
            f"COPY track_points ({COLUMNS}) FROM STDIN{options}", source(), size=len(rows) + 1
        )
        return None
    except pg_errors.UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT track_copy")
    db.session.execute(STAGING_DDL)
    cursor.copy_expert(f"COPY track_points_staging ({COLUMNS}) FROM STDIN{options}", source())
    cursor.execute(SAFE_INSERT_SQL)
    return {r[0] for r in cursor.fetchall()}
