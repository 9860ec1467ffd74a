"""Patrol track benchmark: ingest through the API vs raw COPY, patrol figures vs one raw SQL query.

Targets (issue 4): ``POST /api/v1/tracks`` in batches of 500 at >= 20,000 points/s; one worker-day
(2,000 points over 3 grids) turned into patrol figures in < 200 ms. Both are printed beside the
raw SQL doing the same work in the same run (medians; the machine is shared, so read the ratios).
Run: ``PYTHONPATH=. BENCH_DATABASE_URL=… .venv/bin/python bench/tracks.py``.

It works in its own database, BENCH_DATABASE_URL's name + ``_tracks``: bench/locate.py keeps a
100,000-grid synthetic province (whose codes include county 430302) in the shared one and
rebuilds it whenever the grid count differs, so a county added beside it would cost a rebuild on
every ``make bench``.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import box
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app, rate, show

COUNTY = "430302"
COUNTY_BOX = (112.80, 27.85, 112.90, 27.95)
GRIDS_PER_VILLAGE_SIDE = 5  # 4 villages × 25 = 100 grids
BATCH = 500
BATCHES_PER_ROUND = 20
FIGURE_POINTS = 2_000


def build_layer(app) -> None:
    """County 430302 as a 0.1° box: 2 townships, 4 villages, 100 grids (once per database)."""
    from gridsvc.boundaries import store
    from gridsvc.extensions import db
    from gridsvc.geo.area import area_m2

    with app.app_context():
        have = db.session.execute(
            text(
                "SELECT count(*) FROM areas WHERE level = 'grid' AND county_code = :c"
                " AND gen_from IS NOT NULL AND gen_to IS NULL"
            ),
            {"c": COUNTY},
        ).scalar()
        if have == 4 * GRIDS_PER_VILLAGE_SIDE**2:
            return
        x0, y0, x1, y1 = COUNTY_BOX
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        townships = {"430302001": box(x0, y0, xm, y1), "430302002": box(xm, y0, x1, y1)}
        villages = {
            "430302001001": box(x0, y0, xm, ym),
            "430302001002": box(x0, ym, xm, y1),
            "430302002001": box(xm, y0, x1, ym),
            "430302002002": box(xm, ym, x1, y1),
        }
        n = GRIDS_PER_VILLAGE_SIDE
        grids = {}
        for code, village in villages.items():
            vx0, vy0, vx1, vy1 = village.bounds
            dx, dy = (vx1 - vx0) / n, (vy1 - vy0) / n
            for i in range(n * n):
                r, c = divmod(i, n)
                grids[f"{code}{i + 1:03d}"] = box(
                    vx0 + c * dx, vy0 + r * dy, vx0 + (c + 1) * dx, vy0 + (r + 1) * dy
                )
        layers = [
            ("county", "admin", {COUNTY: box(*COUNTY_BOX)}, None),
            ("township", "admin", townships, 6),
            ("village", "admin", villages, 9),
            ("grid", "unified", grids, 12),
        ]
        for level, layer, shapes, parent_len in layers:
            features = [
                store.StoredFeature(
                    level=level,
                    layer=layer,
                    code=code,
                    name=code,
                    parent_code=code[:parent_len] if parent_len else None,
                    geometry=shape,
                    households=400 if level == "grid" else None,
                    area_m2=float(area_m2(shape)),
                )
                for code, shape in shapes.items()
            ]
            draft = store.new_draft(
                level=level, layer=layer, county_code=COUNTY, source="upload", user_id=None
            )
            store.write_features(draft.id, features)
            store.publish(draft, user_id=None, effective_from=None)
            db.session.commit()
        print(f"built county {COUNTY}: {len(grids)} grids", flush=True)


def make_worker(app, name: str, grids: list[str], *, fresh: bool = True):
    """A grid worker with primary grids held for the last 40 days.

    ``fresh``: a new account per run, so no ingested point is a replay; otherwise the account
    ``name`` is reused (the figures worker keeps its grids across runs).
    """
    from gridsvc.accounts import SHELL_SCOPE, service
    from gridsvc.accounts.auth import Principal
    from gridsvc.extensions import db
    from gridsvc.workers import assignments, profiles

    with app.app_context():
        username = f"{name}_{time.time_ns()}" if fresh else name
        user = service.find_by_username(username)
        if user is None:
            user = service.create_user(
                SHELL_SCOPE,
                {
                    "username": username,
                    "role": "grid_worker",
                    "township_code": "430302001",
                    "county_code": COUNTY,
                    "password": "bench-password",
                },
            )
            profiles.create_profile(SHELL_SCOPE, {"user_id": user.id})
            since = datetime.now(UTC) - timedelta(days=40)
            for code in grids:
                assignments.assign(
                    SHELL_SCOPE, code, {"user_id": user.id, "role": "primary", "valid_from": since}
                )
            db.session.commit()  # services flush; this script is their entry point
        return Principal(
            user.id, user.username, user.role, user.county_code, user.township_code, None, True
        )


def walk(rng, start: datetime, n: int, x: float, y: float, step_s: float = 5.0):
    """A plausible walk: ~1.4 m/s with heading changes, inside the west township."""
    heading = rng.uniform(0, 2 * np.pi, n).cumsum() * 0.05
    dx = np.cos(heading) * 1.4 * step_s / (111_320 * 0.884)
    dy = np.sin(heading) * 1.4 * step_s / 110_540
    xs = np.clip(x + np.cumsum(dx), 112.801, 112.849)
    ys = np.clip(y + np.cumsum(dy), 27.851, 27.949)
    ts = [start + timedelta(seconds=i * step_s) for i in range(n)]
    return ts, xs, ys


def main() -> None:
    app = bench_app("tracks")
    build_layer(app)
    from flask_jwt_extended import create_access_token

    from gridsvc.extensions import db
    from gridsvc.workers import partitions

    rng = np.random.default_rng(4)
    api_worker = make_worker(app, "bench_api", [])
    raw_worker = make_worker(app, "bench_raw", [])
    with app.app_context():
        token = create_access_token(identity=api_worker)  # Principal has .id, as User does
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    # 20 rounds of 10,000 points at 5 s steps: ~11.6 days ending now, inside the age limit.
    total = BATCH * BATCHES_PER_ROUND * 7
    start = datetime.now(partitions.SHANGHAI) - timedelta(seconds=5 * total + 600)
    ts, xs, ys = walk(rng, start, total, 112.82, 27.90)
    xs, ys = xs.tolist(), ys.tolist()
    with app.app_context():  # the months exist before timing (creation is a once-a-month cost)
        partitions.ensure_partitions(ts[0], ts[-1])
        db.session.commit()
    bodies = [
        {
            "points": [
                {
                    "t": ts[i].isoformat(),
                    "lon": float(xs[i]),
                    "lat": float(ys[i]),
                    "accuracy_m": 6.0,
                }
                for i in range(b, b + BATCH)
            ]
        }
        for b in range(0, total, BATCH)
    ]
    api_batches = iter(bodies)

    def api_round() -> int:
        for _ in range(BATCHES_PER_ROUND):
            r = client.post("/api/v1/tracks", json=next(api_batches), headers=headers)
            assert r.status_code == 200, r.get_json()
            assert r.get_json()["created"] == BATCH, r.get_json()
        return BATCH * BATCHES_PER_ROUND

    with app.app_context():
        raw = db.engine.raw_connection()
    cursor = raw.cursor()
    raw_batches = iter(range(0, total, BATCH))

    def raw_round() -> int:
        for _ in range(BATCHES_PER_ROUND):
            b = next(raw_batches)
            buf = io.StringIO()
            for i in range(b, b + BATCH):
                buf.write(
                    f"{raw_worker.id}\t{ts[i].isoformat()}\t{COUNTY}\t430302001"
                    f"\tSRID=4326;POINT({xs[i]!r} {ys[i]!r})\t6.0\t1.4\tf\tf\t430302001001001\n"
                )
            buf.seek(0)
            cursor.copy_expert(
                "COPY track_points (user_id, t, county_code, township_code, geom, accuracy_m,"
                " speed_mps, implausible_speed, poor_accuracy, grid_code) FROM STDIN",
                buf,
            )
            raw.commit()
        return BATCH * BATCHES_PER_ROUND

    api_round()  # warm-up: locate index, token cache, code paths
    raw_round()
    api_med, api_rates = rate(api_round, rounds=5)
    raw_med, raw_rates = rate(raw_round, rounds=5)
    show(f"ingest POST /api/v1/tracks ({BATCH}/batch)", api_med, api_rates, "points/s")
    show(f"raw COPY of the same rows ({BATCH}/batch)", raw_med, raw_rates, "points/s")
    print(f"API / raw COPY: {api_med / raw_med:.0%} (target: API >= 20,000 points/s)")

    figures(app, client, rng, cursor)
    raw.close()


FIGURES_SQL = """
WITH pts AS (
    SELECT t, geom, grid_code,
           lag(t) OVER w AS prev_t, lag(geom) OVER w AS prev_geom, lag(grid_code) OVER w AS prev_grid
    FROM track_points
    WHERE user_id = %(u)s AND t >= %(s)s AND t < %(e)s AND NOT implausible_speed AND NOT poor_accuracy
    WINDOW w AS (ORDER BY t)
), steps AS (
    SELECT *, extract(epoch FROM t - prev_t) AS dt FROM pts
    WHERE prev_t IS NOT NULL AND t - prev_t <= make_interval(secs => %(gap)s)
), track AS (
    SELECT ST_Buffer(ST_MakeLine(geom ORDER BY t)::geography, %(buffer)s)::geometry AS swath
    FROM pts
)
SELECT (SELECT sum(ST_Distance(prev_geom::geography, geom::geography)) FROM steps) AS distance_m,
       (SELECT sum(dt) FROM steps) AS patrol_s,
       (SELECT sum(dt * ((grid_code = ANY(%(codes)s))::int + (prev_grid = ANY(%(codes)s))::int) / 2.0)
        FROM steps) AS inside_s,
       (SELECT json_object_agg(a.code, ST_Area(ST_Intersection(a.geom, track.swath)::geography)
                                       / ST_Area(a.geom::geography))
        FROM areas a, track
        WHERE a.level = 'grid' AND a.layer = 'unified' AND a.code = ANY(%(codes)s)
          AND a.gen_from IS NOT NULL AND a.gen_to IS NULL) AS coverage
