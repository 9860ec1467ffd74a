"""The floor of the lean WSGI path (issue 13): what a lean answer costs besides its work, this tree
against another checkout (``BENCH_BEFORE``) in the same run, rounds interleaved.

Three answers the lean path gives (gridsvc/lean.py): a 304 of a z16 grids tile of the demo
county, a 200 of that tile from the in-process tile cache, and a ``GET /locate`` from the
in-process index. Every one writes its access-log line to a file, as production's journal takes
it (a terminal would time its own scrolling).

- **In process** (``BENCH_PART=inproc`` or both): each tree's WSGI callable called directly with
  a prepared environ, in a fresh process per tree and round (``python bench/lean_floor.py
  --measure``, run inside that tree); µs per request, the best of ``BENCH_REPEATS`` loops of
  ``BENCH_REQUESTS``: one thread (its CPU time), and 4 threads at once (Granian's
  ``WEB_THREADS``; wall time, so lock waits count).
  ``BENCH_PROFILE=304`` (or ``200``, ``locate``) prints a cProfile of this tree's lean path.
- **Over HTTP** (``BENCH_PART=http`` or both): both trees served as production serves them
  (bench/_served.py: Granian, gridsvc/serving.py's settings) on ``BENCH_PORT`` and +1, the
  empty app (bench/_ceiling.py) on +2; per round and tree ``wrk -t2 -c8`` for ``BENCH_SECONDS``,
  and the median latency of one Python keep-alive client (http.client, as bench/tiles.py's
  ``BENCH_FLOOR`` timed it).

The machine is shared: only the after/before ratios of the same rounds mean anything.
Run: ``BENCH_DATABASE_URL=…/gridsvc_bench_<you> BENCH_BEFORE=/work/main BENCH_PORT=8520
PYTHONPATH=. .venv/bin/python bench/lean_floor.py``.
"""

from __future__ import annotations

import cProfile
import http.client
import json
import os
import pstats
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.getcwd())  # the tree measured (--measure runs inside it)

BEFORE = os.environ.get("BENCH_BEFORE")
PART = os.environ.get("BENCH_PART", "inproc,http")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "4000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
PORT = int(os.environ.get("BENCH_PORT", "8520"))
THREADS = 4
CASES = ("304", "200", "locate")


def _setup():
    """The demo county (once), a county dispatcher's token, the z16 tile path, the app."""
    from flask_jwt_extended import create_access_token
    from sqlalchemy import text

    from bench._common import bench_account, bench_app
    from bench.tiles import CENTRE, COUNTY, tile_of
    from gridsvc.accounts.models import User
    from gridsvc.demo.boundaries import load_demo_boundaries
    from gridsvc.extensions import db

    app = bench_app("cached")  # the demo county's database that bench/cached_tile.py builds
    with app.app_context():
        if not db.session.scalar(text("SELECT count(*) FROM generations")):
            load_demo_boundaries(echo=lambda line: print(line, flush=True))
        user = bench_account("bench_cached", "county_dispatcher", COUNTY)
        db.session.commit()
        token = create_access_token(identity=db.session.get(User, user))
        number = db.session.scalar(text("SELECT max(number) FROM generations"))
    x, y = tile_of(*CENTRE, 16)
    return app, token, f"/api/v1/tiles/grids/16/{x}/{y}.mvt?generation={number}"


def _locate_query() -> str:
    from bench.tiles import CENTRE

    return f"lon={CENTRE[0]}&lat={CENTRE[1]}"


