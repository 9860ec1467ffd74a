"""TileJSON 3.0.0 documents: where a layer's tiles are, over which area, at which zooms, with
which attributes — what MapLibre GL and QGIS need to add the layer by one URL."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import text

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import ADMIN_LAYER, queries
from gridsvc.extensions import db
from gridsvc.incidents import INCIDENT_READERS
from gridsvc.maps import tiles
from gridsvc.maps.delivery import current_generation

# The extent of what the layer shows in the caller's county; incidents: the county outlines.
EXTENT_SQL = """
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(a.geom) AS e FROM areas a
      WHERE a.level = :level AND a.layer = :layer AND {generation}{scope}) x
"""
WORLD = [-180.0, -85.0511, 180.0, 85.0511]


def tilejson(scope: Scope, layer_name: str, args: dict, base_url: str) -> dict:
    layer = tiles.LAYERS[layer_name]
    number = args.get("generation") or current_generation()
    query: dict = {}
    if layer.level is not None:
        grid_layer = tiles.grid_layer_name(layer, args.get("layer"))
        if number is not None:
            query["generation"] = number  # immutable tiles: the URL names the generation
        if layer.level == "grid" and args.get("layer"):
            query["layer"] = grid_layer
        level, source_layer = layer.level, grid_layer
    else:
        policy.require_role(scope, INCIDENT_READERS)  # as the tiles themselves
        query = {k: v for k, v in args.items() if k in ("status", "category", "team", "overdue")}
        level, source_layer = "county", ADMIN_LAYER
    bounds = _bounds(scope, level, source_layer, number) if number is not None else None
    bounds = bounds or WORLD
    suffix = f"?{urlencode(query, doseq=True)}" if query else ""
    centre_zoom = max(layer.minzoom, 12)
    return {
        "tilejson": "3.0.0",
        "name": layer.name,
        "description": layer.description,
        "version": f"{tiles.EXTENT}.{number or 0}",
        "scheme": "xyz",
        "tiles": [f"{base_url}api/v1/tiles/{layer.name}/{{z}}/{{x}}/{{y}}.mvt{suffix}"],
        "minzoom": layer.minzoom,
        "maxzoom": layer.maxzoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, centre_zoom],
        "generation": number if layer.level is not None else None,
        "vector_layers": [
            {
                "id": layer.name,
                "description": layer.description,
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "fields": layer.fields,
            }
        ],
    }


def _bounds(scope: Scope, level: str, layer: str, number: int) -> list[float] | None:
    sql = EXTENT_SQL.format(
        generation=queries.generation_filter(number),
        scope=" AND a.county_code = :county" if scope.county_code else "",
    )
    row = db.session.execute(
        text(sql), {"level": level, "layer": layer, "county": scope.county_code}
    ).one()
    if row[0] is None:
        return None
    return [round(float(v), 6) for v in row]
