"""Tile benchmark: grids and incidents tiles at z10-z16 through the API vs the raw ST_AsMVT
statement, over real HTTP against the server with production's settings, several clients at once.

Target (issue 13): an uncached tile through the API within 15 % of the raw statement's time.
- The API: Granian with gridsvc/serving.py's settings (2 workers) on BENCH_PORT (8105), the
  rendered-tile cache off (TILE_CACHE_ENTRIES=0) so every grids request renders; HTTP/1.1
  keep-alive clients, as a map keeps its connections.
- Raw: the same statement (grids: the text gridsvc/maps/tiles.py prepares; incidents: what the
  API runs for a county dispatcher) PREPAREd on each client's own psycopg2 connection and
  EXECUTEd with the generic plan, autocommit: one round trip, no planning.
- Both sides run BENCH_CLIENTS clients at once (default 2, the number of workers); each round
  runs the raw side then the API side, BENCH_REQUESTS requests per client; the figure is the
  median per-request latency over all rounds and the median of per-round ratios.
- ``BENCH_ZOOMS=13-16`` times only those zooms (the heavy z10-z12 incident tiles take seconds).
- ``BENCH_BEFORE=<path>``: also serve another checkout of the code (the code before a change) on
  BENCH_PORT + 1 and time it in each round after the API side: before/after in the same run.
- ``BENCH_FLOOR=1``: first time what no tile can beat, with the same clients and rounds: one
  psycopg2 round trip (``SELECT 1``, autocommit), one HTTP request the lean path answers without
  the database (a 304 of a grids tile: HTTP and the middleware alone), one through Flask
  (``GET /healthz``).
Cached tiles per second: bench/cached_tile.py.

Data: the demo county (雨湖区, 473 unified grids, specialist layers) and BENCH_INCIDENTS
incidents with cases across it, in its own database (BENCH_DATABASE_URL's name + ``_tiles``).
Run: ``PYTHONPATH=. .venv/bin/python bench/tiles.py``; ``BENCH_PART=ogc`` for only the
pygeoapi comparison (both sides on werkzeug, as before).
"""

from __future__ import annotations

import http.client
import math
import os
import re
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_account, bench_app
from bench._pygeoapi import compare
from bench._served import served

COUNTY = "430302"
CENTRE = (112.854, 27.929)
_first, _, _last = os.environ.get("BENCH_ZOOMS", "10-16").partition("-")
ZOOMS = range(int(_first), int(_last or _first) + 1)  # BENCH_ZOOMS=13-16: the small tiles only
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
REQUESTS_PER_ROUND = int(os.environ.get("BENCH_REQUESTS", "4"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))  # concurrent clients on each side
PORT = int(os.environ.get("BENCH_PORT", "8105"))
BEFORE = os.environ.get("BENCH_BEFORE")  # another checkout to serve beside this one
FLOOR = os.environ.get("BENCH_FLOOR") == "1"
N_INCIDENTS = int(os.environ.get("BENCH_INCIDENTS", "100000"))

INCIDENTS_SQL = f"""
INSERT INTO incidents (client_id, request_hash, category_code, status, geom, raw_lon, raw_lat,
    crs, reported_at, received_at, county_code, township_code, reporter_id, source)
SELECT gen_random_uuid(), 'bench', c.code, 'dispatched', ST_SetSRID(ST_MakePoint(x, y), 4326),
       x, y, 'EPSG:4326', t, t, '{COUNTY}', '{COUNTY}001', :user, 'app'
FROM generate_series(1, {N_INCIDENTS}) n
-- n * 0 ties the lateral to its row: without it PostgreSQL draws the random point once
CROSS JOIN LATERAL (SELECT 112.70 + random() * 0.28 + n * 0 AS x, 27.82 + random() * 0.22 AS y,
                           now() - random() * interval '60 days' AS t) p
JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM categories) c
  ON c.k = n % (SELECT count(*) FROM categories)
"""
CASES_SQL = """
INSERT INTO cases (incident_id, county_code, township_code, status, route, deadline_basis,
    resolution_hours, response_due_at, resolution_due_at, due_at)
SELECT i.id, i.county_code, i.township_code, i.status, 'township_team', 'natural', 24, d, d, d
FROM incidents i
CROSS JOIN LATERAL (SELECT now() + (random() * 4 - 2 + i.id * 0) * interval '1 day' AS d) x
"""

