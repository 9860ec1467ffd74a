"""Shapely <-> GeoJSON / WKB conversions used across the rooms."""

from __future__ import annotations

import math

import orjson
import shapely

from gridsvc.geo.errors import GeoInputError


def to_geojson(geom) -> dict | None:
    if geom is None:
        return None
    return orjson.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-7)))


def from_geojson(obj: dict):
    try:
        geom = shapely.from_geojson(orjson.dumps(obj))
    except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
        raise GeoInputError("geometry.invalid_geojson", "Not a valid GeoJSON geometry.") from exc
    return geom


def to_wkb_hex(geom, srid: int = 4326) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, srid), hex=True, include_srid=True)


def point_from_geojson(obj) -> tuple[float, float]:
    """(lon, lat) of a GeoJSON Point, refusing anything else."""
    if not isinstance(obj, dict) or obj.get("type") != "Point":
        raise GeoInputError("geometry.invalid_geojson", "location must be a GeoJSON Point.")
    coords = obj.get("coordinates")
    if (
        not isinstance(coords, list | tuple)
        or len(coords) not in (2, 3)
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        or not all(math.isfinite(c) for c in coords)
    ):
        raise GeoInputError("geometry.invalid_geojson", "Point coordinates must be 2 or 3 numbers.")
    return float(coords[0]), float(coords[1])
