"""A 100,000-cell publish as a job, and what single lookups through HTTP see meanwhile.

The layer is bench/locate.py's province (100,000 synthetic grids from gridsvc/synthetic, with
their counties, townships and villages). A draft replacing every grid is staged as a validated
upload, then published the way the API does it: ``publish_jobs.request_publish`` (what the POST
records) and the ``boundaries.run_publish`` task (Celery, run in this process). Meanwhile
``CLIENTS`` connections send single ``GET /api/v1/locate`` requests, one after another, to the
server as production runs it (``python -m gridsvc.serving``: Granian, 2 workers) on ``PORT``;
every latency is recorded with the generation it answered. The window measured runs from the
publish's start until every answer names the new generation (both workers swapped their index).
Each window prints p50, p99, max and the share above 100 ms; the workers' memory (RSS, its
anonymous and file-backed parts, PSS) is read before the publish and at the end.

``BENCH_COMPARE=/path/to/another/checkout`` (e.g. ``git archive main | tar -x -C /tmp/base``)
alternates runs of this checkout's server and that one's, ``BENCH_RUNS`` in all, so that both
meet the same load. Each run publishes a new generation.

Targets (issue 17): the publish finishes as a job without error; no lookup above 100 ms.
Run: ``.venv/bin/python bench/publish.py`` (BENCH_DATABASE_URL as for the other benches;
``BENCH_PORT`` a port of your own; ``BENCH_ONE_VILLAGE=1`` for a quick publish).
"""

from __future__ import annotations

import http.client
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import orjson
from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    BENCH_URL,
    SERVER_PIDS,
    bench_app,
    children_of,
    memory_of,
    production_server,
)
from bench.locate import BBOX, N_GRIDS, build_layer

ROOT = Path(__file__).resolve().parent.parent

PORT = int(os.environ.get("BENCH_PORT", "8102"))
CLIENTS = 4
# BENCH_ONE_VILLAGE=1: the draft replaces one village's grids (a publish of a second or two), to
# look at the index rebuild alone, which is the same whole-layer rebuild after any publish.
ONE_VILLAGE = os.environ.get("BENCH_ONE_VILLAGE") == "1"
FILENAME = "bench-publish-village.geojson" if ONE_VILLAGE else "bench-publish.geojson"
SETTLE_SECONDS = 5.0  # lookups before the publish, and after the last old answer


def stage_draft(app):
    """A validated upload whose draft replaces every grid of the layer (names changed)."""
    from gridsvc.boundaries import store
    from gridsvc.boundaries.models import BoundaryUpload
    from gridsvc.extensions import db
    from gridsvc.synthetic import synthetic_grid_layer

    with app.app_context():
        staged = db.session.scalar(
            select(BoundaryUpload.id).where(
                BoundaryUpload.filename == FILENAME,
                BoundaryUpload.status == "validated",
            )
        )
        if staged is not None:  # an earlier run's draft, never published
            return staged
        cells = synthetic_grid_layer(N_GRIDS, bbox=BBOX, seed=7)
        if ONE_VILLAGE:
            cells = [(code, polygon) for code, polygon in cells if code[:12] == cells[0][0][:12]]
        draft = store.new_draft(
            level="grid", layer="unified", county_code=None, source="upload", user_id=None
        )
        store.write_features(
            draft.id,
            (
                store.StoredFeature(
                    level="grid",
                    layer="unified",
                    code=code,
                    name=f"{code} v2",
                    parent_code=code[:12],
                    geometry=polygon,
                )
                for code, polygon in cells
            ),
        )
        upload = BoundaryUpload(
            level="grid",
            layer="unified",
            county_code=None,
            filename=FILENAME,
            stored_path="",
            size_bytes=0,
            sha256="0" * 64,
            status="validated",
            report={"ok": True, "summary": {"features": len(cells)}},
            generation_id=draft.id,
        )
        db.session.add(upload)
        db.session.commit()
        return upload.id