# What the API runs for a county dispatcher's incidents tile (gridsvc/maps/incident_tiles.py).
RAW_INCIDENTS = """
SELECT ST_AsMVT(t, 'incidents', 4096, 'geom') FROM (
  SELECT i.id, i.status, i.category_code AS category,
         coalesce((c.closed_at IS NULL AND c.due_at < now()) IS TRUE, false) AS overdue,
         to_char(timezone('UTC', c.due_at), 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS due_at,
         ST_AsMVTGeom(ST_Transform(i.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                      4096, 64, true) AS geom
  FROM incidents i LEFT JOIN cases c ON c.incident_id = i.id
  WHERE i.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 0.015625), 4326)
    AND (i.county_code = %(county)s OR i.reporter_id = %(user)s)
  ORDER BY i.id DESC LIMIT 20000) t
WHERE t.geom IS NOT NULL
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    rad = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)


def same_features(one: bytes, other: bytes) -> bool:
    """Both tiles hold the same features (bytes may differ: ``overdue`` is evaluated at now())."""
    import mapbox_vector_tile

    def ids(body: bytes) -> list:
        layers = mapbox_vector_tile.decode(body)
        return sorted(
            f["properties"].get("code") or f["properties"].get("id")
            for layer in layers.values()
            for f in layer["features"]
        )

    return ids(one) == ids(other)


def build(app) -> int:
    """The demo boundaries and the incidents (once); returns the dispatcher's user id."""
    from gridsvc.demo.boundaries import load_demo_boundaries
    from gridsvc.extensions import db

    with app.app_context():
        load_demo_boundaries(echo=lambda line: print(line, flush=True))
        db.session.commit()
        user = bench_account("bench_tiles", "county_dispatcher", COUNTY)
        have = db.session.execute(
            text("SELECT count(*), count(DISTINCT geom) > 1 FROM incidents")
        ).one()
        if tuple(have) != (N_INCIDENTS, True):
            # Deleting incidents row by row checks the unindexed self-references for every row
            # (minutes for 100,000): start from an empty database instead.
            assert have[0] == 0, "another BENCH_INCIDENTS was built here: drop the _tiles database"
            print(f"building {N_INCIDENTS:,} incidents with cases …", flush=True)
            db.session.execute(text(INCIDENTS_SQL), {"user": user})
            db.session.execute(text(CASES_SQL))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE incidents"))
            conn.execute(text("VACUUM ANALYZE cases"))
            conn.execute(text("VACUUM ANALYZE areas"))
        return user


