"""Incident ingest benchmark: single reports through the API vs the same work as raw SQL, and the
offline batch endpoint.

Targets (issue 5): single ``POST /api/v1/incidents`` at >= 35% of the raw-SQL rate (locate through
``area_parts`` + insert the incident + insert its event, and since routing landed (issue 6) the
case and its "routed" event by routing's own statement; one commit each), measured in the same
run; ``POST /api/v1/sync`` with batches of 100 at >= 2,000 incidents/s.
Run: ``PYTHONPATH=. BENCH_DATABASE_URL=… .venv/bin/python bench/ingest.py`` (it works in a database of
its own, the URL's name + ``_ingest``).
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app, show

N_GRIDS = 600  # one synthetic county: 12 townships, 120 villages, 600 grids
BBOX = (112.70, 27.80, 112.95, 28.05)
SINGLE_PER_ROUND = 100
SYNC_BATCH = 100
SYNC_BATCHES_PER_ROUND = 4
ROUNDS = 15
CATEGORIES = ["0102", "0201", "0501", "0503", "0601", "0701"]


def build_county(app) -> str:
    """Publish the synthetic county once (kept between runs); returns its code."""
    from gridsvc.boundaries import store
    from gridsvc.extensions import db
    from gridsvc.synthetic import synthetic_grid_layer

    cells = synthetic_grid_layer(N_GRIDS, bbox=BBOX, seed=11)
    county = cells[0][0][:6]
    with app.app_context():
        have = db.session.execute(
            text(
                "SELECT count(*) FROM areas WHERE level = 'grid' AND gen_to IS NULL"
                " AND gen_from IS NOT NULL AND code LIKE :p"
            ),
            {"p": county + "%"},
        ).scalar()
        if have == N_GRIDS:
            return county
        db.session.execute(
            text("TRUNCATE areas, area_parts, generations, boundary_uploads, grid_merges CASCADE")
        )
        levels = [("county", 6, None, "admin"), ("township", 9, 6, "admin")]
        levels += [("village", 12, 9, "admin"), ("grid", 15, 12, "unified")]
        for level, length, parent_length, layer in levels:
            groups = defaultdict(list)
            for code, polygon in cells:
                groups[code[:length]].append(polygon)
            features = [
                store.StoredFeature(
                    level=level,
                    layer=layer,
                    code=code,
                    name=f"{level} {code[-3:]}",
                    parent_code=code[:parent_length] if parent_length else None,
                    geometry=shapely.coverage_union_all(parts),
                )
                for code, parts in groups.items()
            ]
            draft = store.new_draft(
                level=level, layer=layer, county_code=county, source="upload", user_id=None
            )
            store.write_features(draft.id, features)
            store.publish(draft, user_id=None, effective_from=None)
            db.session.commit()
        db.session.execute(text("ANALYZE areas; ANALYZE area_parts"))
        db.session.commit()
        print(f"published county {county} with {N_GRIDS} grids", flush=True)
    return county


def reset_incidents(app) -> None:
    from gridsvc.extensions import db

    with app.app_context():
        # The audit trail refuses TRUNCATE; a benchmark reset is the DBA case.
        db.session.execute(text("SET session_replication_role = replica"))
        db.session.execute(
            text(
                "TRUNCATE incident_events, incident_photos, incidents, idempotency_keys,"
                " supervision_notices, calls, cases, notifications"
            )
        )
        db.session.execute(text("SET session_replication_role = origin"))
        db.session.commit()


def make_worker(app, county: str):
    from gridsvc.accounts import SHELL_SCOPE, service
    from gridsvc.extensions import db
    from gridsvc.workers.models import GridAssignment

    with app.app_context():
        user = service.find_by_username("bench_worker")
        if user is None:
            township = county + "001"
            user = service.create_user(
                SHELL_SCOPE,
                {
                    "username": "bench_worker",
                    "role": "grid_worker",
                    "county_code": county,
                    "township_code": township,
                    "password": "bench-password",
                },
            )
            for grid in (township + "001001", township + "001002"):
                db.session.add(
                    GridAssignment(
                        county_code=county, township_code=township, grid_code=grid, user_id=user.id
                    )
                )
            db.session.commit()
        from flask_jwt_extended import create_access_token

        return user.id, {"Authorization": f"Bearer {create_access_token(identity=user)}"}


def main() -> None:
    app = bench_app("ingest")
    county = build_county(app)
    reset_incidents(app)
    user_id, headers = make_worker(app, county)
    from gridsvc.boundaries import lookup_index
    from gridsvc.boundaries.queries import LOCATE_SQL, generation_filter
    from gridsvc.extensions import db

    with app.app_context():
        lookup_index.current_index("unified")  # what a running server has warm
        raw = db.engine.raw_connection()
    client = app.test_client()
    rng = np.random.default_rng(5)
    margin = 0.002
    total = (SINGLE_PER_ROUND * 2 + SYNC_BATCH * SYNC_BATCHES_PER_ROUND) * (ROUNDS + 1)
    lons = rng.uniform(BBOX[0] + margin, BBOX[2] - margin, total)
    lats = rng.uniform(BBOX[1] + margin, BBOX[3] - margin, total)
    cats = rng.choice(CATEGORIES, total)
    cursor_at = iter(range(total))

    locate_sql = (
        LOCATE_SQL.format(generation=generation_filter(None, "p"))
        .replace(":lon", "%(lon)s")
        .replace(":lat", "%(lat)s")
        .replace(":layer", "%(layer)s")
    )
    insert_sql = (
        "INSERT INTO incidents (client_id, request_hash, category_code, geom, raw_lon, raw_lat,"
        " crs, accuracy_m, reported_at, description, address, county_code, township_code,"
        " village_code, grid_code, generation, reporter_id, source) VALUES (%(cid)s, %(hash)s,"
        " %(cat)s, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(lon)s, %(lat)s,"
        " 'EPSG:4326', 5, %(at)s, %(desc)s, NULL, %(county)s, %(township)s, %(village)s,"
        " %(grid)s, %(gen)s, %(user)s, 'app') RETURNING id, county_code, township_code"
    )
    event_sql = (
        "INSERT INTO incident_events (incident_id, county_code, township_code, actor_id, action,"
        " to_status) VALUES (%(id)s, %(county)s, %(township)s, %(user)s, 'reported', 'reported')"
    )
    from gridsvc.routing.cases.intake import OPEN_CASES

    # The same statement the API runs, as the API runs it (prepared once, then executed).
    cur_setup = raw.cursor()
    cur_setup.execute(OPEN_CASES.prepare_sql)
    case_sql = OPEN_CASES.execute_sql
    cur = raw.cursor()

    def raw_single() -> int:
        for _ in range(SINGLE_PER_ROUND):
            i = next(cursor_at)
            cur.execute(
                locate_sql, {"lon": float(lons[i]), "lat": float(lats[i]), "layer": "unified"}
            )
            found = {level: code for level, code, _name, _newest in cur.fetchall()}
            cur.execute(
                insert_sql,
                {
                    "cid": str(uuid.uuid4()),
                    "hash": "0" * 64,
                    "cat": str(cats[i]),
                    "lon": float(lons[i]),
                    "lat": float(lats[i]),
                    "at": datetime.now(UTC),
                    "desc": "占道经营",
                    "county": found["county"],
                    "township": found.get("township"),
                    "village": found.get("village"),
                    "grid": found.get("grid"),
                    "gen": 4,
                    "user": user_id,
                },
            )
            row = cur.fetchone()
            cur.execute(
                event_sql, {"id": row[0], "county": row[1], "township": row[2], "user": user_id}
            )
            # Routing's share: the case with its deadlines and the "routed" event (this synthetic
            # county has no teams, list or zones, so the decision itself is triage, made in memory).
            due = datetime.now(UTC)
            cur.execute(
                case_sql,
                {
                    "ids": [row[0]],
                    "routes": ["triage"],
                    "teams": [None],
                    "cooperating": ["{}"],
                    "bases": ["natural"],
                    "hours": [24.0],
                    "response_due": [due],
                    "resolution_due": [due],
                },
            )
            raw.commit()
        return SINGLE_PER_ROUND

    def body(i: int) -> dict:
        return {
            "client_id": str(uuid.uuid4()),
            "category": str(cats[i]),
            "location": {"type": "Point", "coordinates": [float(lons[i]), float(lats[i])]},
            "accuracy_m": 5,
            "reported_at": datetime.now(UTC).isoformat(),
            "description": "占道经营",
        }

    def api_single() -> int:
        for _ in range(SINGLE_PER_ROUND):
            r = client.post("/api/v1/incidents", json=body(next(cursor_at)), headers=headers)
            assert r.status_code == 201, r.get_data(as_text=True)
        return SINGLE_PER_ROUND

    def api_sync() -> int:
        for _ in range(SYNC_BATCHES_PER_ROUND):
            batch = {"incidents": [body(next(cursor_at)) for _ in range(SYNC_BATCH)]}
            r = client.post("/api/v1/sync", json=batch, headers=headers)
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            assert r.get_json()["summary"]["created"] == SYNC_BATCH, r.get_json()["summary"]
        return SYNC_BATCH * SYNC_BATCHES_PER_ROUND

    def timed(fn) -> float:
        start = time.perf_counter()
        items = fn()
        return items / (time.perf_counter() - start)

    raw_single()  # warm caches, plans and the auth path
    api_single()
    api_sync()
    raw_rates, api_rates, sync_rates = [], [], []
    for _ in range(ROUNDS):  # interleaved, so both sides see the same machine load
        raw_rates.append(timed(raw_single))
        api_rates.append(timed(api_single))
        sync_rates.append(timed(api_sync))
    raw_med, api_med = statistics.median(raw_rates), statistics.median(api_rates)
    sync_med = statistics.median(sync_rates)
    show("single report, raw SQL (file + route, same work)", raw_med, raw_rates, "reports/s")
    show("single report, POST /api/v1/incidents", api_med, api_rates, "reports/s")
    # The machine is shared: each API round is paired with the raw round just before it, so a
    # burst of load elsewhere hits both sides of a pair; the median of the pairs is the figure.
    pairs = sorted(a / r for a, r in zip(api_rates, raw_rates, strict=True))
    print(
        f"API / raw SQL, median of {ROUNDS} paired rounds: {statistics.median(pairs):.0%}"
        f" (target >= 35%; pairs {pairs[0]:.0%}..{pairs[-1]:.0%};"
        f" ratio of the medians {api_med / raw_med:.0%})"
    )
    show(
        f"offline batch, POST /api/v1/sync ({SYNC_BATCH}/batch)",
        sync_med,
        sync_rates,
        "incidents/s",
    )
    print("sync target: >= 2,000 incidents/s")
    raw.close()


if __name__ == "__main__":
    main()