"""


def figures(app, client, rng, cursor) -> None:
    """One worker-day of 2,000 points sweeping 3 adjacent grids, figures via API vs raw SQL."""
    from flask_jwt_extended import create_access_token

    from gridsvc.extensions import db
    from gridsvc.workers import partitions, patrols
    from gridsvc.workers.tracks import ingest_track_points

    grids = ["430302001001001", "430302001001002", "430302001001003"]  # a row of 3 (0.01° each)
    worker = make_worker(app, "bench_day", grids, fresh=False)
    day = datetime.now(partitions.SHANGHAI).date() - timedelta(days=1)
    start, end = patrols.day_bounds(day)
    t0 = start + timedelta(hours=8)
    # Lawnmower sweeps over the three grids (x 112.80-112.83, y 27.85-27.86), 10 s apart.
    xs = np.empty(FIGURE_POINTS)
    ys = np.empty(FIGURE_POINTS)
    lanes, per_lane = 10, FIGURE_POINTS // 10
    for lane in range(lanes):
        span = np.linspace(112.8005, 112.8295, per_lane)
        xs[lane * per_lane : (lane + 1) * per_lane] = span if lane % 2 == 0 else span[::-1]
        ys[lane * per_lane : (lane + 1) * per_lane] = 27.8505 + lane * 0.001
    xs += rng.normal(0, 0.00003, FIGURE_POINTS)
    points = [
        {
            "t": (t0 + timedelta(seconds=10 * i)).isoformat(),
            "lon": float(x),
            "lat": float(y),
            "accuracy_m": 5.0,
        }
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    with app.app_context():
        for b in range(0, FIGURE_POINTS, BATCH):
            ingest_track_points(worker, points[b : b + BATCH], None)
        db.session.commit()
        token = create_access_token(identity=worker)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/workers/{worker.id}/patrols?date={day.isoformat()}"
    params = {"u": worker.id, "s": start, "e": end, "gap": 300.0, "buffer": 50.0, "codes": grids}

    def api() -> float:
        began = time.perf_counter()
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.get_json()
        return (time.perf_counter() - began) * 1000, r.get_json()

    def raw_sql() -> float:
        began = time.perf_counter()
        cursor.execute(FIGURES_SQL, params)
        row = cursor.fetchone()
        return (time.perf_counter() - began) * 1000, row

    api()
    raw_sql()
    api_ms, raw_ms = [], []
    for _ in range(15):
        ms, body = api()
        api_ms.append(ms)
        ms, row = raw_sql()
        raw_ms.append(ms)
    api_med, raw_med = statistics.median(api_ms), statistics.median(raw_ms)
    print(
        f"{'worker-day figures, GET …/patrols (2,000 pts)':<44} median {api_med:>9.1f} ms"
        f"   (min {min(api_ms):.1f} max {max(api_ms):.1f}, 15 rounds)"
    )
    print(
        f"{'the same figures, one raw SQL query':<44} median {raw_med:>9.1f} ms"
        f"   (min {min(raw_ms):.1f} max {max(raw_ms):.1f}, 15 rounds)"
    )
    print(f"API / raw SQL time: {api_med / raw_med:.2f}× (target: API < 200 ms)")
    coverage = {g["grid_code"]: g["coverage"] for g in body["grids"]}
    print(
        "check: distance API {:.0f} m / SQL {:.0f} m; patrol {:.0f} s / {:.0f} s; coverage API {} / SQL {}".format(
            body["distance_m"],
            row[0],
            body["patrol_s"],
            row[1],
            {k[-3:]: round(v, 3) for k, v in coverage.items()},
            {k[-3:]: round(v, 3) for k, v in row[3].items()},
        )
    )
    with app.app_context():
        db.session.remove()


if __name__ == "__main__":
    main()
