"""Cached tiles per second: a z14 grids tile of a published generation answered 304 to
``If-None-Match``, and 200 from the in-process tile cache, over real HTTP against the server with
production's settings (gridsvc/serving.py: Granian, 2 workers), driven by ``wrk`` (Debian's
package) with several keep-alive connections. Rounds alternate between the lean path
(gridsvc/maps/fast_tiles.py, port BENCH_PORT) and the full Flask path (TILE_FAST_PATH=0,
BENCH_PORT + 10), both servers up for the whole run, so both meet the same load. A third
the same server (BENCH_PORT + 20) serves a WSGI callable that answers 304 and does nothing else
(bench/_ceiling.py): the server's own ceiling on this machine at this load.

``BENCH_INPROC=1`` adds the in-process cost of one 304 on each path (the WSGI callable called
directly, no sockets) and ``BENCH_PROFILE=1`` a cProfile of the lean one.

Data: the demo county's boundaries in a database of its own (BENCH_DATABASE_URL's name +
``_cached``). Target (issue 13): >= 5,000 cached tiles/s.
Run: ``PYTHONPATH=. .venv/bin/python bench/cached_tile.py`` (needs ``wrk`` on the PATH).
"""

from __future__ import annotations

import cProfile
import http.client
import logging
import os
import pstats
import shutil
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_account, bench_app, wrk_get
from bench._served import served
from bench.tiles import CENTRE, COUNTY, tile_of

PORT = int(os.environ.get("BENCH_PORT", "8105"))  # the lean path; the full one on PORT + 10
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
INPROC_REQUESTS = 3_000


def wrk(port: int, path: str, headers: dict[str, str]) -> float:
    """Requests per second over SECONDS with CONNECTIONS (bench/_common.py's ``wrk_get``)."""
    return wrk_get(port, path, headers, SECONDS, CONNECTIONS)


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, http.client.HTTPMessage]:
    """Status and headers (looked up without regard to case: Granian sends them lower-case)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    answer.read()
    return answer.status, answer.headers


def in_process(app, path: str, headers: dict[str, str]) -> None:
    """µs per 304 with the WSGI callable called directly: the app's own cost, no server."""
    from gridsvc.lean import EXTENSION

    logging.getLogger("gridsvc.access").setLevel(logging.WARNING)  # no terminal in the timing
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": None,
        **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
    }
    fast = app.extensions[EXTENSION]  # the lean WSGI path (gridsvc/lean.py) in front of Flask
    paths = {"lean": fast, "full (Flask)": fast.wrapped}

    def loop(callable_) -> float:
        started = time.perf_counter()
        for _ in range(INPROC_REQUESTS):
            b"".join(callable_(dict(environ), lambda status, _headers: None))
        return (time.perf_counter() - started) / INPROC_REQUESTS * 1e6

    for label, callable_ in paths.items():
        loop(callable_)  # warm
        runs = [loop(callable_) for _ in range(3)]
        print(f"in process, 304, {label} path: median {statistics.median(runs):.0f} µs")
    if os.environ.get("BENCH_PROFILE"):
        profile = cProfile.Profile()
        profile.runcall(loop, fast)
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)


def main() -> None:
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts.models import User
    from gridsvc.demo.boundaries import load_demo_boundaries
    from gridsvc.extensions import db

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
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
    headers = {"Authorization": f"Bearer {token}"}
    uri, secret = app.config["SQLALCHEMY_DATABASE_URI"], app.config["JWT_SECRET_KEY"]
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    with (
        served(uri, PORT, secret) as lean,
        served(uri, PORT + 10, secret, TILE_FAST_PATH="0") as full,
        served(uri, PORT + 20, secret, app_module="bench._ceiling:app") as ceiling,
    ):
        for port in (lean, full):  # each worker renders (and the lean path learns the token)
            for _ in range(8):
                status, got = fetch(port, path, headers)
                assert status == 200, status
        tag = got["ETag"]
        status, _ = fetch(lean, path, {**headers, "If-None-Match": tag})
        assert status == 304, status
        print(
            f"Granian (gridsvc/serving.py) on :{lean} (lean path) and :{full} (TILE_FAST_PATH=0);"
            f" wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, {ROUNDS} interleaved rounds"
        )
        cases = {
            "304 on If-None-Match": {**headers, "If-None-Match": tag},
            "200 from the tile cache": headers,
        }
        for label, sent in cases.items():
            rates: dict[str, list[float]] = {"lean": [], "full": [], "empty app (ceiling)": []}
            for _ in range(ROUNDS):
                rates["lean"].append(wrk(lean, path, sent))
                rates["full"].append(wrk(full, path, sent))
                if label.startswith("304"):
                    rates["empty app (ceiling)"].append(wrk(ceiling, path, sent))
            for side, values in rates.items():
                if not values:
                    continue
                print(
                    f"cached grids z14, {label}, {side} path: median"
                    f" {statistics.median(values):,.0f} tiles/s"
                    f" ({', '.join(f'{v:,.0f}' for v in values)})"
                )
    print(f"load average {os.getloadavg()[0]:.1f}")
    if os.environ.get("BENCH_INPROC") or os.environ.get("BENCH_PROFILE"):
        in_process(app, path, {**headers, "If-None-Match": tag})


if __name__ == "__main__":
    main()
