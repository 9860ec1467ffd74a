"""Patrol track ingestion: validate, flag, locate and bulk-write a batch of GPS points.

``ingest_track_points`` is the one entry point, used by ``POST /api/v1/tracks`` and by the offline
``/api/v1/sync`` (incidents room). It answers one result per input point, in order, and a bad point
never fails the others. The write path is built for volume:

- validation is a tight loop over plain dicts (no per-point schema objects); WGS84/CGCS2000
  coordinates are range-checked with numpy, GCJ-02/BD-09 and projected input go through
  :func:`gridsvc.geo.crs.point_to_wgs84`;
- plausibility (speed from the previous point, GPS accuracy) and distances are vectorised with
  pyproj's geodesic;
- grids come from :func:`gridsvc.boundaries.queries.locate_many` (the in-process index);
- rows go through ``COPY`` into a temporary staging table and one ``INSERT … SELECT … ON CONFLICT
  (user_id, t) DO NOTHING RETURNING t``: a replayed point is stored once and reported ``replayed``.

Flags: a point is ``implausible_speed`` when reaching it *and* leaving it would both need more than
``TRACK_MAX_SPEED_MPS`` (a single GPS jump, not the honest point after it); ``poor_accuracy`` when
the phone reports an accuracy radius above ``TRACK_MAX_ACCURACY_M``. Flagged points are kept.
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta

import numpy as np
from flask import current_app
from pyproj import Geod
from sqlalchemy import text

from gridsvc.accounts import utcnow
from gridsvc.boundaries.queries import locate_many
from gridsvc.errors import TooLarge, as_problem, problem_body
from gridsvc.extensions import db
from gridsvc.geo.crs import CGCS2000, WGS84, check_point, normalize_crs, point_to_wgs84
from gridsvc.geo.errors import GeoInputError
from gridsvc.workers.partitions import ensure_partitions

GEOD = Geod(ellps="WGS84")
_PLAIN = (WGS84, CGCS2000)
NULL = "\\N"  # COPY text format
_NUMBERS = (int, float)  # exact types: JSON true/false must not pass as 1/0

STAGING_DDL = text(
    "CREATE TEMP TABLE IF NOT EXISTS track_points_staging ("
    " t timestamptz, lon float8, lat float8, accuracy_m float8, speed_mps float8,"
    " implausible_speed boolean, poor_accuracy boolean, grid_code varchar(32)"
    ") ON COMMIT DELETE ROWS"
)
# One round trip: insert what is new, empty the staging table (the same transaction may ingest
# again), answer the instants actually stored.
INSERT_SQL = (
    "WITH stored AS ("
    " INSERT INTO track_points (user_id, t, county_code, township_code, geom, accuracy_m,"
    " speed_mps, implausible_speed, poor_accuracy, grid_code)"
    " SELECT %(user)s, s.t, %(county)s, %(township)s, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),"
    " s.accuracy_m, s.speed_mps, s.implausible_speed, s.poor_accuracy, s.grid_code"
    " FROM track_points_staging s"
    " ON CONFLICT (user_id, t) DO NOTHING RETURNING t"
    "), emptied AS (DELETE FROM track_points_staging)"
    " SELECT t FROM stored"
)
# The stored point before a batch, for the first point's speed. Only the last hour counts (an
# older point says nothing about a jump), which also keeps the scan small when the planner's
# statistics lag behind the bulk writes.
PREVIOUS_WINDOW = timedelta(hours=1)
PREVIOUS_SQL = text(
    "SELECT t AS at, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM track_points"
    " WHERE user_id = :u AND t < :t AND t > :since AND NOT implausible_speed"
    " ORDER BY t DESC LIMIT 1"
)


def _error(code: str, detail: str, status: int = 422) -> dict:
    return {"status": "error", "problem": problem_body(status, code, detail)}


def _failed(exc: GeoInputError) -> dict:
    return {"status": "error", "problem": as_problem(exc)}


def _number(value) -> float | None:
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    return None


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class _Batch:
    """The valid points of a batch as parallel lists (then arrays), in input order."""

    def __init__(self) -> None:
        self.index: list[int] = []
        self.t: list[datetime] = []
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.accuracy: list[float] = []
        self.crs: list[str] = []

    def add(self, i: int, t: datetime, lon: float, lat: float, acc: float, crs: str) -> None:
        self.index.append(i)
        self.t.append(t)
        self.lon.append(lon)
        self.lat.append(lat)
        self.accuracy.append(acc)
        self.crs.append(crs)


def ingest_track_points(principal, points: list[dict], crs: str | None = None) -> list[dict]:
    """Store a batch of the caller's GPS points; one result per point, in order.

    Writes in the caller's transaction (the tracks endpoint's own, or the offline sync's together
    with its incident reports); the caller commits.

    Args:
        principal: the uploading user (``Principal`` or ``User``): a ``grid_worker`` with a township.
        points: dicts with ``t`` (RFC 3339 with offset), ``lon``, ``lat``, optional ``accuracy_m``
            (metres) and optional ``crs`` overriding the batch's.
        crs: the batch's CRS (EPSG:4326 when None; EPSG:4490, GCJ02, BD09, projected EPSG codes).

    Returns:
        ``{"status": "created"}``, ``{"status": "replayed"}`` (same worker and ``t`` already
        stored, or repeated in the batch) or ``{"status": "error", "problem": {...}}`` (the RFC 9457 members a single request would get).

    Raises:
        TooLarge: ``track.too_many_points`` when the batch exceeds ``TRACK_MAX_POINTS``.
    """
    cfg = current_app.config
    if len(points) > cfg["TRACK_MAX_POINTS"]:
        raise TooLarge(
            f"At most {cfg['TRACK_MAX_POINTS']} track points per request; split the batch.",
            code="track.too_many_points",
        )
    if principal.role != "grid_worker" or not principal.township_code:
        problem = _error("track.role_forbidden", "Only grid workers upload patrol tracks.", 403)
        return [problem for _ in points]
    try:
        batch_crs = normalize_crs(crs) or WGS84
    except GeoInputError as exc:
        return [_failed(exc) for _ in points]
    results: list[dict | None] = [None] * len(points)
    batch = _validate(points, batch_crs, results, cfg)
    _convert(batch, results)
    keep = [k for k, i in enumerate(batch.index) if results[i] is None]
    if keep:
        _store(principal, batch, keep, results, cfg)
    return results  # type: ignore[return-value]


def _validate(points: list, batch_crs: str, results: list, cfg) -> _Batch:
    now = utcnow()
    newest = now + timedelta(seconds=cfg["TRACK_MAX_FUTURE_SECONDS"])
    oldest = now - timedelta(days=cfg["TRACK_MAX_AGE_DAYS"])
    crs_cache: dict = {}
    batch = _Batch()
    for i, point in enumerate(points):
        if not isinstance(point, dict):
            results[i] = _error("track.bad_point", "A track point is an object {t, lon, lat}.")
            continue
        t = _parse_time(point.get("t"))
        if t is None:
            results[i] = _error("track.bad_time", "t must be an RFC 3339 time with an offset.")
            continue
        if t > newest:
            results[i] = _error("track.future_time", f"t ({point['t']}) lies in the future.")
            continue
        if t < oldest:
            results[i] = _error(
                "track.too_old", f"t is more than {cfg['TRACK_MAX_AGE_DAYS']} days old."
            )
            continue
        lon, lat = point.get("lon"), point.get("lat")
        if (
            type(lon) not in _NUMBERS
            or type(lat) not in _NUMBERS
            or not (math.isfinite(lon) and math.isfinite(lat))
        ):
            results[i] = _error("coordinates.out_of_range", "lon and lat must be finite numbers.")
            continue
        accuracy = point.get("accuracy_m")
        if accuracy is not None:
            accuracy = _number(accuracy)
            if accuracy is None or accuracy < 0:
                results[i] = _error("track.bad_accuracy", "accuracy_m must be a number >= 0.")
                continue
        point_crs = batch_crs
        if point.get("crs") is not None:
            raw = point["crs"]
            if raw not in crs_cache:
                try:
                    crs_cache[raw] = normalize_crs(raw)
                except (GeoInputError, TypeError) as exc:
                    crs_cache[raw] = exc
            point_crs = crs_cache[raw]
            if isinstance(point_crs, Exception):
                results[i] = _error("crs.unknown", f"Unknown crs {raw!r}.")
                continue
        batch.add(i, t, lon, lat, math.nan if accuracy is None else accuracy, point_crs)
    return batch


def _convert(batch: _Batch, results: list) -> None:
    """Everything to WGS84 lon/lat; refuse swapped or out-of-range coordinates per point."""
    lons = np.asarray(batch.lon, dtype=float)
    lats = np.asarray(batch.lat, dtype=float)
    plain = np.fromiter((c in _PLAIN for c in batch.crs), dtype=bool, count=len(batch.crs))
    in_box = (lons >= 73.5) & (lons <= 135.1) & (lats >= 3.8) & (lats <= 53.6)
    for k in np.flatnonzero(plain & ~in_box).tolist():
        try:
            # Raises with the precise reason (swapped, outside …); plain floats keep the problem's
            # extra members JSON-serialisable.
            check_point(float(lons[k]), float(lats[k]))
        except GeoInputError as exc:
            results[batch.index[k]] = _failed(exc)
    for k in np.flatnonzero(~plain).tolist():
        try:
            batch.lon[k], batch.lat[k] = point_to_wgs84(
                float(lons[k]), float(lats[k]), batch.crs[k]
            )
        except GeoInputError as exc:
            results[batch.index[k]] = _failed(exc)


def _store(principal, batch: _Batch, keep: list[int], results: list, cfg) -> None:
    # One row per (worker, t): the first occurrence in the batch wins, repeats are replays.
    # Aware datetimes hash and compare by instant, so "+08:00" and "Z" spellings of one moment
    # meet, and so do the values PostgreSQL returns (both have microsecond resolution).
    first: dict[datetime, int] = {}
    for k in keep:
        key = batch.t[k]
        if key in first:
            results[batch.index[k]] = {"status": "replayed"}
        else:
            first[key] = k
    order = sorted(first.values(), key=lambda k: batch.t[k])
    t = [batch.t[k] for k in order]
    lon = np.asarray([batch.lon[k] for k in order], dtype=float)
    lat = np.asarray([batch.lat[k] for k in order], dtype=float)
    acc = np.asarray([batch.accuracy[k] for k in order], dtype=float)
    # Months first, before this transaction reads track_points (see partitions.py).
    ensure_partitions(t[0], t[-1])
    speed, jump = _speeds(principal.id, t, lon, lat, cfg["TRACK_MAX_SPEED_MPS"])
    poor = np.nan_to_num(acc, nan=0.0) > cfg["TRACK_MAX_ACCURACY_M"]
    located = locate_many(list(zip(lon.tolist(), lat.tolist(), strict=True)), number=None)
    grids = [r["grid"]["code"] if r["grid"] else None for r in located]
    stored = _copy_insert(principal, t, lon, lat, acc, speed, jump, poor, grids)
    for k, moment in zip(order, t, strict=True):
        results[batch.index[k]] = {"status": "created" if moment in stored else "replayed"}


def _speeds(user_id: int, t: list[datetime], lon, lat, max_speed: float):
    """Speed from the previous point (the stored one before the batch, when there is one) and
    the spike flag: reaching *and* leaving the point would both be implausibly fast."""
    prev = db.session.execute(
        PREVIOUS_SQL, {"u": user_id, "t": t[0], "since": t[0] - PREVIOUS_WINDOW}
    ).first()
    secs = np.fromiter((m.timestamp() for m in t), dtype=float, count=len(t))
    if prev is not None:
        secs = np.concatenate([[prev.at.timestamp()], secs])
        lon = np.concatenate([[prev.lon], lon])
        lat = np.concatenate([[prev.lat], lat])
    n = len(secs)
    step = np.full(n, np.nan)  # step[i]: speed from point i-1 to point i
    if n > 1:
        _, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
        step[1:] = np.asarray(dist) / np.maximum(secs[1:] - secs[:-1], 1e-3)
    fast_in = np.nan_to_num(step, nan=0.0) > max_speed
    fast_out = np.zeros(n, dtype=bool)
    fast_out[:-1] = fast_in[1:]
    # A point with no predecessor is judged by the next two steps (it is the odd one out when
    # leaving it is too fast but the step after is plausible).
    jump = fast_in & fast_out
    # The last point has no way out: it is the jump unless the point before it was.
    jump[-1] = fast_in[-1] and not (n > 1 and jump[-2])
    # A point with no predecessor is the odd one out when leaving it is too fast but the step
    # after that is plausible.
    if n > 2 and np.isnan(step[0]) and fast_out[0] and not fast_in[2]:
        jump[0] = True
    if prev is not None:
        step, jump = step[1:], jump[1:]
    return step, jump


def _copy_insert(principal, t, lon, lat, acc, speed, jump, poor, grids) -> set[datetime]:
    def column(values: np.ndarray) -> list[str]:
        return [NULL if v != v else repr(v) for v in values.tolist()]  # NaN -> NULL

    flag = {True: "t", False: "f"}
    lines = [
        f"{m.isoformat()}\t{x!r}\t{y!r}\t{a}\t{v}\t{flag[j]}\t{flag[p]}\t{g or NULL}\n"
        for m, x, y, a, v, j, p, g in zip(
            t,
            lon.tolist(),
            lat.tolist(),
            column(acc),
            column(speed),
            jump.tolist(),
            poor.tolist(),
            grids,
            strict=True,
        )
    ]
    buffer = io.StringIO("".join(lines))
    db.session.execute(STAGING_DDL)
    cursor = db.session.connection().connection.cursor()
    cursor.copy_expert("COPY track_points_staging FROM STDIN", buffer)
    cursor.execute(
        INSERT_SQL,
        {
            "user": principal.id,
            "county": principal.county_code,
            "township": principal.township_code,
        },
    )
    return {r[0] for r in cursor.fetchall()}
