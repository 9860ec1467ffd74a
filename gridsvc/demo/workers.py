"""Demo grid workers: profiles, primary grids, and one realistic patrol day for worker_yuhulu.

Everything goes through the workers room's own service functions (profiles, assignments, track
ingestion), so the demo exercises the same checks users meet. Loading twice changes nothing: a
profile, an assignment or a track that exists is left alone.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import shapely
from sqlalchemy import text

from gridsvc.accounts import SHELL_SCOPE
from gridsvc.accounts import service as accounts
from gridsvc.boundaries import UNIFIED_LAYER
from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import assigned_grid_codes, assignments, ingest_track_points, profiles
from gridsvc.workers.models import WorkerProfile
from gridsvc.workers.patrols import day_bounds

DEMO_WORKERS = {
    "worker_yuhulu": {"employment": "full_time", "notes": "专职网格员，负责雨湖路街道示范网格"},
    "worker_chengzheng": {"employment": "part_time", "notes": "兼职网格员（社区干部兼任）"},
}
GRIDS_EACH = 3
STEP_S = 10  # a phone app samples about every 10 s while patrolling
WALK_MPS = 1.3

# Vacant grids of a township with the grids they share a boundary line with, first by code.
VACANT_SQL = text(
    """
    WITH g AS (
        SELECT code, geom FROM areas
        WHERE level = 'grid' AND layer = :layer AND township_code = :t
          AND gen_from IS NOT NULL AND gen_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM grid_assignments a WHERE a.layer = :layer
                          AND a.grid_code = areas.code AND a.role = 'primary' AND a.valid_to IS NULL)
    )
    SELECT a.code, array_remove(array_agg(b.code ORDER BY b.code), NULL) AS neighbours
    FROM g a LEFT JOIN g b ON b.code <> a.code AND a.geom && b.geom
         AND ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)) > 0
    GROUP BY a.code ORDER BY a.code
    """
)


def load_demo_workers(echo=print) -> None:
    for username, fields in DEMO_WORKERS.items():
        user = accounts.find_by_username(username)
        if user is None:
            echo(f"demo: {username} missing, no worker data")
            continue
        if db.session.get(WorkerProfile, user.id) is None:
            profiles.create_profile(SHELL_SCOPE, {"user_id": user.id, **fields})
            echo(f"demo: worker profile for {username}")
        if not assigned_grid_codes(user.id):
            codes = _contiguous_vacant(user.township_code, GRIDS_EACH)
            since = datetime.now(UTC) - timedelta(days=30)
            for code in codes:
                assignments.assign(
                    SHELL_SCOPE, code, {"user_id": user.id, "role": "primary", "valid_from": since}
                )
            echo(f"demo: {username} is the primary worker of {', '.join(codes) or 'no grid'}")
    worker = accounts.find_by_username("worker_yuhulu")
    if worker is not None and _has_no_track(worker.id):
        created = _patrol_day(worker)
        echo(f"demo: a patrol day of worker_yuhulu ({created} track points)")


def _contiguous_vacant(township: str, n: int) -> list[str]:
    """``n`` vacant grids that hang together: the first vacant grid and its neighbours outward."""
    rows = db.session.execute(VACANT_SQL, {"layer": UNIFIED_LAYER, "t": township}).all()
    neighbours = {r.code: list(r.neighbours) for r in rows}
    for start in neighbours:
        chosen, frontier = [start], list(neighbours[start])
        while frontier and len(chosen) < n:
            code = frontier.pop(0)
            if code not in chosen:
                chosen.append(code)
                frontier.extend(c for c in neighbours.get(code, []) if c not in chosen)
        if len(chosen) == n:
            return chosen
    return list(neighbours)[:n]


def _has_no_track(user_id: int) -> bool:
    return not db.session.execute(
        text("SELECT 1 FROM track_points WHERE user_id = :u LIMIT 1"), {"u": user_id}
    ).first()


def _patrol_day(worker) -> int:
    """Yesterday 08:30-11:30 and 14:00-17:00 through the worker's grids, with the usual noise:
    GPS scatter, a few poor fixes, one jump, and a 20-minute errand in a neighbouring grid."""
    rows = db.session.execute(
        text(
            "SELECT ST_AsBinary(ST_Union(geom)) FROM areas WHERE level = 'grid'"
            " AND layer = :layer AND code = ANY(:codes) AND gen_from IS NOT NULL AND gen_to IS NULL"
        ),
        {"layer": UNIFIED_LAYER, "codes": sorted(assigned_grid_codes(worker.id))},
    ).scalar()
    if rows is None:
        return 0
    area = shapely.from_wkb(bytes(rows))
    rnd = random.Random(worker.id)
    day = datetime.now(SHANGHAI).date() - timedelta(days=1)
    start, _end = day_bounds(day)
    points: list[dict] = []
    for begin_h, end_h in ((8.5, 11.5), (14.0, 17.0)):
        t = start + timedelta(hours=begin_h)
        stop = start + timedelta(hours=end_h)
        here = _inside(area, rnd)
        errand_at = start + timedelta(hours=begin_h + 1.5) if begin_h > 12 else None
        while t < stop:
            if errand_at and t >= errand_at:  # 20 minutes at a place just outside the grids
                errand_at = None
                here, t = _leg(points, here, _outside_near(area, rnd), t, stop, rnd)
                here, t = _linger(points, here, t, min(stop, t + timedelta(minutes=20)), rnd)
                continue
            here, t = _leg(points, here, _inside(area, rnd), t, stop, rnd)
    for k in rnd.sample(range(len(points)), 6):
        points[k]["accuracy_m"] = rnd.uniform(60, 150)  # indoors, under trees
    jump = points[len(points) // 3]
    jump["lon"] += 0.03  # one fix three kilometres off
    created = 0
    for b in range(0, len(points), 2_000):
        results = ingest_track_points(worker, points[b : b + 2_000], None)
        created += sum(1 for r in results if r["status"] == "created")
    return created


def _inside(area, rnd) -> tuple[float, float]:
    x0, y0, x1, y1 = area.bounds
    while True:
        x, y = rnd.uniform(x0, x1), rnd.uniform(y0, y1)
        if area.contains(shapely.Point(x, y)):
            return x, y


def _outside_near(area, rnd) -> tuple[float, float]:
    x0, y0, x1, y1 = area.bounds
    ring = area.buffer(0.004).difference(area.buffer(0.002))
    while True:
        x, y = rnd.uniform(x0 - 0.004, x1 + 0.004), rnd.uniform(y0 - 0.004, y1 + 0.004)
        if ring.contains(shapely.Point(x, y)):
            return x, y


def _leg(points, here, target, t, stop, rnd):
    """Walk from ``here`` to ``target`` at walking pace, one fix every STEP_S seconds."""
    kx = 111_320 * math.cos(math.radians(here[1]))
    metres = math.hypot((target[0] - here[0]) * kx, (target[1] - here[1]) * 110_540)
    steps = max(1, int(metres / (WALK_MPS * STEP_S)))
    for i in range(1, steps + 1):
        if t >= stop:
            break
        f = i / steps
        x = here[0] + f * (target[0] - here[0]) + rnd.gauss(0, 4) / kx
        y = here[1] + f * (target[1] - here[1]) + rnd.gauss(0, 4) / 110_540
        points.append(
            {
                "t": t.isoformat(),
                "lon": round(x, 7),
                "lat": round(y, 7),
                "accuracy_m": round(rnd.uniform(4, 15), 1),
            }
        )
        t += timedelta(seconds=STEP_S)
    return target, t


def _linger(points, here, t, until, rnd):
    """Stay around one place (a household visit, an errand): small moves, fixes as usual."""
    kx = 111_320 * math.cos(math.radians(here[1]))
    while t < until:
        points.append(
            {
                "t": t.isoformat(),
                "lon": round(here[0] + rnd.gauss(0, 8) / kx, 7),
                "lat": round(here[1] + rnd.gauss(0, 8) / 110_540, 7),
                "accuracy_m": round(rnd.uniform(6, 20), 1),
            }
        )
        t += timedelta(seconds=STEP_S)
    return here, t
