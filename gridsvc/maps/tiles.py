"""Vector tiles (MVT) of boundaries and incidents, rendered by PostGIS.

Each tile is one statement: ``ST_TileEnvelope`` gives the tile's box in Web Mercator, a GiST
``&&`` on the stored EPSG:4326 geometry picks the rows, ``ST_AsMVTGeom`` clips them to the tile
(with a buffer, so lines do not show at tile edges) and ``ST_AsMVT`` encodes the layer.

**Simplification that keeps shared edges shared.** Douglas-Peucker per polygon (``ST_Simplify``,
even ``ST_SimplifyPreserveTopology``) decides for each ring alone which vertices to keep, so two
grids along one street would keep different vertices of their common edge and the map shows
slivers and hairline gaps between them. Instead every vertex is snapped to a *pixel lattice* of
the zoom (across the whole Mercator square, so the same for every tile of the zoom: one screen
pixel, or one tile unit from z16) and repeated points are dropped. Snapping is a function of the vertex
alone: a vertex two grids share lands on the same pixel in both, so their common edge stays
common, at every zoom; and the coarser the zoom, the larger the pixel, the fewer vertices survive.
The test decodes tiles and checks that neighbours still meet along their whole edge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gridsvc.boundaries import ADMIN_LAYER, UNIFIED_LAYER, queries
from gridsvc.errors import DomainError
from gridsvc.maps.render import tile_connection
from gridsvc.prepared import Prepared

EXTENT = 4096  # tile coordinate units per side (the MVT default)
BUFFER = 64  # units drawn beyond the tile's edge
MAX_ZOOM = 22
MERCATOR_HALF = 20037508.342789244  # half the side of the EPSG:3857 square, metres


@dataclass(frozen=True)
class TileLayer:
    """One tile layer: what it shows, its zoom range (TileJSON) and its attributes."""

    name: str
    description: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str]  # attribute -> TileJSON type description
    level: str | None = None  # boundary level; None for incidents


AREA_FIELDS = {
    "code": "String: the 12-digit (village), 9-digit (township) or 15-digit (grid) code",
    "name": "String",
    "parent_code": "String: the code of the area it lies in",
}
LAYERS = {
    "townships": TileLayer(
        "townships",
        "Townships and sub-districts (乡镇、街道)",
        6,
        MAX_ZOOM,
        AREA_FIELDS,
        "township",
    ),
    "villages": TileLayer(
        "villages", "Villages and communities (村、社区)", 8, MAX_ZOOM, AREA_FIELDS, "village"
    ),
    "grids": TileLayer(
        "grids",
        "Grid cells (网格) of one layer: the unified grid, or a specialist layer by ?layer=",
        10,
        MAX_ZOOM,
        {
            **AREA_FIELDS,
            "village_code": "String",
            "township_code": "String",
            "households": "Number",
            "population": "Number",
            "layer": "String: the grid layer (unified or a specialist layer)",
        },
        "grid",
    ),
    "incidents": TileLayer(
        "incidents",
        "Incidents the caller may see (filters: status, category, team, overdue)",
        10,
        MAX_ZOOM,
        {
            "id": "Number: the incident id",
            "status": "String",
            "category": "String: the category code",
            "overdue": "Boolean: an open case past its due time",
            "due_at": "String: RFC 3339 due time of its case (UTC), absent without a case",
        },
    ),
}


def check_tile(layer: TileLayer, z: int, x: int, y: int) -> None:
    """z/x/y outside the tile pyramid, or a zoom the layer does not serve: a 400 problem."""
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise DomainError(
            f"tile {z}/{x}/{y} does not exist (0 <= z <= {MAX_ZOOM}, 0 <= x, y < 2^z)",
            code="tile.out_of_range",
        )
    if not layer.minzoom <= z <= layer.maxzoom:
        raise DomainError(
            f"the {layer.name} layer is served from zoom {layer.minzoom} to {layer.maxzoom}",
            code="tile.zoom_out_of_range",
            minzoom=layer.minzoom,
            maxzoom=layer.maxzoom,
        )


# A 4096-unit tile is drawn 512 screen pixels wide: 8 units are one pixel. Below FINE_FROM
# vertices are snapped to whole screen pixels (invisible, and most vertices of a street-scale
# grid fall together at county zooms); from FINE_FROM, where workers zoom in on their streets and
# maps overzoom, to single units.
SCREEN_PIXEL_UNITS = 8
FINE_FROM = 16


def snap_step(z: int) -> float:
    """Metres (EPSG:3857) between the snapping lattice's lines at zoom ``z``."""
    unit = 2 * MERCATOR_HALF / (2**z * EXTENT)
    return unit * (1 if z >= FINE_FROM else SCREEN_PIXEL_UNITS)


