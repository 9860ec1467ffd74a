"""The edge, honestly: hot paths through real HTTP against production's server vs the best raw SQL.

API side: the server as production runs it (gridsvc/serving.py: Granian, 2 workers) on the bench
database, loaded by ``wrk`` with 8 keep-alive connections; a Lua script builds every request
(random points, fresh client_ids). Raw side: ``pgbench -M prepared`` with 4 clients running the
SQL that does the same work, against the same database and indexes:

- ``GET /api/v1/locate``: the point-in-polygon lookup on ``area_parts`` (GiST), four rows.
- ``POST /api/v1/incidents``: in one transaction, the lookup, the app's own filing statement (the
  duplicate search, the incident, its "reported" event) and the app's own case-opening statement
  (the case and its "routed" event), the way ``gridsvc.prepared`` runs them.
- ``POST /api/v1/sync``, 100 reports per request: an absolute rate (target >= 2,000 incidents/s).

Rounds interleave every side; a ratio is the median of the per-round ratios. See bench/README.md.
``BENCH_PATHS`` picks the rows (default ``locate,report,sync``; ``locate-full`` is the same
server with ``LOCATE_FAST_PATH=0``); without a locate row the 100,000-grid layer is not built.
``BENCH_PORT`` moves the servers' ports (default 8104, 8105, 8114, 8115);
``BENCH_BASELINE=<another source tree>`` adds report/sync rows "this tree / baseline".
Run: ``BENCH_DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/gridsvc_bench_<you>
.venv/bin/python bench/edge.py [rounds] [seconds]`` (first run builds a 100,000-grid layer).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ingest, locate
from bench._common import (
    Pair,
    bench_account,
    bench_app,
    interleaved,
    libpq_url,
    load_average,
    pgbench,
    production_server,
    table,
    wrk,
)

# Ports: BENCH_PORT (default 8104) for locate, +1 for the full-path locate server, +10 for
# reports, so benches of several people on one machine need not collide.
LOCATE_PORT = int(os.environ.get("BENCH_PORT", "8104"))
LOCATE_FULL_PORT, INGEST_PORT = LOCATE_PORT + 1, LOCATE_PORT + 10
# BENCH_PATHS picks rows (default: all but locate-full), e.g. BENCH_PATHS=locate,locate-full.
PATHS = ("locate", "locate-full", "report", "sync")
SYNC_BATCH = 100

# Shared by the request scripts: a seed per wrk thread, a random UUID, a JSON report.
LUA_COMMON = r"""
local threads = 0
function setup(thread) thread:set("seed", threads); threads = threads + 1 end
function init(args) math.randomseed(os.time() * 1000 + seed) end
local function hex(n) return string.format("%0" .. n .. "x", math.random(0, 16 ^ n - 1)) end
function uuid()
  return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(6) .. hex(6)
