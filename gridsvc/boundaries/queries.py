"""Reading boundaries: areas, grids, generations, a grid's history, and point location."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import orjson
from flask import current_app
from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.boundaries import store
from gridsvc.boundaries.lookup_index import PartsIndex, current_index, warm_index
from gridsvc.boundaries.models import ADMIN_LAYER, UNIFIED_LAYER
from gridsvc.boundaries.packed_parts import LEVEL_NUMBER
from gridsvc.errors import DomainError, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor

LEVEL_ORDER = ("county", "township", "village", "grid")
MAX_BULK_POINTS = 10_000


def generation_filter(number: int | None, alias: str = "a") -> str:
    """SQL condition selecting rows visible in generation ``number`` (None: the current one)."""
    if number is None:
        return f"{alias}.gen_from IS NOT NULL AND {alias}.gen_to IS NULL"
    return f"{alias}.gen_from <= {int(number)} AND ({alias}.gen_to IS NULL OR {alias}.gen_to >= {int(number)})"


def resolve_generation(at: datetime | None, generation: int | None) -> int | None:
    """``at`` (a moment) or ``generation`` (a number) -> the generation number to read; None = now."""
    if generation is not None:
        current = store.current_generation_number()
        if current is None or generation < 1 or generation > current:
            raise NotFound(f"generation {generation} does not exist", code="generation.not_found")
        return generation
    if at is not None:
        number = store.generation_at(at)
        if number is None:
            raise NotFound(
                "no boundaries were published before that time", code="generation.not_found"
            )
        return number
    return None


def _scope_sql(scope: Scope, alias: str = "a") -> tuple[str, dict]:
    # Boundaries are readable county-wide: a township's map needs its neighbours for context.
    if scope.county_code:
        return f" AND {alias}.county_code = :scope_county", {"scope_county": scope.county_code}
    return "", {}


def _feature(row, with_geometry: bool = True) -> dict:
    props = {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "layer": row.layer,
        "parent_code": row.parent_code,
        "county_code": row.county_code,
        "township_code": row.township_code,
        "village_code": row.village_code,
        "households": row.households,
        "population": row.population,
        "area_m2": round(row.area_m2, 1) if row.area_m2 is not None else None,
        "generation_from": row.gen_from,
        "generation_to": row.gen_to,
    }
    feature = {"type": "Feature", "id": row.code, "properties": props}
    feature["geometry"] = orjson.loads(row.geojson) if with_geometry and row.geojson else None
    return feature


AREA_COLUMNS = (
    "a.id, a.code, a.name, a.level, a.layer, a.parent_code, a.county_code, a.township_code,"
    " a.village_code, a.households, a.population, a.area_m2, a.gen_from, a.gen_to"
)


def list_areas(scope: Scope, args: dict, *, grids: bool) -> dict:
    """A GeoJSON FeatureCollection page of areas or grids, keyset-paged by code."""

    number = resolve_generation(args.get("at"), args.get("generation"))
    where = [generation_filter(number)]
    params: dict = {}
    if grids:
        where.append("a.level = 'grid' AND a.layer = :layer")
        params["layer"] = args.get("layer") or UNIFIED_LAYER
        for key, column in (("village", "village_code"), ("township", "township_code")):
            if args.get(key):
                where.append(f"a.{column} = :{key}")
                params[key] = args[key]
    else:
        where.append("a.layer = :admin")
        params["admin"] = ADMIN_LAYER
        if args.get("level"):
            where.append("a.level = :level")
            params["level"] = args["level"]
        if args.get("parent"):
            where.append("a.parent_code = :parent")
            params["parent"] = args["parent"]
    if args.get("bbox"):
        where.append("a.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(dict(zip(("x0", "y0", "x1", "y1"), args["bbox"], strict=True)))
    if args.get("cursor"):
        where.append("a.code > :after")
        params["after"] = decode_cursor(args["cursor"], str)[0]
    scope_sql, scope_params = _scope_sql(scope)
    params.update(scope_params)
    limit = clamp_limit(args.get("limit"))
    params["limit"] = limit + 1
    geometry = "ST_AsGeoJSON(a.geom, 7)" if args.get("geometry", True) else "NULL"
    rows = db.session.execute(
        text(
            f"SELECT {AREA_COLUMNS}, {geometry} AS geojson FROM areas a"  # noqa: S608
            f" WHERE {' AND '.join(where)}{scope_sql} ORDER BY a.code LIMIT :limit"
        ),
        params,
    ).all()
    next_cursor = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    features = [_feature(r) for r in rows[:limit]]
    return {
        "type": "FeatureCollection",
        "features": features,
        "generation": number or store.current_generation_number(),
        "next_cursor": next_cursor,
    }


def get_area(scope: Scope, code: str, *, grid: bool, layer: str | None, args: dict) -> dict:
    number = resolve_generation(args.get("at"), args.get("generation"))
    scope_sql, params = _scope_sql(scope)
    params.update({"code": code, "layer": (layer or UNIFIED_LAYER) if grid else ADMIN_LAYER})
    level_sql = "a.level = 'grid'" if grid else "a.level <> 'grid'"
    row = db.session.execute(
        text(
            f"SELECT {AREA_COLUMNS}, ST_AsGeoJSON(a.geom, 7) AS geojson FROM areas a"  # noqa: S608
            f" WHERE a.code = :code AND a.layer = :layer AND {level_sql}"
            f" AND {generation_filter(number)}{scope_sql}"
        ),
        params,
    ).first()
    if row is None:
        what = "grid" if grid else "area"
        raise NotFound(f"{what} {code} not found", code=f"{what}.not_found")
    return _feature(row)


def grid_history(scope: Scope, code: str, layer: str | None) -> dict:
    """Every version of a grid code across generations, oldest first."""
    scope_sql, params = _scope_sql(scope)
    params.update({"code": code, "layer": layer or UNIFIED_LAYER})
    rows = db.session.execute(
        text(
            f"SELECT {AREA_COLUMNS}, ST_AsGeoJSON(a.geom, 7) AS geojson FROM areas a"  # noqa: S608
            " WHERE a.code = :code AND a.layer = :layer AND a.level = 'grid'"
            f" AND a.gen_from IS NOT NULL{scope_sql} ORDER BY a.gen_from"
        ),
        params,
    ).all()
    if not rows:
        raise NotFound(f"grid {code} not found", code="grid.not_found")
    return {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}


# --- locate ----------------------------------------------------------------------------------

LOCATE_SQL = """
SELECT a.level, a.code, a.name, (SELECT max(number) FROM generations) AS newest
FROM area_parts p JOIN areas a ON a.id = p.area_id
WHERE p.geom && ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
  AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
  AND p.layer IN ('admin', :layer) AND {generation}
