"""OGC API – Features items at limit=500: ours against pygeoapi on the same PostGIS table.

pygeoapi is installed from PyPI only here, into a venv of its own (``var/bench-pygeoapi``, or
``PYGEOAPI_VENV``), so its pins never touch ours, and runs as its own process (``pygeoapi serve``,
werkzeug, like our bench server) on a loopback port. Its PostgreSQL provider reads the ``areas``
table itself; both sides are asked for the current unified grids (pygeoapi by property filters,
which its provider turns into SQL), each page fully read over HTTP/1.1, rounds interleaved, the
median of the per-round ratios reported.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 500

CONFIG = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {{default_items: {limit}, max_items: 10000}}
  map: {{url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png", attribution: OSM}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme,
                   terms_of_service: none, url: http://127.0.0.1}}
  license: {{name: none, url: "http://127.0.0.1"}}
  provider: {{name: bench, url: "http://127.0.0.1"}}
  contact: {{name: bench, position: bench, address: bench, city: bench, stateorprovince: bench,
            postalcode: "0", country: bench, phone: "0", fax: "0", email: bench@example.org,
            url: "http://127.0.0.1", hours: always, instructions: none, role: pointOfContact}}
resources:
  areas:
    type: collection
    title: areas
    description: the gridsvc areas table
    keywords: [areas]
    extents:
      spatial: {{bbox: [73, 3, 136, 54], crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: {host}, port: {dbport}, dbname: {dbname}, user: {user}, password: "{password}"}}
        id_field: id
        table: areas
        geom_field: geom
"""


def _venv() -> Path:
    venv = Path(os.environ.get("PYGEOAPI_VENV", ROOT / "var" / "bench-pygeoapi"))
    if not (venv / "bin" / "pygeoapi").exists():
        print(f"installing pygeoapi into {venv} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
        pip = [str(venv / "bin" / "pip"), "install", "-q"]
        packages = ["pygeoapi", "psycopg2-binary", "geoalchemy2", "sqlalchemy"]
        subprocess.run([*pip, *packages], check=True)  # noqa: S603  (PyPI, in its own venv)
    return venv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    return answer.status, answer.read()


def compare(database_uri: str, our_port: int, our_headers: dict, rounds: int) -> None:
    """Print the median time of a limit=500 grids page on both sides and the median ratio."""
    import orjson

    venv = _venv()
    url = make_url(database_uri)
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="bench-pygeoapi-"))
    config, openapi = work / "config.yml", work / "openapi.yml"
    config.write_text(
        CONFIG.format(
            port=port,
            limit=LIMIT,
            host=url.host or "127.0.0.1",
            dbport=url.port or 5432,
            dbname=url.database,
            user=url.username or "postgres",
            password=url.password or "",
        )
    )
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    tool = str(venv / "bin" / "pygeoapi")
    generate = [tool, "openapi", "generate", str(config), "--output-file", str(openapi)]
    subprocess.run(generate, check=True, env=env, capture_output=True)  # noqa: S603
    server = subprocess.Popen(  # noqa: S603  (our own venv's tool)
        [tool, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        theirs = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        ours = http.client.HTTPConnection("127.0.0.1", our_port, timeout=60)
        their_path = f"/collections/areas/items?f=json&limit={LIMIT}&level=grid&layer=unified"
        our_path = f"/api/v1/ogc/collections/grids/items?limit={LIMIT}"
        for _ in range(100):  # the server takes a moment to start
            try:
                status, body = _get(theirs, their_path, {})
                break
            except OSError:
                time.sleep(0.2)
                theirs = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        assert status == 200, (status, body[:300])
        status, our_body = _get(ours, our_path, our_headers)
        assert status == 200, (status, our_body[:300])
        counts = [len(orjson.loads(b)["features"]) for b in (our_body, body)]
        assert counts[0] == counts[1], f"the two pages differ: {counts}"
        our_ms, their_ms = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            _get(ours, our_path, our_headers)
            our_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            _get(theirs, their_path, {})
            their_ms.append((time.perf_counter() - started) * 1000)
        ratio = statistics.median(o / t for o, t in zip(our_ms, their_ms, strict=True))
        print(
            f"OGC items, {counts[0]} grids at limit={LIMIT}, {rounds} interleaved rounds: ours "
            f"{statistics.median(our_ms):.1f} ms ({len(our_body):,} B), pygeoapi "
            f"{statistics.median(their_ms):.1f} ms ({len(body):,} B), ours/pygeoapi {ratio:.2f}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
