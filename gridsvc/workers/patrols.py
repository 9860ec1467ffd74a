"""Patrol figures from stored tracks: one worker-day, a township's day, a worker's day as GeoJSON.

The day is the Asia/Shanghai calendar day. Figures are computed on request (a worker-day of a few
thousand points takes tens of milliseconds, see bench/tracks.py), from three reads: the day's
points (primary key range scan), the assignments that overlapped the day, and the grid polygons
in force at the end of that day. "Last patrolled" per grid is ``max(t)`` over plausible points,
answered by the partial index ``ix_track_points_grid_t``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import shapely
from flask import current_app
from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.boundaries import UNIFIED_LAYER, store
from gridsvc.boundaries.queries import generation_filter
from gridsvc.extensions import db
from gridsvc.geo.convert import to_geojson
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import day_summaries, patrol_figures
from gridsvc.workers.access import require_township, visible_user

POINTS_SQL = text(
    "SELECT user_id, t AS at, ST_X(geom) AS lon, ST_Y(geom) AS lat, implausible_speed, poor_accuracy,"
    " grid_code FROM track_points"
    " WHERE user_id = ANY(:users) AND t >= :start AND t < :end ORDER BY user_id, t"
)
ASSIGNED_SQL = text(
    "SELECT user_id, grid_code, role, valid_from, valid_to FROM grid_assignments"
    " WHERE user_id = ANY(:users) AND layer = :layer AND valid_from < :end"
    " AND (valid_to IS NULL OR valid_to > :start) ORDER BY user_id, grid_code, valid_from"
)
# The raw points first; the day summaries only when retention dropped every raw point of the
# grid (any kept point is newer than every dropped one; COALESCE skips the second scan).
LAST_PATROLLED_SQL = text(
    "SELECT c.code, COALESCE("
    " (SELECT max(p.t) FROM track_points p WHERE p.grid_code = c.code AND NOT p.implausible_speed),"
    " (SELECT max(s.last_t) FROM patrol_day_grids s WHERE s.grid_code = c.code)) AS last_t"
    " FROM unnest(CAST(:codes AS text[])) AS c(code)"
)
SEEN_SQL = text(
    "SELECT grid_code, count(*) FROM track_points WHERE grid_code = ANY(:codes)"
    " AND t >= :start AND t < :end AND NOT implausible_speed GROUP BY grid_code"
)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def settings() -> patrol_figures.Settings:
    cfg = current_app.config
    return patrol_figures.Settings(
        max_gap_s=float(cfg["PATROL_MAX_GAP_SECONDS"]),
        buffer_m=float(cfg["PATROL_BUFFER_M"]),
        alert_after_s=float(cfg["PATROL_ALERT_AFTER_SECONDS"]),
    )


def _grid_polygons(codes: set[str], end: datetime, layer: str) -> dict[str, tuple]:
    """code -> (name, polygon) of the grid versions in force at ``end`` (the day's boundaries)."""
    if not codes:
        return {}
    number = store.generation_at(end) or store.current_generation_number()
    rows = db.session.execute(
        text(
            "SELECT a.code, a.name, ST_AsBinary(a.geom) AS wkb FROM areas a"  # noqa: S608
            f" WHERE a.level = 'grid' AND a.layer = :layer AND a.code = ANY(:codes)"
            f" AND {generation_filter(number)}"
        ),
        {"layer": layer, "codes": sorted(codes)},
    )
    return {r.code: (r.name, shapely.from_wkb(bytes(r.wkb))) for r in rows}


def last_patrolled(codes: list[str]) -> dict[str, datetime | None]:
    if not codes:
        return {}
    return dict(db.session.execute(LAST_PATROLLED_SQL, {"codes": codes}).all())


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(SHANGHAI) if moment is not None else None


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).astimezone(SHANGHAI)


def _assignments(users: list[int], day: date, layer: str):
    """The assignments that overlapped the day, the polygons of their grids (in force at the
    day's end) and, per user, assigned grid code -> polygon."""
    start, end = day_bounds(day)
    params = {"users": users, "start": start, "end": end, "layer": layer}
    held: dict[int, list] = defaultdict(list)
    for row in db.session.execute(ASSIGNED_SQL, params):
        held[row.user_id].append(row)
    polygons = _grid_polygons({r.grid_code for rows in held.values() for r in rows}, end, layer)
    assigned = {
        user: {r.grid_code: polygons[r.grid_code][1] for r in held[user] if r.grid_code in polygons}
        for user in users
    }
    return held, polygons, assigned


def _figures_for(
    users: list[int], day: date, layer: str
) -> tuple[dict[int, dict], dict[str, tuple], dict[int, list]]:
    """Per user the day's figures; also the polygons and assignments used.

    From the raw points while their month is kept, else from the stored day summaries (which
    hold the unified layer's figures).
    """
    held, polygons, assigned = _assignments(users, day, layer)
    if layer == UNIFIED_LAYER and not day_summaries.raw_points_kept(day):
        figures = day_summaries.figures_from_summaries(users, day, assigned, settings())
    else:
        figures = _figures_from_points(users, day, assigned)
    return figures, polygons, held


def _figures_from_points(users: list[int], day: date, assigned: dict[int, dict]) -> dict[int, dict]:
    start, end = day_bounds(day)
    points: dict[int, list] = defaultdict(list)
    for row in db.session.execute(POINTS_SQL, {"users": users, "start": start, "end": end}):
        points[row.user_id].append(row[1:])
    config = settings()
    figures = {}
    for user in users:
        rows = points.get(user, [])
        day_points = patrol_figures.DayPoints.from_rows(rows)
        figures[user] = patrol_figures.compute(day_points, assigned[user], config)
        figures[user]["first_t"] = _local(rows[0][0]) if rows else None
        figures[user]["last_t"] = _local(rows[-1][0]) if rows else None
    return figures


