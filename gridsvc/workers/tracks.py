"""Patrol track ingestion: validate, flag, locate and bulk-write a batch of GPS points.

``ingest_track_points`` is the one entry point, used by ``POST /api/v1/tracks`` and by the offline
``/api/v1/sync`` (incidents room). It answers one result per input point, in order, and a bad point
never fails the others. The write path is built for volume:

- validation is a tight loop over plain dicts (no per-point schema objects); WGS84/CGCS2000
  coordinates are range-checked with numpy, GCJ-02/BD-09 and projected input go through
  :func:`gridsvc.geo.crs.point_to_wgs84`;
- plausibility (speed from the previous point, GPS accuracy) and distances are vectorised with
  pyproj's geodesic;
- grids come from the boundaries face's ``queries.grid_codes`` (the in-process index);
- rows go by ``COPY`` straight into ``track_points`` after one read of the instants already stored
  (:mod:`gridsvc.workers.track_writes`): a replayed point is stored once and reported
  ``replayed``, also when two uploads of it race.

Flags: a point is ``implausible_speed`` when reaching it *and* leaving it would both need more than
``TRACK_MAX_SPEED_MPS`` (a single GPS jump, not the honest point after it); ``poor_accuracy`` when
the phone reports an accuracy radius above ``TRACK_MAX_ACCURACY_M``. Flagged points are kept.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
from flask import current_app

from gridsvc.accounts import utcnow
from gridsvc.boundaries import queries as boundary_queries
from gridsvc.errors import TooLarge, as_problem, problem_body
from gridsvc.geo.crs import CGCS2000, WGS84, check_point, normalize_crs, point_to_wgs84
from gridsvc.geo.errors import GeoInputError
from gridsvc.workers import track_binary, track_writes

_PLAIN = (WGS84, CGCS2000)
_NUMBERS = (int, float)  # exact types: JSON true/false must not pass as 1/0
# PostgreSQL keeps UTC offsets up to 15:59; Python parses up to 23:59.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def _error(code: str, detail: str, status: int = 422) -> dict:
    return {"status": "error", "problem": problem_body(status, code, detail)}


def _failed(exc: GeoInputError) -> dict:
    return {"status": "error", "problem": as_problem(exc)}


def _number(value) -> float | None:
    if type(value) in (int, float) and math.isfinite(value):
        return float(value)
    return None


def _parse_time(value) -> datetime | None:
    if type(value) is not str or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    offset = moment.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        return None
    return moment


class _Batch:
    """The valid points of a batch as parallel lists (then arrays), in input order."""

    def __init__(self) -> None:
        self.index: list[int] = []
        self.t: list[datetime] = []
        self.secs: list[float] = []  # t.timestamp(): for order, repeats, speeds and the COPY
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.accuracy: list[float] = []
        self.crs: list[str] = []

    def add(self, i: int, t: datetime, lon: float, lat: float, acc: float, crs: str) -> None:
        self.index.append(i)
        self.t.append(t)
        self.secs.append(t.timestamp())
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


def _validate(points, batch_crs: str, results: list, cfg) -> _Batch:
    now = utcnow()
    newest = now + timedelta(seconds=cfg["TRACK_MAX_FUTURE_SECONDS"])
    oldest = now - timedelta(days=cfg["TRACK_MAX_AGE_DAYS"])
    # The hot loop compares epoch seconds: ordered exactly as the instants are (see _store), and
    # needed later anyway, where two aware datetimes with tzinfos of their own compare slowly.
    newest_s, oldest_s = newest.timestamp(), oldest.timestamp()
    crs_cache: dict = {}
    batch = _Batch()
    # The hot loop (up to 5,000 points a request): the common point, every check passed, is
    # taken in one expression with local names; any other goes through _check, which names the
    # first check it fails (the same checks, in the order the errors report them).
    parse, finite, numbers, nan = datetime.fromisoformat, math.isfinite, _NUMBERS, math.nan
    add_index, add_t, add_lon, add_lat = (
        batch.index.append,
        batch.t.append,
        batch.lon.append,
        batch.lat.append,
    )
    add_acc, add_crs, add_secs = batch.accuracy.append, batch.crs.append, batch.secs.append
    for i, point in enumerate(points):
        if type(point) is dict:
            raw, lon, lat, acc = (
                point.get("t"),
                point.get("lon"),
                point.get("lat"),
                point.get("accuracy_m"),
            )
            if (
                type(raw) is str
                and len(raw) <= 40
                and type(lon) in numbers
                and type(lat) in numbers
                and finite(lon)
                and finite(lat)
                and (acc is None or (type(acc) in numbers and finite(acc) and acc >= 0))
                and point.get("crs") is None
            ):
                try:
                    t = parse(raw)
                except ValueError:
                    t = None
                offset = t.utcoffset() if t is not None else None
                if (
                    offset is not None
                    and abs(offset) <= MAX_UTC_OFFSET
                    and oldest_s <= (secs := t.timestamp()) <= newest_s
                ):
                    add_index(i)
                    add_t(t)
                    add_secs(secs)
                    add_lon(lon)
                    add_lat(lat)
                    add_acc(nan if acc is None else float(acc))
                    add_crs(batch_crs)
                    continue
        outcome = _check(point, batch_crs, crs_cache, newest, oldest, cfg)
        if type(outcome) is dict:
            results[i] = outcome
        else:
            batch.add(i, *outcome)
    return batch


def _check(point, batch_crs: str, crs_cache: dict, newest, oldest, cfg) -> dict | tuple:
    """One point through every check: the error result of the first it fails, else
    (t, lon, lat, accuracy, crs)."""
    if not isinstance(point, dict):
        return _error("track.bad_point", "A track point is an object {t, lon, lat}.")
    t = _parse_time(point.get("t"))
    if t is None:
        return _error("track.bad_time", "t must be an RFC 3339 time with an offset within ±15:59.")
    if t > newest:
        return _error("track.future_time", f"t ({point['t']}) lies in the future.")
    if t < oldest:
        return _error("track.too_old", f"t is more than {cfg['TRACK_MAX_AGE_DAYS']} days old.")
    lon, lat = point.get("lon"), point.get("lat")
    if (
        type(lon) not in _NUMBERS
        or type(lat) not in _NUMBERS
        or not (math.isfinite(lon) and math.isfinite(lat))
    ):
        return _error("coordinates.out_of_range", "lon and lat must be finite numbers.")
    accuracy = point.get("accuracy_m")
    if accuracy is not None:
        accuracy = _number(accuracy)
        if accuracy is None or accuracy < 0:
            return _error("track.bad_accuracy", "accuracy_m must be a number >= 0.")
    point_crs = batch_crs
    if point.get("crs") is not None:
        raw = point["crs"]
        if type(raw) is not str:  # a list or an object would not even hash
            return _error("crs.unknown", "crs must be a string such as EPSG:4326 or GCJ02.")
        if raw not in crs_cache:
            try:
                crs_cache[raw] = normalize_crs(raw)
            except (GeoInputError, TypeError) as exc:
                crs_cache[raw] = exc
        point_crs = crs_cache[raw]
        if isinstance(point_crs, Exception):
            return _error("crs.unknown", f"Unknown crs {raw!r}.")
    return t, lon, lat, math.nan if accuracy is None else accuracy, point_crs


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
    # Instants are compared as float seconds since the epoch (datetime.timestamp: the exact
    # microsecond count over 10**6), equal exactly when the instants are, whatever offset spelled
    # them, and so are the values PostgreSQL returns; sorting and matching them in numpy costs
    # far less than aware datetimes, each with a tzinfo of its own to consult.
    kept = np.asarray(keep, dtype=np.int64)
    secs_in = np.asarray(batch.secs, dtype=float)[kept]
    by_time = np.argsort(secs_in, kind="stable")  # among equal instants, input order
    ordered = secs_in[by_time]
    repeat = np.zeros(len(keep), dtype=bool)
    repeat[1:] = ordered[1:] == ordered[:-1]
    for k in kept[by_time[repeat]].tolist():
        results[batch.index[k]] = {"status": "replayed"}
    order = kept[by_time[~repeat]].tolist()
    secs = ordered[~repeat]
    t = [batch.t[k] for k in order]
    lon = np.asarray(batch.lon, dtype=float)[order]
    lat = np.asarray(batch.lat, dtype=float)[order]
    acc = np.asarray(batch.accuracy, dtype=float)[order]
    previous, stored = track_writes.stored_before(principal.id, t)
    speed, jump = track_writes.speeds(previous, t, lon, lat, cfg["TRACK_MAX_SPEED_MPS"], secs=secs)
    stored_secs = np.fromiter((m.timestamp() for m in stored), dtype=float, count=len(stored))
    new = ~np.isin(secs, stored_secs)
    created: set[float] | None = set()
    if new.any():
        poor = np.nan_to_num(acc, nan=0.0) > cfg["TRACK_MAX_ACCURACY_M"]
        where = np.flatnonzero(new)
        grids = boundary_queries.grid_codes(lon[where], lat[where])
        rows = track_binary.rows_binary(
            principal,
            lon[where],
            lat[where],
            acc[where],
            speed[where],
            jump[where],
            poor[where],
            grids,
            secs=secs[where],
        )
        stored_now = track_writes.write(rows)
        created = None if stored_now is None else {m.timestamp() for m in stored_now}
    for k, moment, fresh in zip(order, secs.tolist(), new.tolist(), strict=True):
        done = fresh if created is None else moment in created
        results[batch.index[k]] = {"status": "created" if done else "replayed"}
