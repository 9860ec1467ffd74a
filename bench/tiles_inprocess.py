"""Uncached tiles through the app in process (WSGI via Flask's test client: no HTTP, no other
clients), for comparing two checkouts where bench/tiles.py's HTTP round trip and the machine's
load drown a difference of a tenth of a millisecond.

Run from the root of each checkout in turn, alternating (the figures mean something only as
ratios between runs close in time): ``PYTHONPATH=. .venv/bin/python bench/tiles_inprocess.py``.
Uses bench/tiles.py's database (build it with that script first); prints the median of
BENCH_REQUESTS requests per tile after a warm-up (the first request learns the token: from then
on the lean path answers).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app
from bench.tiles import CENTRE, tile_of

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
TILES = (("grids", 15), ("grids", 16), ("incidents", 16))


def main() -> None:
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts.models import User
    from gridsvc.extensions import db

    app = bench_app("tiles")
    app.config["TILE_CACHE_ENTRIES"] = 0  # every grids request renders
    with app.app_context():
        user_id = db.session.scalar(text("SELECT id FROM users WHERE username = 'bench_tiles'"))
        token = create_access_token(identity=db.session.get(User, user_id))
        number = db.session.scalar(text("SELECT max(number) FROM generations"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    figures = []
    for layer, z in TILES:
        x, y = tile_of(*CENTRE, z)
        path = f"/api/v1/tiles/{layer}/{z}/{x}/{y}.mvt"
        path += f"?generation={number}" if layer == "grids" else ""
        for _ in range(20):
            assert client.get(path, headers=headers).status_code == 200
        times = []
        for _ in range(REQUESTS):
            began = time.perf_counter()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - began) * 1000)
        figures.append(f"{layer} z{z} {statistics.median(times):.3f} ms")
    print(f"{Path.cwd()}: {'; '.join(figures)} (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
