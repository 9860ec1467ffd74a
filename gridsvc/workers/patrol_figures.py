"""Patrol figures of one worker-day from its points (pure: numpy, shapely, pyproj; no database).

Definitions (what a county supervisor reads off the report):

- Only *good* points count: flagged ones (GPS jump, poor accuracy) are stored but ignored here.
- A *step* joins two consecutive good points. A step longer than ``max_gap_s`` is a pause (phone
  off, lunch, off duty): it adds neither distance nor time and the track is broken there.
- **distance** = geodesic length of the steps; **patrol time** = their duration.
- **time inside the assigned grids**: each step's duration is split half to either end and
  counted for the grid the end point lies in (a track wholly inside counts entirely).
- **coverage** of a grid = area of (grid ∩ track buffered by ``buffer_m``) / grid area; the
  buffer is drawn in a local equidistant projection (true metres), areas are equal-area.
- **out-of-grid alerts**: runs of good points outside every assigned grid lasting at least
  ``alert_after_s`` (a pause ends a run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod

from gridsvc.geo.area import area_m2, buffer_m

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Settings:
    max_gap_s: float = 300.0
    buffer_m: float = 50.0
    alert_after_s: float = 900.0


@dataclass(frozen=True)
class DayPoints:
    """A worker's points of one day, sorted by time."""

    t: np.ndarray  # seconds since the epoch (float)
    lon: np.ndarray
    lat: np.ndarray
    flagged: np.ndarray  # bool: implausible speed or poor accuracy
    grid: list  # grid code per point, or None outside every grid

    @classmethod
    def from_rows(cls, rows) -> DayPoints:
        """Rows of (t: datetime, lon, lat, implausible_speed, poor_accuracy, grid_code)."""
        n = len(rows)
        return cls(
            t=np.fromiter((r[0].timestamp() for r in rows), dtype=float, count=n),
            lon=np.fromiter((r[1] for r in rows), dtype=float, count=n),
            lat=np.fromiter((r[2] for r in rows), dtype=float, count=n),
            flagged=np.fromiter((bool(r[3] or r[4]) for r in rows), dtype=bool, count=n),
            grid=[r[5] for r in rows],
        )


def track_geometry(lon: np.ndarray, lat: np.ndarray, on: np.ndarray):
    """The walked lines (runs of on-patrol steps) plus lone points, in lon/lat, or None."""
    parts, start = [], 0
    for k in range(len(lon)):
        if k == len(lon) - 1 or not on[k]:  # the run start..k ends here
            if k > start:
                parts.append(shapely.linestrings(lon[start : k + 1], lat[start : k + 1]))
            else:
                parts.append(shapely.points(lon[k], lat[k]))
            start = k + 1
    if not parts:
        return None
    return shapely.geometrycollections(parts)


def compute(points: DayPoints, grids: dict[str, object], settings: Settings) -> dict:
    """Figures for one worker-day; ``grids`` maps each assigned grid code to its polygon."""
    good = ~points.flagged
    t, lon, lat = points.t[good], points.lon[good], points.lat[good]
    codes = [g for g, ok in zip(points.grid, good.tolist(), strict=True) if ok]
    n = len(t)
    dt = np.diff(t)
    dist = np.asarray(GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]) if n > 1 else np.zeros(0)
    on = dt <= settings.max_gap_s
    inside = np.fromiter((c in grids for c in codes), dtype=bool, count=n)
    half = np.where(on, dt, 0.0) / 2
    per_grid_s = dict.fromkeys(grids, 0.0)
    per_grid_points = dict.fromkeys(grids, 0)
    for k, code in enumerate(codes):
        if code in grids:
            per_grid_points[code] += 1
            per_grid_s[code] += (half[k - 1] if k > 0 else 0.0) + (half[k] if k < n - 1 else 0.0)
    coverage = _coverage(lon, lat, on, grids, settings.buffer_m)
    patrol_s = float(np.sum(dt[on])) if n > 1 else 0.0
    inside_s = float(sum(per_grid_s.values()))
    return {
        "points": len(points.t),
        "flagged_points": int(np.count_nonzero(points.flagged)),
        "distance_m": round(float(np.sum(dist[on])) if n > 1 else 0.0, 1),
        "patrol_s": round(patrol_s, 1),
        "inside_s": round(inside_s, 1),
        "inside_share": round(inside_s / patrol_s, 4) if patrol_s > 0 else None,
        "grids": {
            code: {
                "points": per_grid_points[code],
                "inside_s": round(per_grid_s[code], 1),
                **coverage[code],
            }
            for code in grids
        },
        "alerts": _alerts(t, codes, inside, on, settings.alert_after_s) if grids else [],
    }


def _coverage(lon, lat, on, grids: dict, buffer: float) -> dict[str, dict]:
    empty = {"coverage": 0.0, "covered_m2": 0.0}
    track = track_geometry(lon, lat, on) if len(lon) else None
    if track is None or not grids:
        return {code: dict(empty) for code in grids}
    swath = buffer_m(track, buffer, quad_segs=8)
    codes = list(grids)
    polygons = np.asarray([grids[c] for c in codes], dtype=object)
    covered = area_m2(shapely.intersection(polygons, swath))
    whole = area_m2(polygons)
    return {
        code: {
            "coverage": round(float(c / a), 4) if a > 0 else 0.0,
            "covered_m2": round(float(c), 1),
        }
        for code, c, a in zip(codes, covered.tolist(), whole.tolist(), strict=True)
    }


def _alerts(t, codes, inside, on, threshold: float) -> list[dict]:
    alerts, start = [], None
    for k in range(len(t) + 1):
        ended = k == len(t) or inside[k] or (k > 0 and not on[k - 1])
        if start is not None and ended:
            # The stretch lasts until the worker is seen back inside (when no pause intervenes).
            back = k < len(t) and inside[k] and on[k - 1]
            end = k if back else k - 1
            duration = t[end] - t[start]
            if duration >= threshold:
                alerts.append(
                    {
                        "start": float(t[start]),
                        "end": float(t[end]),
                        "duration_s": round(float(duration), 1),
                        "points": (k - start),
                        "grids": sorted({c for c in codes[start:k] if c}),
                    }
                )
            start = None
        if k < len(t) and not inside[k] and start is None:
            start = k
    return alerts