def measure() -> None:
    """In this process, this tree: µs per lean request (prints one JSON line)."""
    import logging

    app, token, tile = _setup()
    from gridsvc.boundaries import lookup_index
    from gridsvc.lean import EXTENSION

    lean = app.extensions[EXTENSION]
    route, _, query = tile.partition("?")
    # As Granian builds it (granian/wsgi.py): the process environment and its constants, then
    # the request's own names; copied per request, as Granian merges them per request.
    base = {
        **os.environ,
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SCRIPT_NAME": "",
        "SERVER_SOFTWARE": "Granian",
        "wsgi.errors": sys.stderr,
        "wsgi.input_terminated": True,
        "wsgi.multiprocess": False,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": None,
        "HTTP_HOST": f"127.0.0.1:{PORT}",
        "HTTP_ACCEPT_ENCODING": "identity",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    seen: dict = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, headers

    def call(environ: dict) -> bytes:
        return b"".join(lean(dict(environ), start_response))

    with app.app_context():
        lookup_index.current_index("unified")  # built now, not in the background
    for _ in range(3):  # the first goes through Flask, which makes the token known
        call(base)
    assert seen["status"].startswith("200"), seen
    tag = dict(seen["headers"])["ETag"]
    environs = {
        "304": {**base, "HTTP_IF_NONE_MATCH": tag},
        "200": base,
        "locate": {**base, "PATH_INFO": "/api/v1/locate", "QUERY_STRING": _locate_query()},
    }
    for environ in environs.values():
        for _ in range(3):
            call(environ)
    served = sum(handler.served for handler in lean.handlers)
    # The access log as production writes it: the root handler's stream is stderr (fd 2).
    path = Path(f"/tmp/gridsvc-bench-lean-floor-{os.getpid()}.log")  # noqa: S108
    log = path.open("wb")
    os.dup2(log.fileno(), 2)

    def loop(environ: dict, n: int) -> float:
        # This thread's CPU time: on a shared machine, less of the others' load than wall time.
        started = time.thread_time()
        for _ in range(n):
            call(environ)
        return time.thread_time() - started

    def threaded(environ: dict) -> float:
        workers = [
            threading.Thread(target=loop, args=(environ, REQUESTS // THREADS))
            for _ in range(THREADS)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - started

    result: dict[str, float] = {}
    for label, environ in environs.items():
        loop(environ, REQUESTS // 4)  # warm
        result[label] = min(loop(environ, REQUESTS) for _ in range(REPEATS)) / REQUESTS * 1e6
        result[f"{label} x{THREADS}"] = (
            min(threaded(environ) for _ in range(REPEATS)) / REQUESTS * 1e6
        )
    lines = log.tell()
    result["served"] = sum(handler.served for handler in lean.handlers) - served
    profile = os.environ.get("BENCH_PROFILE")
    if profile:
        prof = cProfile.Profile()
        prof.runcall(loop, environs[profile], REQUESTS)
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(25)
    logging.shutdown()
    os.dup2(sys.stdout.fileno(), 2)
    path.unlink()
    assert lines > 0, "nothing was logged"
    print(json.dumps(result), flush=True)


def _in_process(trees: dict[str, Path]) -> None:
    runs: dict[str, list[dict]] = {label: [] for label in trees}
    for round_ in range(ROUNDS):
        order = list(trees.items())
        if round_ % 2:
            order.reverse()  # ABBA: neither tree always runs first
        for label, tree in order:
            env = {**os.environ, "PYTHONPATH": str(tree)}
            if label != "after":
                env.pop("BENCH_PROFILE", None)
            done = subprocess.run(  # noqa: S603  (this script, in another tree)
                [sys.executable, str(Path(__file__).resolve()), "--measure"],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            out = done.stdout.strip().splitlines()
            if env.get("BENCH_PROFILE") and round_ == 0:
                print("\n".join(out[:-1]))
            runs[label].append(json.loads(out[-1]))
    keys = [k for k in runs["after"][0] if k != "served"]
    print(f"in process, µs per lean request, best of {REPEATS}×{REQUESTS}, {ROUNDS} rounds")
    for key in keys:
        after = [r[key] for r in runs["after"]]
        line = f"  {key:<12} after {statistics.median(after):7.1f}"
        if "before" in runs:
            before = [r[key] for r in runs["before"]]
            ratios = [b / a for a, b in zip(after, before, strict=True)]
            line += (
                f"   before {statistics.median(before):7.1f}   before/after"
                f" {statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"
            )
        print(line)
    print(f"  answered by the lean path per run: {runs['after'][0]['served']:,}")


def _wrk(port: int, path: str, headers: dict[str, str]) -> float:
    from bench._common import wrk_get  # this tree's (the HTTP part runs from it)

    return wrk_get(port, path, headers, SECONDS, connections=8)


def _latency(port: int, path: str, headers: dict[str, str], n: int = 400) -> float:
    """Median ms of one keep-alive client's requests (bench/tiles.py's floor)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(n):
        began = time.perf_counter()
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        answer.read()
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status in (200, 304), answer.status
    connection.close()
    return statistics.median(times)


def _over_http(trees: dict[str, Path]) -> None:
    from bench._served import served

    app, token, tile = _setup()
    uri, secret = app.config["SQLALCHEMY_DATABASE_URI"], app.config["JWT_SECRET_KEY"]
    auth = {"Authorization": f"Bearer {token}"}
    locate = f"/api/v1/locate?{_locate_query()}"
    with ExitStack() as stack:
        ports = {
            label: stack.enter_context(served(uri, PORT + i, secret, root=tree))
            for i, (label, tree) in enumerate(trees.items())
        }
        ceiling = stack.enter_context(
            served(uri, PORT + 2, secret, app_module="bench._ceiling:app")
        )
        tag = None
        for port in ports.values():  # every worker: the token known, the tile cached, the index
            for path in (tile, locate):
                _wrk(port, path, auth)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", tile, headers=auth)
            answer = connection.getresponse()
            answer.read()
            tag = answer.headers["ETag"]
        cases = {
            "304": (tile, {**auth, "If-None-Match": tag}),
            "200": (tile, auth),
            "locate": (locate, auth),
        }
        rates = {(c, t): [] for c in cases for t in [*trees, "ceiling"]}
        latencies = {(c, t): [] for c in cases for t in trees}
        ceiling_ms: list[float] = []  # the server and the client alone: the HTTP floor
        for round_ in range(ROUNDS):
            order = list(ports.items())
            if round_ % 2:
                order.reverse()
            for case, (path, headers) in cases.items():
                for label, port in order:
                    rates[case, label].append(_wrk(port, path, headers))
                    latencies[case, label].append(_latency(port, path, headers))
                if case == "304":
                    rates[case, "ceiling"].append(_wrk(ceiling, path, headers))
                    ceiling_ms.append(_latency(ceiling, path, headers))
    print(f"over HTTP: wrk -t2 -c8 -d{SECONDS}s req/s, and one keep-alive client's median ms")
    for case in cases:
        after, after_ms = rates[case, "after"], latencies[case, "after"]
        line = (
            f"  {case:<7} after {statistics.median(after):8,.0f}/s"
            f" {statistics.median(after_ms):.3f} ms"
        )
        if "before" in trees:
            before, before_ms = rates[case, "before"], latencies[case, "before"]
            ratio = [a / b for a, b in zip(after, before, strict=True)]
            lat = [b / a for a, b in zip(after_ms, before_ms, strict=True)]
            line += (
                f"   before {statistics.median(before):8,.0f}/s {statistics.median(before_ms):.3f} ms"
                f"   req/s after/before {statistics.median(ratio):.2f}×"
                f" ({min(ratio):.2f}–{max(ratio):.2f}), latency before/after"
                f" {statistics.median(lat):.2f}×"
            )
        if rates[case, "ceiling"]:
            line += (
                f"   empty app {statistics.median(rates[case, 'ceiling']):,.0f}/s"
                f" {statistics.median(ceiling_ms):.3f} ms"
            )
        print(line)


def main() -> None:
    trees = {"after": ROOT}
    if BEFORE:
        trees["before"] = Path(BEFORE).resolve()
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared with other work)", flush=True)
    if "inproc" in PART:
        _in_process(trees)
    if "http" in PART:
        _over_http(trees)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--measure"]:
        measure()
    else:
        main()