def figures_of_day(users: list[int], day: date) -> dict[int, dict]:
    """The unified layer's figures of ``users`` on ``day`` from the raw points (for summaries)."""
    return _figures_from_points(users, day, _assignments(users, day, UNIFIED_LAYER)[2])


def worker_day(scope: Scope, user_id: int, day: date, layer: str = UNIFIED_LAYER) -> dict:
    """``GET /workers/{id}/patrols?date=``: one worker's figures for one day."""
    user = visible_user(scope, user_id)
    figures, polygons, held = _figures_for([user.id], day, layer)
    fig = figures[user.id]
    last = last_patrolled(sorted(fig["grids"]))
    roles = {r.grid_code: r.role for r in held[user.id]}
    grids = [
        {
            "grid_code": code,
            "name": polygons[code][0],
            "role": roles.get(code),
            **values,
            "last_patrolled_at": _local(last.get(code)),
        }
        for code, values in sorted(fig["grids"].items())
    ]
    return {
        "user_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "date": day,
        "timezone": "Asia/Shanghai",
        **{k: v for k, v in fig.items() if k not in ("grids", "alerts")},
        "grids": grids,
        "alerts": [_alert(a) for a in fig["alerts"]],
        "settings": _settings_out(),
    }


def _alert(alert: dict) -> dict:
    return {**alert, "start": _from_epoch(alert["start"]), "end": _from_epoch(alert["end"])}


def _settings_out() -> dict:
    config = settings()
    return {
        "max_gap_s": config.max_gap_s,
        "buffer_m": config.buffer_m,
        "alert_after_s": config.alert_after_s,
    }


def township_summary(scope: Scope, township: str, day: date, layer: str = UNIFIED_LAYER) -> dict:
    """Per worker and per grid of a township for one day, with the grids nobody patrolled."""
    require_township(scope, township)
    workers = list(
        db.session.execute(
            text(
                "SELECT u.id, u.username, u.display_name FROM worker_profiles w"
                " JOIN users u ON u.id = w.user_id WHERE w.township_code = :t ORDER BY u.id"
            ),
            {"t": township},
        )
    )
    grids = db.session.execute(
        text(
            "SELECT a.code, a.name,"
            " (SELECT g.user_id FROM grid_assignments g WHERE g.layer = :layer"
            "  AND g.grid_code = a.code AND g.role = 'primary' AND g.valid_to IS NULL) AS primary_user"
            " FROM areas a WHERE a.level = 'grid' AND a.layer = :layer AND a.township_code = :t"
            " AND a.gen_from IS NOT NULL AND a.gen_to IS NULL ORDER BY a.code"
        ),
        {"t": township, "layer": layer},
    ).all()
    figures, _polygons, _held = _figures_for([w.id for w in workers], day, layer)
    start, end = day_bounds(day)
    codes = [g.code for g in grids]
    if day_summaries.raw_points_kept(day):
        seen = dict(
            db.session.execute(SEEN_SQL, {"codes": codes, "start": start, "end": end}).all()
        )
    else:
        seen = day_summaries.seen_from_summaries(codes, day)
    last = last_patrolled(codes)
    best: dict[str, float] = {}
    for fig in figures.values():
        for code, values in fig["grids"].items():
            best[code] = max(best.get(code, 0.0), values["coverage"])
    worker_items = [
        {
            "user_id": w.id,
            "username": w.username,
            "display_name": w.display_name,
            **{
                k: figures[w.id][k]
                for k in ("points", "distance_m", "patrol_s", "inside_s", "inside_share")
            },
            "grids": len(figures[w.id]["grids"]),
            "mean_coverage": _mean([g["coverage"] for g in figures[w.id]["grids"].values()]),
            "alerts": len(figures[w.id]["alerts"]),
        }
        for w in workers
    ]
    grid_items = [
        {
            "grid_code": g.code,
            "name": g.name,
            "primary_user_id": g.primary_user,
            "patrolled": g.code in seen,
            "points": int(seen.get(g.code, 0)),
            "coverage": best.get(g.code),
            "last_patrolled_at": _local(last.get(g.code)),
        }
        for g in grids
    ]
    return {
        "township": township,
        "date": day,
        "timezone": "Asia/Shanghai",
        "workers": worker_items,
        "grids": grid_items,
        "not_patrolled": [g["grid_code"] for g in grid_items if not g["patrolled"]],
        "settings": _settings_out(),
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def worker_track(scope: Scope, user_id: int, day: date) -> dict:
    """The day's track as GeoJSON: the walked lines, and the flagged points separately."""
    user = visible_user(scope, user_id)
    start, end = day_bounds(day)
    rows = db.session.execute(POINTS_SQL, {"users": [user.id], "start": start, "end": end}).all()
    day_points = patrol_figures.DayPoints.from_rows([r[1:] for r in rows])
    good = ~day_points.flagged
    gaps = settings().max_gap_s
    lon, lat, t = day_points.lon[good], day_points.lat[good], day_points.t[good]
    features = []
    track = patrol_figures.track_geometry(lon, lat, (t[1:] - t[:-1]) <= gaps) if len(t) else None
    if track is not None:
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "track", "points": len(t)},
                "geometry": to_geojson(track),
            }
        )
    for row in rows:
        if row.implausible_speed or row.poor_accuracy:
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "kind": "flagged",
                        "t": _local(row.at),
                        "implausible_speed": row.implausible_speed,
                        "poor_accuracy": row.poor_accuracy,
                        "grid_code": row.grid_code,
                    },
                    "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                }
            )
    return {"type": "FeatureCollection", "user_id": user.id, "date": day, "features": features}