def serve(app) -> int:
    """werkzeug on a free port, in this process: only for the pygeoapi comparison, which runs
    pygeoapi under werkzeug too."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


def prepared(cursor, name: str, sql: str, names: list[str]) -> str:
    """PREPARE ``sql`` (its ``%(name)s`` placeholders become $1..$n, in ``names`` order); returns
    the EXECUTE statement taking the same dict of values."""
    for position, parameter in enumerate(names, 1):
        sql = sql.replace(f"%({parameter})s", f"${position}")
    cursor.execute(f"PREPARE {name} AS {sql}")
    return f"EXECUTE {name} ({', '.join(f'%({p})s' for p in names)})"


def grid_statement(number: int) -> str:
    from gridsvc.maps import tiles

    sql = tiles.area_tile_sql(grid=True, number=number, scoped=True)
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


class RawClient:
    """One client of the raw side: its own connection, both tile statements prepared on it."""

    def __init__(self, dsn: str, number: int, user_id: int) -> None:
        import psycopg2

        from gridsvc.maps import tiles

        self.connection = psycopg2.connect(dsn)
        self.connection.autocommit = True
        self.cursor = self.connection.cursor()
        # The API runs its grids statement with the generic plan (gridsvc/prepared.py): so do we.
        self.cursor.execute("SET plan_cache_mode = force_generic_plan")
        grid_params = ["z", "x", "y", "margin", "pixel", "name", "level", "layer", "county"]
        self.grid_sql = prepared(self.cursor, "grid_tile", grid_statement(number), grid_params)
        self.incidents_sql = prepared(
            self.cursor, "incident_tile", RAW_INCIDENTS, ["z", "x", "y", "county", "user"]
        )
        self.tiles, self.user_id = tiles, user_id

    def get(self, layer: str, z: int, x: int, y: int) -> bytes:
        if layer == "grids":
            values = {
                "z": z,
                "x": x,
                "y": y,
                "margin": self.tiles.BUFFER / self.tiles.EXTENT,
                "pixel": self.tiles.snap_step(z),
                "name": "grids",
                "level": "grid",
                "layer": "unified",
                "county": COUNTY,
            }
            self.cursor.execute(self.grid_sql, values)
        else:
            values = {"z": z, "x": x, "y": y, "county": COUNTY, "user": self.user_id}
            self.cursor.execute(self.incidents_sql, values)
        return bytes(self.cursor.fetchone()[0] or b"")


class ApiClient:
    """One client of the API side: an HTTP/1.1 keep-alive connection, as a map keeps one."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"}

    def fetch(self, path: str, extra: dict | None = None) -> tuple[int, bytes, dict]:
        try:
            return self._fetch(path, extra)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server may close idle keep-alive connections, as a
            # browser finds too: open a new one and ask again.
            self.connection.close()
            return self._fetch(path, extra)

    def _fetch(self, path: str, extra: dict | None) -> tuple[int, bytes, dict]:
        self.connection.request("GET", path, headers={**self.headers, **(extra or {})})
        answer = self.connection.getresponse()
        return answer.status, answer.read(), answer.headers


