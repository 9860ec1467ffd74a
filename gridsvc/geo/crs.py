"""Coordinate reference systems: EPSG codes (incl. CGCS2000 and its Gauss-Krüger zones) and the
Chinese obfuscated datums GCJ-02 and BD-09, everything converted to EPSG:4326 (lon, lat)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import prcoords
import pyproj
import shapely

from gridsvc.geo.errors import GeoInputError

WGS84 = "EPSG:4326"
GCJ02 = "GCJ02"
BD09 = "BD09"
CHINA = (73.5, 3.8, 135.1, 53.6)  # lon/lat box around China's territory
_ALIASES = {"WGS84": WGS84, "CRS84": WGS84, "CGCS2000": "EPSG:4490", "GCJ02": GCJ02, "BD09": BD09}


def normalize_crs(value: str | int | None) -> str | None:
    """``"epsg:4547"``, ``4490``, ``"gcj-02"`` … -> ``"EPSG:4547"``, ``"EPSG:4490"``, ``"GCJ02"``."""
    if value is None or value == "":
        return None
    text = str(value).strip().upper().replace("-", "").replace("_", "")
    if text in _ALIASES:
        return _ALIASES[text]
    if text.startswith("EPSG:"):
        text = text[5:]
    if text.isdigit():
        try:
            pyproj.CRS.from_epsg(int(text))
        except pyproj.exceptions.CRSError as exc:
            raise GeoInputError("crs.unknown", f"EPSG:{text} is not a known CRS.") from exc
        return f"EPSG:{int(text)}"
    raise GeoInputError(
        "crs.unknown", f"Unknown crs {value!r}: give EPSG:xxxx, GCJ02 or BD09.", 422
    )


@lru_cache(maxsize=64)
def _transformer(source: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, WGS84, always_xy=True)


def _inverse(to_wgs):
    """Vectorise one of prcoords' iterative inverses ((lat, lon) pairs) over (x, y) arrays."""

    def apply(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (x, y) in enumerate(coords):
            lat, lon = to_wgs((y, x))
            out[i] = (lon, lat)
        return out

    return apply


_gcj_to_wgs = _inverse(prcoords.gcj_wgs_bored)
_bd_to_wgs = _inverse(prcoords.bd_wgs_bored)


def transform_geometries(geoms, crs: str | None):
    """Geometries in ``crs`` -> EPSG:4326 (vectorised; GCJ-02/BD-09 by iterative inverse)."""
    crs = normalize_crs(crs) or WGS84
    if crs in (WGS84, "EPSG:4490"):  # CGCS2000 and WGS84 agree to centimetres
        return geoms
    if crs == GCJ02:
        return shapely.transform(geoms, _gcj_to_wgs)
    if crs == BD09:
        return shapely.transform(geoms, _bd_to_wgs)
    transformer = _transformer(crs)
    return shapely.transform(
        geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def point_to_wgs84(lon: float, lat: float, crs: str | None) -> tuple[float, float]:
    """A device point (lon, lat in ``crs``) in WGS84, refusing impossible and swapped input."""
    crs = normalize_crs(crs) or WGS84
    if crs in (WGS84, "EPSG:4490", GCJ02, BD09):
        check_point(lon, lat)
    if crs == GCJ02:
        lat2, lon2 = prcoords.gcj_wgs_bored((lat, lon))
        return lon2, lat2
    if crs == BD09:
        lat2, lon2 = prcoords.bd_wgs_bored((lat, lon))
        return lon2, lat2
    if crs in (WGS84, "EPSG:4490"):
        return lon, lat
    x, y = _transformer(crs).transform(lon, lat)
    check_point(x, y)
    return x, y


def _in_china(lon: float, lat: float) -> bool:
    return CHINA[0] <= lon <= CHINA[2] and CHINA[1] <= lat <= CHINA[3]


def check_point(lon: float, lat: float) -> None:
    if _in_china(lon, lat):
        return
    if _in_china(lat, lon):
        raise GeoInputError(
            "coordinates.swapped",
            f"({lon}, {lat}) looks like (lat, lon): send longitude first, GeoJSON order.",
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeoInputError("coordinates.out_of_range", f"({lon}, {lat}) is not a lon/lat pair.")
    raise GeoInputError("coordinates.out_of_range", f"({lon}, {lat}) lies outside China.")


def resolve_gk_crs(
    bounds: tuple[float, float, float, float], declared: str
) -> tuple[str, dict | None]:
    """Fix the common zone-prefixed vs central-meridian mix-up of CGCS2000 Gauss-Krüger codes.

    3° zones: EPSG:4513-4533 carry the zone number in front of the easting (38,500,000),
    4534-4554 do not (500,000); the same zone is ``code - 21`` / ``code + 21``. A file whose
    eastings disagree with its declared code is read with the sibling code when that lands in
    China, and the correction is reported.
    """
    code = int(declared.split(":")[1]) if declared.startswith("EPSG:") else 0
    if 4513 <= code <= 4533:
        sibling = code + 21
        prefixed = True
    elif 4534 <= code <= 4554:
        sibling = code - 21
        prefixed = False
    else:
        return declared, None
    has_prefix = bounds[0] > 1_000_000
    if has_prefix == prefixed:
        return declared, None
    candidate = f"EPSG:{sibling}"
    x, y = _transformer(candidate).transform(
        (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    )
    if not _in_china(x, y):
        raise GeoInputError(
            "crs.mismatch",
            f"The coordinates do not fit {declared} nor {candidate}; check the file's CRS.",
        )
    return candidate, {
        "code": "crs.gk_zone_corrected",
        "detail": f"Declared {declared} but the eastings {'lack' if prefixed else 'carry'} the zone "
        f"prefix; read as {candidate}.",
    }
