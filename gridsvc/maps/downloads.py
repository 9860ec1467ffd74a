"""Boundary downloads: a published generation (or the current layer) as GIS staff upload it.

Codes, names and parents are plain columns (``code``, ``name``, ``parent``, ``township``,
``village``, ``households``, ``population``, ``area_m2``), in CGCS2000 (EPSG:4490, the default)
or WGS 84; written by GDAL through pyogrio — a GeoPackage, a zipped Shapefile with its ``.cpg``
(UTF-8, so 雨湖区 survives ArcGIS and QGIS), GeoJSON or KML (always WGS 84, as KML is).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
from sqlalchemy import text

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import ADMIN_LAYER, UNIFIED_LAYER, Generation, queries
from gridsvc.errors import DomainError, NotFound
from gridsvc.extensions import db

FORMATS = {
    # format -> (GDAL driver, file suffix, media type)
    "gpkg": ("GPKG", ".gpkg", "application/geopackage+sqlite3"),
    "shp": ("ESRI Shapefile", ".shp", "application/zip"),
    "geojson": ("GeoJSON", ".geojson", "application/geo+json"),
    "kml": ("KML", ".kml", "application/vnd.google-earth.kml+xml"),
}
CRSES = {"EPSG:4490": 4490, "EPSG:4326": 4326}
COLUMNS = ("code", "name", "parent", "township", "village", "households", "population", "area_m2")

ROWS_SQL = """
SELECT a.code, coalesce(a.name, '') AS name, coalesce(a.parent_code, '') AS parent,
       coalesce(a.township_code, '') AS township, coalesce(a.village_code, '') AS village,
       coalesce(a.households, -1) AS households, coalesce(a.population, -1) AS population,
       coalesce(a.area_m2, 0) AS area_m2,
       ST_AsBinary(ST_Transform(a.geom, :srid)) AS wkb
FROM areas a
WHERE a.level = :level AND a.layer = :layer AND {generation}{county}
ORDER BY a.code
"""


def published_generation(scope: Scope, generation_id: int) -> Generation:
    """A published (or retired) generation of the caller's county; drafts and others' are 404."""
    generation = db.session.get(Generation, generation_id) if generation_id < 2**31 else None
    if generation is None or generation.number is None:
        policy.hidden("generation")
    # A generation without a county (loaded from the shell) is read through the caller's county.
    if generation.county_code is not None and not policy.sees_county(scope, generation.county_code):
        policy.hidden("generation")
    return generation


def layer_file(
    scope: Scope,
    *,
    level: str,
    layer: str,
    number: int | None,
    fmt: str,
    crs: str,
    limit: int,
    draft: Generation | None = None,
) -> tuple[bytes, str, str]:
    """(file bytes, filename, media type) of one level/layer in generation ``number``, or of
    the rows ``draft`` staged (a merge's draft, to be fixed in QGIS)."""
    driver, suffix, media = FORMATS[fmt]
    srid = 4326 if fmt == "kml" else CRSES[crs]
    sql = ROWS_SQL.format(
        generation=f"a.generation_id = {int(draft.id)}"
        if draft is not None
        else queries.generation_filter(number),
        county=" AND a.county_code = :county" if scope.county_code else "",
    )
    layer_name = layer if level == "grid" else level
    rows = db.session.execute(
        text(sql + " LIMIT :limit"),
        {
            "level": level,
            "layer": layer if level == "grid" else ADMIN_LAYER,
            "county": scope.county_code,
            "srid": srid,
            "limit": limit + 1,
        },
    ).all()
    if not rows:
        raise NotFound("nothing to download in this layer", code="download.empty")
    if len(rows) > limit:
        raise DomainError(
            f"more than {limit} features: ask for one layer at a time",
            code="download.too_large",
            status=413,
        )
    columns = [np.array([getattr(r, c) for r in rows]) for c in COLUMNS]
    geometry = np.array([bytes(r.wkb) for r in rows], dtype=object)
    stem = f"{layer_name}-g{number}" if number else f"{layer_name}-current"
    if draft is not None:
        stem = f"{layer_name}-draft{draft.id}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}{suffix}"
        pyogrio.raw.write(
            str(path),
            geometry,
            columns,
            list(COLUMNS),
            layer=layer_name,
            driver=driver,
            geometry_type="MultiPolygon",
            crs=f"EPSG:{srid}",
            encoding="UTF-8" if fmt == "shp" else None,
        )
        if fmt != "shp":
            return path.read_bytes(), path.name, media
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, part.name)
        return out.getvalue(), f"{stem}.zip", media


def current_layer_name(level: str, layer: str | None) -> str:
    return (layer or UNIFIED_LAYER) if level == "grid" else ADMIN_LAYER
