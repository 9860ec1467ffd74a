"""Patrol track benchmark: ingest through real HTTP vs raw COPY, patrol figures vs raw SQL.

Ingest (issue 17): ``POST /api/v1/tracks`` in batches of 500 against the production server
(``python -m gridsvc.serving``: Granian, 2 workers, started by bench/_common.py's
``production_server`` on port ``BENCH_PORT``, default 8103; pass your own) with ``CLIENTS`` concurrent clients (4),
each a worker account of its own sending its own walk; the raw side runs ``COPY`` of the same rows
(EWKT points, one transaction per batch, as the API commits per request) on as many concurrent
connections. Rounds are interleaved (API, raw, API, raw …) and the ratio quoted is the median of
the per-round ratios; target: API >= 60 % of raw COPY. The machine is shared: read the ratios,
and the load average printed beside them.

Figures: one worker-day (2,000 points over 3 grids) through ``GET …/patrols`` (in process) vs
one raw SQL query doing the same sums; target < 200 ms.

Run: ``PYTHONPATH=. BENCH_DATABASE_URL=postgresql+psycopg2://…/gridsvc_bench .venv/bin/python
bench/tracks.py`` (it works in BENCH_DATABASE_URL's name + ``_tracks``: bench/locate.py keeps a
100,000-grid province in the shared one and rebuilds it whenever the grid count differs).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
from shapely.geometry import box
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import bench_app, load_average, production_server, show  # noqa: E402

COUNTY = "430302"
COUNTY_BOX = (112.80, 27.85, 112.90, 27.95)
GRIDS_PER_VILLAGE_SIDE = 5  # 4 villages × 25 = 100 grids
BATCH = int(os.environ.get("BENCH_TRACKS_BATCH", "500"))
BATCHES_PER_ROUND = int(os.environ.get("BENCH_TRACKS_BATCHES", "5"))  # per client and round
CLIENTS = int(os.environ.get("BENCH_TRACKS_CLIENTS", "4"))
ROUNDS = int(os.environ.get("BENCH_TRACKS_ROUNDS", "9"))
PORT = int(os.environ.get("BENCH_PORT", "8103"))
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
            user.id,
            user.username,
            user.role,
            user.county_code,
            user.township_code,
            None,
            True,
            user.token_version,
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


def in_parallel(jobs: list) -> float:
    """Run the callables in threads at once; the wall time of the slowest."""
    errors = []

    def run(job):
        try:
            job()
        except Exception as exc:  # noqa: BLE001  (re-raised below, in the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - began


def main() -> None:
    app = bench_app("tracks")
    build_layer(app)
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts import service
    from gridsvc.extensions import db
    from gridsvc.workers import partitions

    rng = np.random.default_rng(4)
    api_workers = [make_worker(app, f"bench_api{c}", []) for c in range(CLIENTS)]
    raw_workers = [make_worker(app, f"bench_raw{c}", []) for c in range(CLIENTS)]
    with app.app_context():
        tokens = [
            create_access_token(identity=service.find_by_username(w.username)) for w in api_workers
        ]
    # Per client: (ROUNDS + 2) × BATCHES_PER_ROUND batches at 5 s steps, ending now (inside the
    # age limit); client c walks its own track, the raw side copies the same rows.
    per_client = BATCH * BATCHES_PER_ROUND * (ROUNDS + 2)
    start = datetime.now(partitions.SHANGHAI) - timedelta(seconds=5 * per_client + 600)
    walks = []
    for _ in range(CLIENTS):
        ts, xs, ys = walk(rng, start, per_client, 112.82, 27.90)
        walks.append((ts, xs.tolist(), ys.tolist()))
    with app.app_context():  # the months exist before timing (creation is a once-a-month cost)
        partitions.ensure_partitions(start, datetime.now(partitions.SHANGHAI))
        db.session.commit()
    bodies = [
        [
            orjson.dumps(
                {
                    "points": [
                        {"t": ts[i].isoformat(), "lon": xs[i], "lat": ys[i], "accuracy_m": 6.0}
                        for i in range(b, b + BATCH)
                    ]
                }
            )
            for b in range(0, per_client, BATCH)
        ]
        for ts, xs, ys in walks
    ]
    next_batch = [0] * CLIENTS
    next_raw = [0] * CLIENTS

    def api_client(c: int):
        def job():
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            headers = {"Authorization": f"Bearer {tokens[c]}", "Content-Type": "application/json"}
            for _ in range(BATCHES_PER_ROUND):
                body = bodies[c][next_batch[c]]
                next_batch[c] += 1
                conn.request("POST", "/api/v1/tracks", body=body, headers=headers)
                answer = conn.getresponse()
                payload = orjson.loads(answer.read())
                assert answer.status == 200, payload
                assert payload["created"] == BATCH, payload
            conn.close()

        return job

    with app.app_context():
        raws = [db.engine.raw_connection() for _ in range(CLIENTS)]

    def raw_client(c: int):
        ts, xs, ys = walks[c]
        user = raw_workers[c].id
        raw = raws[c]

        def job():
            cursor = raw.cursor()
            for _ in range(BATCHES_PER_ROUND):
                b = next_raw[c] * BATCH
                next_raw[c] += 1
                buf = io.StringIO()
                for i in range(b, b + BATCH):
                    buf.write(
                        f"{user}\t{ts[i].isoformat()}\t{COUNTY}\t430302001"
                        f"\tSRID=4326;POINT({xs[i]!r} {ys[i]!r})\t6.0\t1.4\tf\tf\t430302001001001\n"
                    )
                buf.seek(0)
                cursor.copy_expert(
                    "COPY track_points (user_id, t, county_code, township_code, geom, accuracy_m,"
                    " speed_mps, implausible_speed, poor_accuracy, grid_code) FROM STDIN",
                    buf,
                )
                raw.commit()

        return job

    # The server exactly as production starts it (python -m gridsvc.serving), on BENCH_PORT.
    with production_server(app, PORT), contextlib.ExitStack() as closing:
        for raw in raws:
            closing.callback(raw.close)
        points = BATCH * BATCHES_PER_ROUND * CLIENTS
        # Warm-up: the locate index (built in a child process per worker on first use; until
        # then a batch waits for it), caches, code. Two passes: one left a round at 3-5 %.
        for _ in range(2):
            in_parallel([api_client(c) for c in range(CLIENTS)])
            in_parallel([raw_client(c) for c in range(CLIENTS)])
        api_rates, raw_rates, ratios = [], [], []
        for _ in range(ROUNDS):
            api_rates.append(points / in_parallel([api_client(c) for c in range(CLIENTS)]))
            raw_rates.append(points / in_parallel([raw_client(c) for c in range(CLIENTS)]))
            ratios.append(api_rates[-1] / raw_rates[-1])
    label = f"{BATCH}/batch, {CLIENTS} clients"
    show(
        f"POST /api/v1/tracks via Granian ({label})",
        statistics.median(api_rates),
        api_rates,
        "points/s",
    )
    show(
        f"raw COPY of the same rows ({label})", statistics.median(raw_rates), raw_rates, "points/s"
    )
    print(
        f"API / raw COPY, median of per-round ratios: {statistics.median(ratios):.0%}"
        f" (rounds: {', '.join(f'{r:.0%}' for r in ratios)}; target >= 60 %;"
        f" {load_average()})"
    )
    if os.environ.get("BENCH_TRACKS_FIGURES", "1") != "0":
        with app.app_context():
            raw = db.engine.raw_connection()
        figures(app, app.test_client(), rng, raw.cursor())
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