class Lookups(threading.Thread):
    """One client: single lookups back to back, (time, ms, generation) for each."""

    def __init__(self, headers: dict, seed: int) -> None:
        super().__init__(daemon=True)
        self.headers, self.random = headers, random.Random(seed)
        self.samples: list[tuple[float, float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = None
        while not self.stop.is_set():
            if conn is None or len(self.samples) % 50 == 0:  # reconnect: reach both workers
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            lon = self.random.uniform(BBOX[0] + 0.01, BBOX[2] - 0.01)
            lat = self.random.uniform(BBOX[1] + 0.01, BBOX[3] - 0.01)
            started = time.perf_counter()
            conn.request("GET", f"/api/v1/locate?lon={lon:.6f}&lat={lat:.6f}", headers=self.headers)
            response = conn.getresponse()
            body = response.read()
            ms = (time.perf_counter() - started) * 1000
            assert response.status == 200, body[:300]
            self.samples.append((time.monotonic(), ms, orjson.loads(body)["generation"]))


def warm(headers: dict) -> None:
    """Bulk lookups build the index in the worker they reach; enough of them reach both."""
    body = orjson.dumps({"points": [{"lon": 112.0, "lat": 27.0}]})
    for _ in range(12):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        conn.request(
            "POST",
            "/api/v1/locate",
            body=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        assert response.status == 200, response.read()[:300]


def summary(label: str, samples: list[tuple[float, float, int]]) -> None:
    """Count, p50, p99, max and how many above 100 ms; a load average sample beside it."""
    ms = sorted(s[1] for s in samples)
    if not ms:
        print(f"{label}: no lookups")
        return
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    slow = sum(1 for m in ms if m > 100)
    print(
        f"{label:<34} {len(ms):>6} lookups  p50 {statistics.median(ms):6.1f} ms"
        f"  p99 {p99:6.1f} ms  max {ms[-1]:7.1f} ms  > 100 ms: {slow} ({slow / len(ms):.2%})"
    )


def workers_memory(label: str) -> None:
    """RSS (anonymous + file-backed) and PSS of each worker of the server on PORT."""
    figures = [memory_of(pid) for pid in children_of(SERVER_PIDS[PORT])]
    print(
        f"{label:<34} "
        + "; ".join(
            f"RSS {m['VmRSS']:.0f} MB (anon {m['RssAnon']:.0f}, file {m['RssFile']:.0f}),"
            f" PSS {m['Pss']:.0f} MB"
            for m in figures
        )
    )


def main() -> None:
    app = bench_app()
    build_layer(app)
    compare = os.environ.get("BENCH_COMPARE")
    runs = int(os.environ.get("BENCH_RUNS", "2" if compare else "1"))
    for k in range(runs):
        code = Path(compare) if compare and k % 2 else ROOT
        print(f"\n== run {k + 1}/{runs}: the server from {code}", flush=True)
        one_run(app, code)


def one_run(app, code: Path) -> None:
    from flask_jwt_extended import create_access_token

    from bench._common import bench_account
    from gridsvc.accounts import Scope
    from gridsvc.accounts.models import User
    from gridsvc.boundaries import publish_jobs
    from gridsvc.boundaries.models import BoundaryUpload
    from gridsvc.boundaries.tasks import run_publish
    from gridsvc.extensions import db

    print(f"bench database {BENCH_URL.rsplit('/', 1)[-1]}; staging the draft ({FILENAME}) …")
    upload_id = stage_draft(app)
    with app.app_context():
        account = bench_account("bench-publish", "admin", None)
        db.session.commit()
        token = create_access_token(identity=db.session.get(User, account))
        headers = {"Authorization": f"Bearer {token}"}
        old_number = db.session.scalar(text("SELECT max(number) FROM generations"))
    clients = [Lookups(headers, seed) for seed in range(CLIENTS)]
    with production_server(app, PORT, {"LOG_LEVEL": "WARNING"}, root=code):
        try:
            warm(headers)
            for client in clients:
                client.start()
            time.sleep(SETTLE_SECONDS)
            workers_memory("workers before the publish")
            with app.app_context():
                upload = db.session.get(BoundaryUpload, upload_id)
                started = time.monotonic()
                job, _created = publish_jobs.request_publish(
                    Scope(user_id=None, role="admin"), upload, None, "bench: every grid again"
                )
                db.session.commit()
                requested_ms = (time.monotonic() - started) * 1000
                run_publish.apply(args=[str(job.id)])  # what the worker runs
                committed = time.monotonic()
                published_s = committed - started
                db.session.remove()
                done = db.session.execute(
                    text(
                        "SELECT j.status, j.attempts, j.error, g.number,"
                        " g.published_at - j.started_at"
                        " FROM generation_publishes j JOIN generations g ON g.id = j.draft_id"
                        " WHERE j.id = :id"
                    ),
                    {"id": job.id},
                ).one()
            print(
                f"publish job: {done.status} after {published_s:.1f} s (request"
                f" {requested_ms:.0f} ms, attempts {done.attempts}, error {done.error});"
                f" generation {old_number} -> {done.number}; store.publish took"
                f" {done[4].total_seconds():.1f} s of it (the rest: the publish listeners, in"
                " the same transaction)"
            )
            last_old = committed
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:  # until every client hears the new generation
                time.sleep(0.5)
                recent = [s for c in clients for s in c.samples if s[0] > time.monotonic() - 2]
                last_old = max(
                    (s[0] for c in clients for s in c.samples if s[2] == old_number), default=0
                )
                if recent and all(s[2] != old_number for s in recent):
                    time.sleep(SETTLE_SECONDS)
                    break
            workers_memory("workers after the swap")
        finally:
            for client in clients:
                client.stop.set()
            for client in clients:
                client.join(timeout=35)
    samples = [s for c in clients for s in c.samples]
    if os.environ.get("BENCH_SAMPLES"):  # every (seconds from the publish, ms, generation)
        Path(os.environ["BENCH_SAMPLES"]).write_bytes(
            orjson.dumps([(t - started, ms, g) for t, ms, g in samples])
        )
    summary("before the publish", [s for s in samples if s[0] < started])
    summary("while the publish job runs", [s for s in samples if started <= s[0] < committed])
    summary(
        "rebuild (to the last old answer)", [s for s in samples if committed <= s[0] <= last_old]
    )
    summary("after", [s for s in samples if s[0] > last_old])
    slowest = sorted(samples, key=lambda s: -s[1])[:5]
    print("slowest:", ", ".join(f"{ms:.0f} ms at {t - started:+.1f} s" for t, ms, _g in slowest))
    print(f"rebuild visible {last_old - started:.1f} s after the publish started")
    with open("/proc/loadavg") as load:
        print(f"load average: {load.read().split()[:3]}", flush=True)


if __name__ == "__main__":
    main()
