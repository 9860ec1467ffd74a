"""Shapely <-> GeoJSON / EWKB conversions shared by the rooms.

GeoJSON goes out with coordinates rounded to 7 decimals (~1 cm): more digits are noise from
transformations and only make map responses bigger. Rounding happens per coordinate, never by
snapping to a grid, so no ring collapses or changes its topology on the way out.
"""

from __future__ import annotations

import math

import numpy as np
import orjson
import shapely

from gridsvc.geo.errors import GeoInputError

DECIMALS = 7
GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def _rounded(geoms):
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def to_geojson(geom) -> dict | None:
    """A GeoJSON geometry dict with 7-decimal coordinates; ``None`` for ``None``."""
    if geom is None:
        return None
    return orjson.loads(shapely.to_geojson(_rounded(geom)))


def to_geojson_many(geoms) -> list[dict | None]:
    """:func:`to_geojson` for many geometries at once (one GEOS call, for map lists)."""
    texts = shapely.to_geojson(_rounded(np.asarray(geoms, dtype=object)))
    return [None if t is None else orjson.loads(t) for t in texts.tolist()]


def from_geojson(obj: dict):
    """A GeoJSON geometry object (not a Feature) as a shapely geometry, unrepaired.

    Raises:
        GeoInputError: ``geometry.invalid_geojson`` (422) for anything that is not a readable
            geometry: wrong type, unclosed rings, non-finite or missing coordinates.
    """
    if not isinstance(obj, dict) or obj.get("type") not in GEOMETRY_TYPES:
        kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
        hint = " (send its geometry member)" if kind in ("Feature", "FeatureCollection") else ""
        raise GeoInputError(
            "geometry.invalid_geojson", f"Expected a GeoJSON geometry, got {kind!r}{hint}."
        )
    try:
        geom = shapely.from_geojson(orjson.dumps(obj))
    except (shapely.errors.GEOSException, TypeError, ValueError, orjson.JSONEncodeError) as exc:
        raise GeoInputError(
            "geometry.invalid_geojson", f"Not a valid GeoJSON geometry: {exc}."
        ) from exc
    if geom is None or not np.isfinite(shapely.get_coordinates(geom)).all():
        raise GeoInputError("geometry.invalid_geojson", "Coordinates must be finite numbers.")
    return geom


def to_wkb_hex(geom, srid: int = 4326) -> str | None:
    """Hex EWKB with the SRID embedded: what PostGIS takes for ``geometry(…, 4326)`` columns."""
    if geom is None:
        return None
    return shapely.to_wkb(shapely.set_srid(geom, srid), hex=True, include_srid=True)


def point_from_geojson(obj) -> tuple[float, float]:
    """(lon, lat) of a GeoJSON Point with 2 or 3 finite numbers (altitude ignored).

    Range and China checks are :func:`gridsvc.geo.crs.point_to_wgs84`'s job, which also knows
    the declared crs.

    Raises:
        GeoInputError: ``geometry.invalid_geojson`` (422).
    """
    if not isinstance(obj, dict) or obj.get("type") != "Point":
        raise GeoInputError("geometry.invalid_geojson", "location must be a GeoJSON Point.")
    coords = obj.get("coordinates")
    if (
        not isinstance(coords, list | tuple)
        or len(coords) not in (2, 3)
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        or not all(math.isfinite(c) for c in coords)
    ):
        raise GeoInputError(
            "geometry.invalid_geojson", "Point coordinates must be 2 or 3 finite numbers."
        )
    return float(coords[0]), float(coords[1])