"""

BULK_LOCATE_SQL = """
SELECT pts.ord, a.level, a.code, a.name
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS pts(lon, lat, ord)
JOIN area_parts p ON p.geom && ST_SetSRID(ST_MakePoint(pts.lon, pts.lat), 4326)
  AND ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(pts.lon, pts.lat), 4326))
JOIN areas a ON a.id = p.area_id
WHERE p.layer IN ('admin', :layer) AND {generation}
"""

NEAREST_SQL = """
SELECT a.code, a.name, a.level,
       ST_Distance(a.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS metres
FROM areas a
WHERE a.level = :level AND a.layer = :layer AND {generation}
ORDER BY a.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)
LIMIT 1
"""


def _empty_location(number: int | None) -> dict:
    location: dict = {level: None for level in LEVEL_ORDER}
    location["generation"] = number
    return location


def _part_filter(number: int | None) -> str:
    return generation_filter(number, "p")


def locate(lon: float, lat: float, *, number: int | None, layer: str = UNIFIED_LAYER) -> dict:
    """County / township / village / grid holding a WGS84 point (404 outside the coverage)."""
    background = current_app.config["LOCATE_INDEX_BACKGROUND"]
    index = warm_index(layer, build_in_background=background) if number is None else None
    if index is not None:
        location = located_in(index, lon, lat)
        if location is None:
            raise _outside(lon, lat, number, layer)
        return location
    rows = db.session.execute(
        text(LOCATE_SQL.format(generation=_part_filter(number))),
        {"lon": lon, "lat": lat, "layer": layer},
    ).all()
    location = _empty_location(number or (rows[0].newest if rows else None))
    for level, code, name, _newest in rows:
        location[level] = {"code": code, "name": name}
    if location["county"] is None:
        raise _outside(lon, lat, number, layer)
    return location


def located_in(index: PartsIndex, lon: float, lat: float) -> dict | None:
    """The answer of ``GET /locate`` from the in-process index (None outside the coverage);
    the lean path (fast_locate) answers with the same function."""
    location = _empty_location(index.number)
    for _i, level, code, name in index.lookup(np.array([lon]), np.array([lat])):
        location[level] = {"code": code, "name": name}
    return location if location["county"] is not None else None


def _outside(lon: float, lat: float, number: int | None, layer: str) -> DomainError:
    nearest = None
    for level, lyr in (("grid", layer), ("county", ADMIN_LAYER)):
        row = db.session.execute(
            text(NEAREST_SQL.format(generation=generation_filter(number))),
            {"lon": lon, "lat": lat, "level": level, "layer": lyr},
        ).first()
        if row is not None:
            nearest = {
                "code": row.code,
                "name": row.name,
                "level": row.level,
                "distance_m": round(row.metres, 1),
            }
            break
    return NotFound(
        "The point lies outside every published boundary.",
        code="locate.outside_coverage",
        nearest=nearest,
    )


def locate_many(
    points: list[tuple[float, float]], *, number: int | None, layer: str = UNIFIED_LAYER
) -> list[dict]:
    """Locate up to MAX_BULK_POINTS points; results in input order, empty levels as null.

    The current generation is answered from the in-process index of the subdivided parts, older
    generations by one SQL join (one GiST probe per point).
    """
    if len(points) > MAX_BULK_POINTS:
        raise Invalid(
            f"At most {MAX_BULK_POINTS} points per request.", code="locate.too_many_points"
        )
    if not points:
        return []
    lons = np.fromiter((p[0] for p in points), dtype=float, count=len(points))
    lats = np.fromiter((p[1] for p in points), dtype=float, count=len(points))
    index = _bulk_index(layer) if number is None else None
    if index is not None:
        current, hits = index.number, index.lookup(lons, lats)
    else:
        current = number or store.current_generation_number()
        rows = db.session.execute(
            text(BULK_LOCATE_SQL.format(generation=_part_filter(number))),
            {"lons": lons.tolist(), "lats": lats.tolist(), "layer": layer},
        ).all()
        hits = [(ordinal - 1, level, code, name) for ordinal, level, code, name in rows]
    results = [_empty_location(current) for _ in points]
    for i, level, code, name in hits:
        results[i][level] = {"code": code, "name": name}
    return results


def _bulk_index(layer: str):
    """The current generation's index for a batch; while a publish's new index is built, the
    old one answers (as single lookups do)."""
    background = current_app.config["LOCATE_INDEX_BACKGROUND"]
    return warm_index(layer, build_in_background=background) or current_index(layer)


def grid_codes(lons: np.ndarray, lats: np.ndarray, layer: str = UNIFIED_LAYER) -> list[str | None]:
    """The current grid's code for each WGS84 point (None outside every grid): exactly
    ``locate_many(...)[i]["grid"]["code"]``, without building the other levels' names and
    dicts, which cost track ingest more than the lookup itself (py-spy, bench/tracks.py)."""
    index = _bulk_index(layer)
    if index is None:
        located = locate_many(list(zip(lons.tolist(), lats.tolist(), strict=True)), number=None)
        return [r["grid"]["code"] if r["grid"] else None for r in located]
    parts = index.parts
    points, areas = parts.containing(np.asarray(lons, float), np.asarray(lats, float))
    grid = parts.level[areas] == LEVEL_NUMBER["grid"]
    codes: list[str | None] = [None] * len(lons)
    # A batch's points fall in few grids: decode each grid's code once, not once per point
    # (StringColumn.__getitem__ per point was 1.5 % of a track worker's samples, py-spy).
    decoded: dict[int, str | None] = {}
    # In hit order, the last hit of a point wins, as in locate_many.
    for p, a in zip(points[grid].tolist(), areas[grid].tolist(), strict=True):
        code = decoded.get(a, decoded)
        if code is decoded:
            code = decoded[a] = parts.codes[a]
        codes[p] = code
    return codes


def list_generations(scope: Scope, args: dict) -> list[dict]:
    """Newest first; a county's staff see their county's generations and city-wide ones."""
    rows = db.session.execute(
        text(
            "SELECT id, number, status, level, layer, county_code, source, description, summary,"
            " created_at, published_at, effective_from, retired_at FROM generations"
            " WHERE (CAST(:status AS text) IS NULL OR status = :status)"
            " AND (CAST(:county AS text) IS NULL OR county_code IS NULL OR county_code = :county)"
            " ORDER BY id DESC LIMIT 500"
        ),
        {"status": args.get("status"), "county": scope.county_code},
    ).mappings()
    return [dict(r) for r in rows]