end
local categories = {"0102", "0201", "0501", "0503", "0601", "0701"}
function report(x0, y0, span)
  local lon, lat = x0 + math.random() * span, y0 + math.random() * span
  return string.format(
    '{"client_id":"%s","category":"%s","location":{"type":"Point","coordinates":[%.7f,%.7f]},'
    .. '"accuracy_m":5,"reported_at":"%s","description":"占道经营"}',
    uuid(), categories[math.random(1, #categories)], lon, lat,
    os.date("!%Y-%m-%dT%H:%M:%S+00:00"))
end
"""


def locate_lua(token: str) -> str:
    x0, y0 = locate.BBOX[0] + 0.01, locate.BBOX[1] + 0.01
    span = locate.BBOX[2] - locate.BBOX[0] - 0.02
    return (
        LUA_COMMON
        + f"""
wrk.headers["Authorization"] = "Bearer {token}"
function request()
  local lon, lat = {x0} + math.random() * {span}, {y0} + math.random() * {span}
  return wrk.format("GET", string.format("/api/v1/locate?lon=%.7f&lat=%.7f", lon, lat))
end
"""
    )


def _ingest_box() -> tuple[float, float, float]:
    margin = 0.002
    return (
        ingest.BBOX[0] + margin,
        ingest.BBOX[1] + margin,
        ingest.BBOX[2] - ingest.BBOX[0] - 2 * margin,
    )


def report_lua(token: str, path: str, batch: int | None) -> str:
    x0, y0, span = _ingest_box()
    if batch is None:
        body = f"report({x0}, {y0}, {span})"
    else:
        body = f"""'{{"incidents":[' .. table.concat(items({batch}), ",") .. ']}}'"""
    return (
        LUA_COMMON
        + f"""
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
function items(n)
  local out = {{}}
  for i = 1, n do out[i] = report({x0}, {y0}, {span}) end
  return out
end
function request() return wrk.format(nil, "{path}", nil, {body}) end
"""
    )


def _located_sql() -> str:
    """The lookup as one row (pgbench's \\gset takes one), the point from pgbench's variables."""
    from gridsvc.boundaries.queries import LOCATE_SQL, generation_filter

    lookup = LOCATE_SQL.format(generation=generation_filter(None, "p")).replace(
        ":layer", "'unified'"
    )
    lookup = lookup.replace("SELECT a.level", "SELECT p.gen_from, a.level")
    return (
        "SELECT max(code) FILTER (WHERE level = 'county') AS county,"
        " max(code) FILTER (WHERE level = 'township') AS township,"
        " max(code) FILTER (WHERE level = 'village') AS village,"
        " max(code) FILTER (WHERE level = 'grid') AS grid,"
        " max(gen_from) FILTER (WHERE level = 'grid') AS gen,"
        f" jsonb_object_agg(level, name) AS names FROM ({lookup}) found \\gset\n"
    )


def _positional(sql: str, values: dict[int, str]) -> str:
    return re.sub(r"\$(\d+)\b", lambda m: values[int(m.group(1))], sql)


def raw_locate_script() -> str:
    from gridsvc.boundaries.queries import LOCATE_SQL, generation_filter

    x0, y0 = locate.BBOX[0] + 0.01, locate.BBOX[1] + 0.01
    micro = round((locate.BBOX[2] - locate.BBOX[0] - 0.02) * 1_000_000)
    lookup = LOCATE_SQL.format(generation=generation_filter(None, "p"))
    lookup = lookup.replace(":layer", "'unified'").strip().replace("\n", " ")
    return (
        f"\\set lon {x0} + random(0, {micro}) / 1000000.0\n"
        f"\\set lat {y0} + random(0, {micro}) / 1000000.0\n"
        f"{lookup};\n"
    )


def raw_report_script(user_id: int) -> str:
    """One report as the app files it: locate, file (duplicate search, incident, event), route."""
    from gridsvc.incidents.ingest_sql import INSERT_REPORTS_SQL
    from gridsvc.routing.cases.intake import WRITE_SQL

    x0, y0, span = _ingest_box()
    micro = round(span * 1_000_000)
    routing = (
        '{"target": "triage", "team": null, "cooperating": [], "deadline_basis": "natural",'
        ' "response_hours": 2, "resolution_hours": 24, "trace": ["no team, list entry or zone"]}'
    )
    file_values = {
        1: "ARRAY[gen_random_uuid()]",
        2: "ARRAY[repeat('0', 64)]",
        3: "ARRAY[(ARRAY['0102','0201','0501','0503','0601','0701'])[:cat]]",
        4: "ARRAY[CAST(:lon AS float8)]",
        5: "ARRAY[CAST(:lat AS float8)]",
        6: "ARRAY[CAST(:lon AS float8)]",
        7: "ARRAY[CAST(:lat AS float8)]",
        8: "ARRAY['EPSG:4326']",
        9: "ARRAY[5.0::float8]",
        10: "ARRAY[now()]",
        11: "ARRAY['占道经营']",
        12: "ARRAY[NULL::text]",
        13: "ARRAY[CAST(:county AS text)]",
        14: "ARRAY[CAST(:township AS text)]",
        15: "ARRAY[CAST(:village AS text)]",
        16: "ARRAY[CAST(:grid AS text)]",
        17: "ARRAY[CAST(:gen AS int)]",
        18: "ARRAY[CAST(:names AS jsonb)]",
        19: "ARRAY[false]",
        20: f"ARRAY['{routing}'::jsonb]",
        21: str(user_id),
        22: "'app'",
    }
    route_values = {
        1: "ARRAY[CAST(:r_id AS bigint)]",
        2: "ARRAY['triage']",
        3: "ARRAY[NULL::int]",
        4: "ARRAY['{}']",
        5: "ARRAY['natural']",
        6: "ARRAY[24.0::float8]",
        7: "ARRAY[now() + interval '2 hours']",
        8: "ARRAY[now() + interval '24 hours']",
    }
    one_line = lambda sql: " ".join(sql.split())  # noqa: E731 (pgbench reads a statement per line)
    return (
        f"\\set lon {x0} + random(0, {micro}) / 1000000.0\n"
        f"\\set lat {y0} + random(0, {micro}) / 1000000.0\n"
        "\\set cat random(1, 6)\n"
        "BEGIN;\n"
        + one_line(_located_sql().replace(" \\gset\n", ""))
        + " \\gset\n"
        + one_line(_positional(INSERT_REPORTS_SQL, file_values)).replace(
            "SELECT * FROM ins", "SELECT id FROM ins"
        )
        + " \\gset r_\n"
        + one_line(_positional(WRITE_SQL, route_values))
        + ";\nCOMMIT;\n"
    )


def count_incidents(app) -> int:
    from gridsvc.extensions import db

    with app.app_context():
        return db.session.scalar(text("SELECT count(*) FROM incidents"))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    paths = {p.strip() for p in os.environ.get("BENCH_PATHS", "locate,report,sync").split(",")}
    if not paths <= set(PATHS):
        raise SystemExit(f"BENCH_PATHS: a comma-separated subset of {', '.join(PATHS)}")
    print(f"{date.today()}: {load_average()}; paths {sorted(paths)}", flush=True)
    locating = bool(paths & {"locate", "locate-full"})
    filing = bool(paths & {"report", "sync"})
    with ExitStack() as servers:
        pairs: list[Pair] = []
        if locating:
            pairs += _locate_pairs(servers, paths, seconds)
        if filing:
            pairs += _filing_pairs(servers, paths, seconds)
        interleaved(pairs, rounds)
    print()
    print(table(pairs))
    print(f"\n{rounds} rounds of {seconds:g} s per side; {load_average()}")
    print("targets: locate >= 25 % of raw, incidents >= 40 % of raw, sync >= 2,000 incidents/s")


def _locate_pairs(servers: ExitStack, paths: set[str], seconds: float) -> list[Pair]:
    locate_app = bench_app()
    locate.build_layer(locate_app)
    with locate_app.app_context():
        from flask_jwt_extended import create_access_token

        from gridsvc.accounts.models import User
        from gridsvc.extensions import db

        admin_id = bench_account("bench_edge_admin", "admin", None)
        db.session.commit()
        admin_token = create_access_token(identity=db.session.get(User, admin_id))
    locate_url = libpq_url(locate_app)
    lua_locate, sql_locate = locate_lua(admin_token), raw_locate_script()
    pairs = []
    if "locate" in paths:
        base = servers.enter_context(production_server(locate_app, LOCATE_PORT))
        _warm_up(base, lua_locate)
        pairs.append(
            Pair(
                "`GET /api/v1/locate`",
                lambda: wrk(base, lua_locate, seconds),
                lambda: pgbench(locate_url, sql_locate, seconds),
                "req/s",
                target=0.25,
            )
        )
    if "locate-full" in paths:
        # The same server with the lean locate switched off: Flask's own path, for comparison.
        full = servers.enter_context(
            production_server(locate_app, LOCATE_FULL_PORT, {"LOCATE_FAST_PATH": "0"})
        )
        _warm_up(full, lua_locate)
        pairs.append(
            Pair(
                "`GET /api/v1/locate`, full Flask path (`LOCATE_FAST_PATH=0`)",
                lambda: wrk(full, lua_locate, seconds),
                lambda: pgbench(locate_url, sql_locate, seconds),
                "req/s",
            )
        )
    pgbench(locate_url, sql_locate, 2)
    return pairs


def _warm_up(base: str, lua: str) -> None:
    """Each worker builds its locate index on first use, in the background (a 100,000-grid
    index takes from seconds on a quiet machine to a minute on a loaded one, the SQL path
    answering meanwhile): load the server until its log says every worker has built it, then
    until three rounds in a row gain less than 10 % on the best (tokens learnt, plans cached)."""
    log = Path(tempfile.gettempdir()) / f"gridsvc-bench-{base.rsplit(':', 1)[1]}.log"
    seen = log.read_bytes().count(b"locate index built") if log.exists() else 0
    workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
    for _ in range(60):
        built = log.read_bytes().count(b"locate index built") - seen
        if built >= workers:
            break
        now = wrk(base, lua, 2)
        print(f"  building the index ({built}/{workers} workers): {now:,.0f} req/s", flush=True)
    best, flat = 0.0, 0
    for _ in range(24):
        now = wrk(base, lua, 5)
        print(f"  warming up GET /locate on {base}: {now:,.0f} req/s", flush=True)
        flat = flat + 1 if now < best * 1.1 else 0
        best = max(best, now)
        if flat == 3:
            break


def _filing_pairs(servers: ExitStack, paths: set[str], seconds: float) -> list[Pair]:
    ingest_app = bench_app("ingest")
    county = ingest.build_county(ingest_app)
    ingest.reset_incidents(ingest_app)
    user_id, worker_headers = ingest.make_worker(ingest_app, county)
    worker_token = worker_headers["Authorization"].removeprefix("Bearer ")
    ingest_url = libpq_url(ingest_app)
    ingest_base = servers.enter_context(production_server(ingest_app, INGEST_PORT))
    lua_report = report_lua(worker_token, "/api/v1/incidents", None)
    lua_sync = report_lua(worker_token, "/api/v1/sync", SYNC_BATCH)
    sql_report = raw_report_script(user_id)
    # A report locates its point in the same per-worker index as GET /locate: until the
    # background build is done (seconds on a busy machine) each one asks PostGIS instead.
    warm_up(ingest_base, lua_report, "POST /incidents", seconds=3)
    wrk(ingest_base, lua_sync, 2)
    pgbench(ingest_url, sql_report, 2)

    def reports_through(path_rate):
        def run() -> float:
            before = count_incidents(ingest_app)
            rate, done = path_rate()
            created = count_incidents(ingest_app) - before
            if created < done:
                raise RuntimeError(f"{done} reports answered 2xx but {created} were filed")
            return rate

        return run

    pairs = []
    if "report" in paths:
        pairs.append(
            Pair(
                "`POST /api/v1/incidents`",
                reports_through(
                    lambda: _with_count(wrk(ingest_base, lua_report, seconds, counted=True), 1)
                ),
                lambda: pgbench(ingest_url, sql_report, seconds),
                "req/s",
                target=0.40,
            )
        )
    if "sync" in paths:
        pairs.append(
            Pair(
                f"`POST /api/v1/sync`, {SYNC_BATCH} per request",
                reports_through(
                    lambda: _with_count(
                        wrk(ingest_base, lua_sync, seconds, counted=True), SYNC_BATCH
                    )
                ),
                None,
                "incidents/s",
            )
        )
    baseline = os.environ.get("BENCH_BASELINE")
    if baseline:
        pairs += baseline_pairs(
            servers, ingest_app, worker_token, Path(baseline), paths, seconds, pairs
        )
    return pairs


def baseline_pairs(
    servers: ExitStack, app, token: str, root: Path, paths: set[str], seconds: float, pairs
) -> list[Pair]:
    """BENCH_BASELINE=<another source tree>: the same paths through a server running that tree
    (on INGEST_PORT + 1, the same database), so a change is measured before/after in one run.
    Each pair's ratio is this tree's rate over the baseline's in the same round."""
    base = servers.enter_context(production_server(app, INGEST_PORT + 1, root=root))
    by_label = {pair.label: pair for pair in pairs}
    extra = []
    for path, label, url, batch in (
        ("report", "`POST /api/v1/incidents`", "/api/v1/incidents", None),
        ("sync", f"`POST /api/v1/sync`, {SYNC_BATCH} per request", "/api/v1/sync", SYNC_BATCH),
    ):
        if path not in paths:
            continue
        lua = report_lua(token, url, batch)
        if batch is None:  # reports build the index; a batch only needs its plans cached
            warm_up(base, lua, f"baseline {url}", seconds=3)
        else:
            wrk(base, lua, 2)
        mine = by_label[label]
        # This tree's rate of the round just run (the pair before this one in the round).
        extra.append(
            Pair(
                f"{label}: this tree / {root}",
                lambda mine=mine: mine.api_rates[-1],
                lambda lua=lua, n=batch or 1: wrk(base, lua, seconds) * n,
                "req/s" if batch is None else "incidents/s",
            )
        )
    return extra


def warm_up(base: str, lua: str, label: str, seconds: float = 5, at_least: int = 4) -> None:
    """Load ``base`` until its rate stops rising, ``at_least`` times: each worker builds its
    locate index on first use (in the background, ~10 s at load 15), plans get cached. On a busy
    machine one run's rate is noise, so a drop alone does not end the warm-up early."""
    previous = 0.0
    for run in range(12):
        now = wrk(base, lua, seconds)
        print(f"  warming up {label}: {now:,.0f} req/s", flush=True)
        if run + 1 >= at_least and now <= previous * 1.1:  # (0 req/s twice is no rise either)
            break
        previous = max(previous, now)


def _with_count(measured: tuple[float, int], per_request: int) -> tuple[float, int]:
    rate, requests = measured
    return rate * per_request, requests * per_request


if __name__ == "__main__":
    main()
