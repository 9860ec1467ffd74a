"""COPY of track rows in text vs binary format: build time and COPY + commit time, alternated.

The rows ``POST /api/v1/tracks`` writes (``track_writes.rows_text`` before, ``track_binary.
rows_binary`` now) for batches of 500, each COPYed on one psycopg2 connection into a temporary
copy of ``track_points`` (same columns, primary key) and committed; the two formats alternate
batch by batch. At the end the rows both stored are compared.

Run: ``BENCH_DATABASE_URL=postgresql+psycopg2://…/gridsvc_bench_<you> PYTHONPATH=.
.venv/bin/python bench/track_copy_formats.py`` (it reads the schema in the name + ``_tracks``
that bench/tracks.py builds; run that once first).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np
import psycopg2
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridsvc.workers import track_binary, track_writes

BATCH = 500
BATCHES = int(os.environ.get("BENCH_BATCHES", "40"))


def main() -> None:
    url = make_url(os.environ["BENCH_DATABASE_URL"])
    conn = psycopg2.connect(
        host=url.host, port=url.port or 5432, user=url.username, dbname=f"{url.database}_tracks"
    )
    cur = conn.cursor()
    cur.execute("CREATE TEMP TABLE tp (LIKE track_points INCLUDING DEFAULTS)")
    cur.execute("ALTER TABLE tp ADD PRIMARY KEY (user_id, t)")
    who = types.SimpleNamespace(id=1, county_code="430302", township_code="430302001")
    rng = np.random.default_rng(1)
    build: dict[str, list[float]] = {"text": [], "binary": []}
    store: dict[str, list[float]] = {"text": [], "binary": []}
    for r in range(BATCHES):
        secs = 1_764_000_000 + r * 10_000 + np.arange(BATCH) * 5.0 + 0.123456
        lon = 112.8 + rng.random(BATCH) * 0.1
        lat = 27.85 + rng.random(BATCH) * 0.1
        acc, speed = np.full(BATCH, 8.0), rng.random(BATCH) * 3
        speed[0] = np.nan
        flags, grids = np.zeros(BATCH, bool), ["430302001001001"] * BATCH
        args = (lon, lat, acc, speed, flags, flags, grids)
        for kind in ("text", "binary") if r % 2 else ("binary", "text"):
            who.id = 1 if kind == "text" else 2
            t0 = time.perf_counter()
            if kind == "text":
                rows = track_writes.rows_text(who, None, *args, secs=secs)
                source, options = io.StringIO(rows), ""
            else:
                rows = track_binary.rows_binary(who, *args, secs=secs)
                source, options = io.BytesIO(rows), " (FORMAT binary)"
            t1 = time.perf_counter()
            sql = f"COPY tp ({track_writes.COLUMNS}) FROM STDIN{options}"
            cur.copy_expert(sql, source, size=len(rows) + 1)
            conn.commit()
            build[kind].append((t1 - t0) * 1e3)
            store[kind].append((time.perf_counter() - t1) * 1e3)
    cur.execute(
        "SELECT count(*) FROM tp a JOIN tp b ON a.t = b.t AND a.user_id = 1 AND b.user_id = 2"
        " WHERE (a.county_code, a.township_code, ST_AsEWKB(a.geom), a.accuracy_m,"
        " a.implausible_speed, a.poor_accuracy, a.grid_code) = (b.county_code, b.township_code,"
        " ST_AsEWKB(b.geom), b.accuracy_m, b.implausible_speed, b.poor_accuracy, b.grid_code)"
        " AND a.speed_mps IS NOT DISTINCT FROM b.speed_mps"
    )
    same = cur.fetchone()[0]
    print(f"identical rows: {same} of {BATCHES * BATCH} per format")
    for kind in build:
        print(
            f"{kind:6s} build {statistics.median(build[kind]):.2f} ms, COPY + commit"
            f" {statistics.median(store[kind]):.2f} ms (median of {BATCHES} batches of {BATCH})"
        )
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