# Snap to the zoom's pixel lattice (origin at the Mercator square's corner, so every tile of the
# zoom shares it), drop repeated points, then clip and encode.
SNAPPED = (
    "ST_RemoveRepeatedPoints(ST_SnapToGrid(ST_Transform(a.geom, 3857),"
    " -20037508.342789244, -20037508.342789244, :pixel, :pixel))"
)

AREA_TILE_SQL = """
WITH tile AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS box,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS box4326
)
SELECT ST_AsMVT(t, :name, {extent}, 'geom') FROM (
    SELECT {columns},
           ST_AsMVTGeom({snapped}, tile.box, {extent}, {buffer}, true) AS geom
    FROM areas a, tile
    WHERE a.geom && tile.box4326 AND a.level = :level AND a.layer = :layer
      AND {generation}{scope}
    ORDER BY a.code  -- the same bytes every time: the ETag is strong
) t WHERE t.geom IS NOT NULL
"""

AREA_COLUMNS = "a.code, a.name, a.parent_code"
GRID_COLUMNS = (
    "a.code, a.name, a.parent_code, a.village_code, a.township_code, a.households,"
    " a.population, a.layer"
)


# Parameters of the tile statement, in $n order; ``county`` only where the caller has one.
AREA_PARAMETERS = (
    ("z", "int"),
    ("x", "int"),
    ("y", "int"),
    ("margin", "float8"),
    ("pixel", "float8"),
    ("name", "text"),
    ("level", "text"),
    ("layer", "text"),
    ("county", "text"),
)


def area_tile_sql(*, grid: bool, number: int, scoped: bool) -> str:
    """The tile statement with ``:name`` placeholders (bench/tiles.py times this same text)."""
    return AREA_TILE_SQL.format(
        extent=EXTENT,
        buffer=BUFFER,
        snapped=SNAPPED,
        columns=GRID_COLUMNS if grid else AREA_COLUMNS,
        generation=queries.generation_filter(number),
        # Boundaries are readable county-wide (the boundaries room's rule): a township's map
        # needs its neighbours for context.
        scope=" AND a.county_code = :county" if scoped else "",
    )


@lru_cache(maxsize=256)
def _area_statement(grid: bool, number: int, scoped: bool) -> Prepared:
    """Prepared once per pooled connection: a tile costs one EXECUTE with the generic plan (no
    planning: the GiST ``&&`` on the tile's box serves every tile), as bench/tiles.py's raw side.
    The generation's number is part of the text (few generations, each plan its own)."""
    sql = area_tile_sql(grid=grid, number=number, scoped=scoped)
    for position, (name, _type) in enumerate(AREA_PARAMETERS, 1):
        sql = re.sub(rf"(?<![:\w]):{name}\b", f"${position}", sql)
    kind = f"{'grid' if grid else 'area'}_{'county' if scoped else 'all'}_g{number}"
    return Prepared(f"gridsvc_tile_{kind}", AREA_PARAMETERS, sql)


def area_tile(
    county: str | None, layer: TileLayer, z: int, x: int, y: int, *, number: int, grid_layer: str
) -> bytes:
    """The MVT of one boundary layer in generation ``number`` as a caller of ``county`` (None:
    every county) sees it; empty bytes when nothing is there."""
    statement = _area_statement(layer.level == "grid", number, county is not None)
    values = {
        "z": z,
        "x": x,
        "y": y,
        "margin": BUFFER / EXTENT,
        "pixel": snap_step(z),
        "name": layer.name,
        "level": layer.level,
        "layer": grid_layer if layer.level == "grid" else ADMIN_LAYER,
        "county": county,
    }
    with tile_connection() as connection:
        _columns, rows = statement.run_on(connection, values)
    return bytes(rows[0][0] or b"")


def grid_layer_name(layer: TileLayer, requested: str | None) -> str:
    return (requested or UNIFIED_LAYER) if layer.level == "grid" else ADMIN_LAYER
