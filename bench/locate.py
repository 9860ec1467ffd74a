"""Locate benchmark: a province-scale layer (100,000 grids), lookups through the API vs raw SQL.

Targets (issue 3): single lookups through the API at >= 40% of the raw-SQL rate; bulk locate
>= 50,000 points/s. Run: ``.venv/bin/python bench/locate.py`` (first run builds the layer, ~1-2 min).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_app, rate, show

N_GRIDS = 100_000
BBOX = (110.0, 25.0, 114.0, 29.0)
SINGLE_PER_ROUND = 400
BULK_POINTS = 10_000


def build_layer(app) -> None:
    from gridsvc.boundaries import store
    from gridsvc.extensions import db
    from gridsvc.geo.area import area_m2
    from gridsvc.synthetic import synthetic_grid_layer

    with app.app_context():
        have = db.session.execute(
            text(
                "SELECT count(*) FROM areas WHERE level='grid' AND gen_to IS NULL AND gen_from IS NOT NULL"
            )
        ).scalar()
        if have == N_GRIDS:
            return
        db.session.execute(
            text("TRUNCATE areas, area_parts, generations, boundary_uploads, grid_merges CASCADE")
        )
        db.session.commit()
        print(f"building {N_GRIDS:,} synthetic grids …", flush=True)
        cells = synthetic_grid_layer(N_GRIDS, bbox=BBOX, seed=7)
        levels = [("county", 6, None), ("township", 9, 6), ("village", 12, 9)]
        for level, length, parent_length in levels:
            groups = defaultdict(list)
            for code, polygon in cells:
                groups[code[:length]].append(polygon)
            features = []
            for code, parts in groups.items():
                geometry = shapely.coverage_union_all(parts)
                features.append(
                    store.StoredFeature(
                        level=level,
                        layer="admin",
                        code=code,
                        name=f"{level} {code}",
                        parent_code=code[:parent_length] if parent_length else None,
                        geometry=geometry,
                    )
                )
            _publish(store, db, level, "admin", features, area_m2)
        grids = [
            store.StoredFeature(
                level="grid",
                layer="unified",
                code=code,
                name=code,
                parent_code=code[:12],
                geometry=polygon,
            )
            for code, polygon in cells
        ]
        _publish(store, db, "grid", "unified", grids, area_m2)
        db.session.execute(text("ANALYZE areas; ANALYZE area_parts"))
        db.session.commit()


def _publish(store, db, level, layer, features, area_m2) -> None:
    areas = area_m2([f.geometry for f in features])
    for f, a in zip(features, areas, strict=True):
        f.area_m2 = float(a)
    draft = store.new_draft(
        level=level, layer=layer, county_code=None, source="upload", user_id=None
    )
    store.write_features(draft.id, features)
    store.publish(draft, user_id=None, effective_from=None)
    db.session.commit()
    print(f"  published {len(features):,} {level} features", flush=True)


def main() -> None:
    app = bench_app()
    build_layer(app)
    from flask_jwt_extended import create_access_token

    from gridsvc.accounts import SHELL_SCOPE, service
    from gridsvc.boundaries.queries import BULK_LOCATE_SQL, LOCATE_SQL, generation_filter
    from gridsvc.extensions import db

    rng = np.random.default_rng(42)
    margin = 0.01
    lons = rng.uniform(BBOX[0] + margin, BBOX[2] - margin, 200_000)
    lats = rng.uniform(BBOX[1] + margin, BBOX[3] - margin, 200_000)

    with app.app_context():
        user = service.find_by_username("bench") or service.create_user(
            SHELL_SCOPE, {"username": "bench", "role": "admin", "password": "bench-password"}
        )
        db.session.commit()  # the API's requests look the user up in sessions of their own
        token = create_access_token(identity=user)
        raw = db.engine.raw_connection()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    single_sql = (
        LOCATE_SQL.format(generation=generation_filter(None, "p"))
        .replace(":lon", "%(lon)s")
        .replace(":lat", "%(lat)s")
        .replace(":layer", "%(layer)s")
    )
    bulk_sql = (
        BULK_LOCATE_SQL.format(generation=generation_filter(None, "p"))
        .replace("CAST(:lons AS float8[])", "%(lons)s::float8[]")
        .replace("CAST(:lats AS float8[])", "%(lats)s::float8[]")
        .replace(":layer", "%(layer)s")
    )
    cursor = raw.cursor()
    offset = iter(range(0, 200_000, SINGLE_PER_ROUND))

    def raw_single() -> int:
        start = next(offset)
        for i in range(start, start + SINGLE_PER_ROUND):
            cursor.execute(
                single_sql, {"lon": float(lons[i]), "lat": float(lats[i]), "layer": "unified"}
            )
            rows = cursor.fetchall()
            assert len(rows) == 4, rows
        return SINGLE_PER_ROUND

    def api_single() -> int:
        start = next(offset)
        for i in range(start, start + SINGLE_PER_ROUND):
            r = client.get(f"/api/v1/locate?lon={lons[i]:.7f}&lat={lats[i]:.7f}", headers=headers)
            assert r.status_code == 200, r.get_data(as_text=True)
        return SINGLE_PER_ROUND

    bulk_offset = iter(range(0, 200_000, BULK_POINTS))

    def raw_bulk() -> int:
        start = next(bulk_offset)
        xs = lons[start : start + BULK_POINTS].tolist()
        ys = lats[start : start + BULK_POINTS].tolist()
        cursor.execute(bulk_sql, {"lons": xs, "lats": ys, "layer": "unified"})
        assert len(cursor.fetchall()) == 4 * BULK_POINTS
        return BULK_POINTS

    def api_bulk() -> int:
        start = next(bulk_offset)
        points = [
            {"lon": float(x), "lat": float(y)}
            for x, y in zip(
                lons[start : start + BULK_POINTS], lats[start : start + BULK_POINTS], strict=True
            )
        ]
        r = client.post("/api/v1/locate", json={"points": points}, headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        return BULK_POINTS

    from gridsvc.boundaries import lookup_index

    raw_single()  # warm caches
    # 1) the API answering from the GiST table (the index not built yet, no background build)
    app.config["LOCATE_INDEX_BACKGROUND"] = False
    lookup_index.drop_all()
    api_single()
    raw_med, raw_rates = rate(raw_single)
    sql_med, sql_rates = rate(api_single)
    # 2) the API answering from the warm in-process index (what a running server does)
    with app.app_context():
        lookup_index.current_index("unified")
    idx_med, idx_rates = rate(api_single)
    show("single locate, raw SQL (psycopg2)", raw_med, raw_rates, "lookups/s")
    show("single locate, API, GiST table", sql_med, sql_rates, "lookups/s")
    show("single locate, API, warm index", idx_med, idx_rates, "lookups/s")
    print(f"API (GiST table) / raw SQL: {sql_med / raw_med:.0%}")
    print(f"API (warm index) / raw SQL: {idx_med / raw_med:.0%} (target >= 40%)")
    raw_bulk_med, raw_bulk_rates = rate(raw_bulk, rounds=3)
    api_bulk_med, api_bulk_rates = rate(api_bulk, rounds=3)
    show(f"bulk locate, raw SQL ({BULK_POINTS:,} points)", raw_bulk_med, raw_bulk_rates, "points/s")
    show(
        f"bulk locate, POST /api/v1/locate ({BULK_POINTS:,})",
        api_bulk_med,
        api_bulk_rates,
        "points/s",
    )
    print(f"bulk API / raw SQL: {api_bulk_med / raw_bulk_med:.0%} (target: API >= 50,000 points/s)")
    raw.close()


if __name__ == "__main__":
    main()