def timed_together(calls: list) -> list[float]:
    """Run each client's ``call`` REQUESTS_PER_ROUND times, all clients at once; the latencies
    (ms) of every call."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(calls))

    def client(call) -> None:
        mine = []
        start.wait()
        for _ in range(REQUESTS_PER_ROUND):
            began = time.perf_counter()
            call()
            mine.append((time.perf_counter() - began) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def floor(raws: list[RawClient], apis: list[ApiClient], not_modified: str) -> None:
    """What no uncached tile through the API can beat, timed like the tiles (same clients, same
    rounds): one database round trip, one HTTP request the lean path answers without the
    database (a 304 for ``not_modified``, a tile path), and one through Flask (``/healthz``)."""
    _status, _body, heads = apis[0].fetch(not_modified)
    revalidate = {"If-None-Match": heads["ETag"]}
    assert apis[0].fetch(not_modified, revalidate)[0] == 304
    trip, lean, flask = [], [], []
    for _ in range(ROUNDS):
        trip += timed_together([lambda r=r: r.cursor.execute("SELECT 1") for r in raws])
        lean += timed_together([lambda a=a: a.fetch(not_modified, revalidate) for a in apis])
        flask += timed_together([lambda a=a: a.fetch("/healthz") for a in apis])
    print(
        f"floor: one psycopg2 round trip {statistics.median(trip):.3f} ms; HTTP without the"
        f" database: a lean 304 {statistics.median(lean):.3f} ms,"
        f" GET /healthz through Flask {statistics.median(flask):.3f} ms"
    )


def bench_world():
    """(app, the dispatcher's id, their access token, the newest generation's number), the
    database built on first use; bench/tiles_c.py uses the same."""
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts.models import User
    from gridsvc.extensions import db

    app = bench_app("tiles")
    user_id = build(app)
    with app.app_context():
        token = create_access_token(identity=db.session.get(User, user_id))
        number = db.session.scalar(text("SELECT max(number) FROM generations"))
    return app, user_id, token, number


def main() -> None:
    app, user_id, token, number = bench_world()
    database_uri = app.config["SQLALCHEMY_DATABASE_URI"]
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared with other work)")
    if os.environ.get("BENCH_PART") == "ogc":  # only the pygeoapi comparison
        port = serve(app)
        compare(database_uri, port, {"Authorization": f"Bearer {token}"}, ROUNDS)
        return

    dsn = make_url(database_uri).set(drivername="postgresql").render_as_string(False)
    # The rendered-tile cache off (TILE_CACHE_ENTRIES=0): every grids request renders.
    secret = app.config["JWT_SECRET_KEY"]
    with ExitStack() as stack:
        stack.enter_context(served(database_uri, PORT, secret, TILE_CACHE_ENTRIES="0"))
        if BEFORE:
            before_root = Path(BEFORE).resolve()
            stack.enter_context(
                served(database_uri, PORT + 1, secret, root=before_root, TILE_CACHE_ENTRIES="0")
            )
        raws = [RawClient(dsn, number, user_id) for _ in range(CLIENTS)]
        apis = [ApiClient(PORT, token) for _ in range(CLIENTS)]
        befores = [ApiClient(PORT + 1, token) for _ in range(CLIENTS)] if BEFORE else []
        print(
            f"Granian (gridsvc/serving.py) on :{PORT}, tile cache off; {CLIENTS} concurrent clients"
            f" per side, {ROUNDS} interleaved rounds of {REQUESTS_PER_ROUND} requests per client"
            + (f"; before: {BEFORE} on :{PORT + 1}" if BEFORE else "")
        )
        if FLOOR:
            x, y = tile_of(*CENTRE, 16)
            floor(raws, apis, f"/api/v1/tiles/grids/16/{x}/{y}.mvt?generation={number}")
        extra = f"{'before ms':>11}{'before/raw':>12}" if BEFORE else ""
        print(f"{'tile':<16}{'bytes':>9}{'raw ms':>9}{'API ms':>9}{'API/raw':>9}{extra}")
        for layer in ("grids", "incidents"):
            for z in ZOOMS:
                x, y = tile_of(*CENTRE, z)
                path = f"/api/v1/tiles/{layer}/{z}/{x}/{y}.mvt"
                if layer == "grids":
                    path += f"?generation={number}"
                status, body, _ = apis[0].fetch(path)
                assert status == 200, (status, body[:300])
                assert same_features(body, raws[0].get(layer, z, x, y)), f"{path}: sides differ"
                if befores:
                    status, before_body, _ = befores[0].fetch(path)
                    assert status == 200, (status, before_body[:300])
                    assert same_features(body, before_body), f"{path}: before and after differ"
                raw_ms, api_ms, before_ms, ratios, before_ratios = [], [], [], [], []
                for _ in range(ROUNDS):
                    raw_round = timed_together(
                        [lambda r=r: r.get(layer, z, x, y) for r in raws]  # noqa: B023
                    )
                    api_round = timed_together(
                        [lambda a=a: a.fetch(path) for a in apis]  # noqa: B023
                    )
                    raw_ms += raw_round
                    api_ms += api_round
                    ratios.append(statistics.median(api_round) / statistics.median(raw_round))
                    if befores:
                        before_round = timed_together(
                            [lambda a=a: a.fetch(path) for a in befores]  # noqa: B023
                        )
                        before_ms += before_round
                        before_ratios.append(
                            statistics.median(before_round) / statistics.median(raw_round)
                        )
                extra = (
                    f"{statistics.median(before_ms):>11.2f}{statistics.median(before_ratios):>12.2f}"
                    if befores
                    else ""
                )
                print(
                    f"{layer} z{z:<9}{len(body):>9,}{statistics.median(raw_ms):>9.2f}"
                    f"{statistics.median(api_ms):>9.2f}{statistics.median(ratios):>9.2f}{extra}"
                )
        for raw in raws:
            raw.connection.close()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
