"""In-process cost of a cached tile: a z14 grids tile answered 304 to If-None-Match, through the
Flask test client (no sockets), so what is left is the app's own per-request work: routing, auth
(the JWT decode and the revocation check, both remembered), the scope and the ETag.

Data: the demo county's boundaries in a database of its own (BENCH_DATABASE_URL's name +
``_cached``). ``BENCH_PROFILE=1`` prints the top of a cProfile of the loop as well.
Run: ``PYTHONPATH=. .venv/bin/python bench/cached_tile.py``.
"""

from __future__ import annotations

import cProfile
import logging
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_account, bench_app
from bench.tiles import CENTRE, COUNTY, tile_of

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))


def main() -> None:
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts.models import User
    from gridsvc.demo.boundaries import load_demo_boundaries
    from gridsvc.extensions import db

    # One access-log line per request goes to stdout; a terminal would time its own scrolling.
    logging.getLogger("gridsvc.access").setLevel(logging.WARNING)
    app = bench_app("cached")
    with app.app_context():
        if not db.session.scalar(text("SELECT count(*) FROM generations")):
            load_demo_boundaries(echo=lambda line: print(line, flush=True))
        user = bench_account("bench_cached", "county_dispatcher", COUNTY)
        db.session.commit()
        token = create_access_token(identity=db.session.get(User, user))
        number = db.session.scalar(text("SELECT max(number) FROM generations"))
    z = 14
    x, y = tile_of(*CENTRE, z)
    path = f"/api/v1/tiles/grids/{z}/{x}/{y}.mvt?generation={number}"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    first = client.get(path, headers=headers)
    assert first.status_code == 200, first.status_code
    headers["If-None-Match"] = first.headers["ETag"]

    def loop() -> float:
        started = time.perf_counter()
        for _ in range(REQUESTS):
            assert client.get(path, headers=headers).status_code == 304
        return (time.perf_counter() - started) / REQUESTS * 1e6

    loop()  # warm the caches (revocation check, scope)
    per_request = [loop() for _ in range(5)]
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    print(
        f"cached z14 grids tile, 304, in-process: median {statistics.median(per_request):.0f} µs"
        f" per request ({', '.join(f'{r:.0f}' for r in per_request)}; {REQUESTS} each)"
    )
    if os.environ.get("BENCH_PROFILE"):
        profile = cProfile.Profile()
        profile.runcall(loop)
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(30)
        stats.print_callers("decode")


if __name__ == "__main__":
    main()
