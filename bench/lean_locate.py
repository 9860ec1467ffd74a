"""µs per ``GET /api/v1/locate`` in process: the lean path (gridsvc/lean.py + boundaries/fast_locate.py)
against the full Flask path, both called as the WSGI callable (no server, no socket), the same
2,000 random points of the 100,000-grid bench layer, the index warm, the token known, the
access log silenced; 3 alternating rounds. What the server adds is bench/edge.py's part.

Run: ``BENCH_DATABASE_URL=…/gridsvc_bench_<you> .venv/bin/python bench/lean_locate.py``.
"""

from __future__ import annotations

import logging
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import locate
from bench._common import bench_account, bench_app, load_average

POINTS, ROUNDS = 2_000, 3


def main() -> None:
    app = bench_app()
    locate.build_layer(app)
    logging.getLogger("gridsvc.access").setLevel(logging.WARNING)  # no terminal in the timing
    with app.app_context():
        from flask_jwt_extended import create_access_token

        from gridsvc.accounts.models import User
        from gridsvc.boundaries import lookup_index
        from gridsvc.extensions import db

        admin_id = bench_account("bench_edge_admin", "admin", None)
        db.session.commit()
        token = create_access_token(identity=db.session.get(User, admin_id))
        lookup_index.current_index("unified")
    from gridsvc.boundaries.fast_locate import EXTENSION as LOCATE
    from gridsvc.lean import EXTENSION as LEAN

    lean = app.extensions[LEAN]
    x0, y0, x1, y1 = locate.BBOX
    rng = random.Random(1)
    queries = [
        f"lon={x0 + 0.01 + rng.random() * (x1 - x0 - 0.02):.7f}"
        f"&lat={y0 + 0.01 + rng.random() * (y1 - y0 - 0.02):.7f}"
        for _ in range(POINTS)
    ]

    def environ(query: str) -> dict:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/api/v1/locate",
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": None,
            "HTTP_AUTHORIZATION": f"Bearer {token}",
        }

    def per_request(callable_) -> float:
        started = time.perf_counter()
        for query in queries:
            b"".join(callable_(environ(query), lambda _status, _headers: None))
        return (time.perf_counter() - started) / len(queries) * 1e6

    paths = {"lean": lean, "full (Flask)": lean.wrapped}
    for callable_ in paths.values():
        per_request(callable_)  # warm; the first full-path request makes the token known
    runs: dict[str, list[float]] = {label: [] for label in paths}
    for _ in range(ROUNDS):
        for label, callable_ in paths.items():
            runs[label].append(per_request(callable_))
    for label, values in runs.items():
        shown = ", ".join(f"{v:.0f}" for v in values)
        print(
            f"GET /locate in process, {label}: median {statistics.median(values):.0f} µs ({shown})"
        )
    print(f"answered by the lean path: {app.extensions[LOCATE].served:,}; {load_average()}")


if __name__ == "__main__":
    main()
