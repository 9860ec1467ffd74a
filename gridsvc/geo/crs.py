"""Coordinate reference systems: everything ends up in EPSG:4326 (lon, lat).

Input comes as EPSG codes (WGS84, CGCS2000 and its Gauss-Krüger zones, Xian 1980 / Beijing 1954 on
older county data), as WKT from ``.prj`` files, or in the two obfuscated datums Chinese map SDKs
emit: GCJ-02 (AMap, Tencent) and BD-09 (Baidu). PROJ knows nothing of the last two, so they are
reversed with prcoords' iterative inverse, which lands within millimetres (GCJ-02) or a couple of
centimetres (BD-09) of the true WGS84 point; the one-step inverse can be metres off.

CGCS2000 and WGS84 agree to a few centimetres, far below what boundary data carries, so EPSG:4490
coordinates are used as they are.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np
import prcoords
import pyproj
import shapely
from pyproj.database import query_crs_info
from pyproj.enums import PJType

from gridsvc.geo.errors import GeoInputError

WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"
GCJ02 = "GCJ02"
BD09 = "BD09"
CHINA = (73.5, 3.8, 135.1, 53.6)  # lon/lat box around China's territory
_SAME_AS_WGS84 = (WGS84, CGCS2000)
_ALIASES = {
    "WGS84": WGS84,
    "WGS1984": WGS84,
    "CRS84": WGS84,
    "OGCCRS84": WGS84,
    "CGCS2000": CGCS2000,
    "GCJ02": GCJ02,
    "BD09": BD09,
    "BD09LL": BD09,  # Baidu's own name for BD-09 lon/lat (as opposed to its Mercator, bd09mc)
}
# urn:ogc:def:crs:EPSG::4490, urn:ogc:def:crs:OGC:1.3:CRS84, http://www.opengis.net/def/crs/EPSG/0/4490
_URN = re.compile(r"^URN:OGC:DEF:CRS:(EPSG|OGC):[\d.]*:(\w+)$")
_OGC_URL = re.compile(r"^HTTPS?://WWW\.OPENGIS\.NET/DEF/CRS/(EPSG|OGC)/[\d.]+/(\w+)$")
# The datums whose link to WGS84 PROJ can only guess at ("ballpark"): tens to hundreds of metres.
_APPROXIMATE_DATUMS = ("Beijing 1954", "Xian 1980", "New Beijing")
_GK_NAME = re.compile(
    r"^(CGCS2000|Xian 1980|Beijing 1954|New Beijing) / (3-degree )?Gauss-Kruger "
    r"(?:zone (\d+)|CM (\d+)E)$"
)


def normalize_crs(value: str | int | None) -> str | None:
    """A caller's ``crs`` as ``"EPSG:n"``, ``"GCJ02"`` or ``"BD09"``; ``None`` when not given.

    Accepts what people actually type or tools write: ``4490``, ``"epsg:4547"``, ``"gcj-02"``,
    ``"bd-09"``, ``"WGS84"``, ``"CGCS2000"``, OGC URNs and opengis.net URIs.

    Raises:
        GeoInputError: ``crs.unknown`` (422) for anything else, incl. EPSG codes that are not
            horizontal (2D) coordinate systems.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise GeoInputError("crs.unknown", f"Unknown crs {value!r}.")
    text = str(value).strip().upper()
    key = re.sub(r"[\s_\-.]", "", text)
    if key in _ALIASES:
        return _ALIASES[key]
    match = _URN.match(text) or _OGC_URL.match(text)
    if match:
        if match.group(2) == "CRS84":
            return WGS84
        text = match.group(2) if match.group(1) == "EPSG" else text
    if text.startswith("EPSG:"):
        text = text[5:].strip()
    if text.isdigit():
        return _checked_epsg(int(text))
    raise GeoInputError(
        "crs.unknown",
        f"Unknown crs {value!r}: give an EPSG code (e.g. EPSG:4490, EPSG:4547), GCJ02 or BD09.",
    )


@lru_cache(maxsize=256)
def _checked_epsg(code: int) -> str:
    try:
        crs = pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError as exc:
        raise GeoInputError("crs.unknown", f"EPSG:{code} is not a known CRS.") from exc
    if not (crs.is_geographic or crs.is_projected) or len(crs.axis_info) != 2:
        raise GeoInputError(
            "crs.unknown", f"EPSG:{code} ({crs.name}) is not a 2D geographic or projected CRS."
        )
    return f"EPSG:{code}"


def file_crs(value: str | None) -> str | None:
    """The CRS a file declares (GDAL's ``EPSG:n`` or a WKT it could not match), normalised.

    WKT that matches no EPSG entry (a county's own transverse Mercator, say) is kept as WKT:
    PROJ transforms from it just as well.
    """
    if not value:
        return None
    if value.upper().startswith("EPSG:"):
        return normalize_crs(value)
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise GeoInputError("crs.unknown", "The file's CRS definition cannot be read.") from exc
    code = crs.to_epsg(min_confidence=90)
    return _checked_epsg(code) if code else crs.to_wkt()


def crs_label(crs: str) -> str:
    """``"EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E)"`` for messages people read."""
    if crs in (GCJ02, BD09):
        return crs
    name = pyproj.CRS.from_user_input(crs).name
    return f"{crs} ({name})" if crs.startswith("EPSG:") else name


@lru_cache(maxsize=64)
def _transformer(source: str) -> pyproj.Transformer:
    # pyproj >= 3.1 transformers are thread-safe, so one cached instance serves every thread.
    return pyproj.Transformer.from_crs(source, WGS84, always_xy=True)


def _datum_inverse(inverse):
    """Vectorise a prcoords inverse (one (lat, lon) pair per call) over an (n, 2) x/y array.

    Adjacent boundaries share most of their vertices, so each distinct vertex is reversed once.
    """

    def apply(coords: np.ndarray) -> np.ndarray:
        if not len(coords):
            return coords
        unique, back = np.unique(coords, axis=0, return_inverse=True)
        lat_lon = np.array([inverse((y, x)) for x, y in unique.tolist()], dtype=float)
        return lat_lon[back.reshape(-1)][:, ::-1]

    return apply


_FROM_GCJ02 = _datum_inverse(prcoords.gcj_wgs_bored)
_FROM_BD09 = _datum_inverse(prcoords.bd_wgs_bored)


def transform_geometries(geoms, crs: str | None):
    """Geometries (array or list of shapely geometries) in ``crs`` -> EPSG:4326, vectorised.

    ``None`` entries stay ``None``; nothing is repaired. GCJ-02 / BD-09 go through prcoords'
    iterative inverse (~10 µs per distinct vertex), everything else through a cached PROJ
    transformer.
    """
    crs = _source(crs)
    if crs in _SAME_AS_WGS84:
        return geoms
    if crs == GCJ02:
        return shapely.transform(geoms, _FROM_GCJ02)
    if crs == BD09:
        return shapely.transform(geoms, _FROM_BD09)
    transformer = _transformer(crs)
    return shapely.transform(
        geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def _source(crs: str | None) -> str:
    """A normalised CRS, or WKT kept as it is (from :func:`file_crs`); WGS84 when absent."""
    if crs and "[" in crs:
        return crs
    return normalize_crs(crs) or WGS84


@lru_cache(maxsize=64)
def _is_projected(crs: str) -> bool:
    return pyproj.CRS.from_user_input(crs).is_projected


def point_to_wgs84(lon: float, lat: float, crs: str | None) -> tuple[float, float]:
    """One device point (incident report, locate) in ``crs`` -> (lon, lat) in WGS84.

    Lon/lat input is checked before conversion, projected input after, so the message names what
    the caller sent.

    Raises:
        GeoInputError: ``coordinates.swapped`` when (lat, lon) was sent, ``coordinates.out_of_range``
            for non-numbers, impossible values and points outside China; ``crs.unknown``.
    """
    crs = normalize_crs(crs) or WGS84
    lon, lat = _as_float(lon), _as_float(lat)
    projected = crs not in (*_SAME_AS_WGS84, GCJ02, BD09) and _is_projected(crs)
    if not projected:
        check_point(lon, lat)
    if crs == GCJ02:
        lat, lon = prcoords.gcj_wgs_bored((lat, lon))
    elif crs == BD09:
        lat, lon = prcoords.bd_wgs_bored((lat, lon))
    elif crs not in _SAME_AS_WGS84:
        lon, lat = _transformer(crs).transform(lon, lat)
        check_point(lon, lat)
    return float(lon), float(lat)


def _as_float(value) -> float:
    if isinstance(value, bool):
        raise GeoInputError("coordinates.out_of_range", f"{value!r} is not a coordinate.")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise GeoInputError("coordinates.out_of_range", f"{value!r} is not a number.") from exc


def in_china(lon: float, lat: float) -> bool:
    """Inside the lon/lat box around China (generous: islands and borders included)."""
    return CHINA[0] <= lon <= CHINA[2] and CHINA[1] <= lat <= CHINA[3]


def check_point(lon: float, lat: float) -> None:
    """Refuse a lon/lat point that cannot be in China, telling swapped axes apart.

    The China box has lon 73.5-135.1 and lat 3.8-53.6; the two ranges do not overlap, so a point
    that fits only once swapped is unambiguous.
    """
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeoInputError("coordinates.out_of_range", f"({lon}, {lat}) is not a lon/lat pair.")
    if in_china(lon, lat):
        return
    if in_china(lat, lon):
        raise GeoInputError(
            "coordinates.swapped",
            f"({lon}, {lat}) looks like (lat, lon): send longitude first, as GeoJSON does.",
            extra={"lon": lon, "lat": lat},
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeoInputError("coordinates.out_of_range", f"({lon}, {lat}) is not a lon/lat pair.")
    raise GeoInputError("coordinates.out_of_range", f"({lon}, {lat}) lies outside China.")


def check_china_extent(geoms) -> list[dict]:
    """Layer-level extent problems of lon/lat geometries: ``[]`` when the layer lies in China.

    One finding for the whole layer (``extent.swapped_axes`` when the bounds fit China only with
    x and y exchanged, else ``extent.outside_china``), each with ``code``, ``detail`` and
    ``bounds``; per-feature checks are the validator's business.
    """
    geoms = np.asarray(geoms, dtype=object)
    present = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if not len(present):
        return []
    x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(present))
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return [_extent("extent.outside_china", "holds non-finite coordinates", (x0, y0, x1, y1))]
    if in_china(x0, y0) and in_china(x1, y1):
        return []
    if in_china(y0, x0) and in_china(y1, x1):
        return [_extent("extent.swapped_axes", "has (lat, lon) coordinates", (x0, y0, x1, y1))]
    return [_extent("extent.outside_china", "lies outside China", (x0, y0, x1, y1))]


def _extent(code: str, what: str, bounds: tuple[float, ...]) -> dict:
    span = ", ".join(f"{v:.6g}" for v in bounds)
    hint = (
        "swap the axes (lon first) and upload again"
        if code == "extent.swapped_axes"
        else "check the CRS (projected metres, or a wrong EPSG code?)"
    )
    return {
        "code": code,
        "detail": f"The layer {what}: bounds ({span}); China is lon {CHINA[0]}-{CHINA[2]}, "
        f"lat {CHINA[1]}-{CHINA[3]}; {hint}.",
        "bounds": list(bounds),
    }


def datum_note(crs: str) -> dict | None:
    """A note when the source datum has no real transformation to WGS84 in PROJ.

    Beijing 1954 / Xian 1980 to WGS84 needs local parameters counties rarely publish; PROJ falls
    back to a "ballpark" shift and positions can be off by tens of metres.
    """
    if crs in (GCJ02, BD09, *_SAME_AS_WGS84):
        return None
    datum = pyproj.CRS.from_user_input(crs).geodetic_crs
    name = datum.name if datum else ""
    if not any(d in name for d in _APPROXIMATE_DATUMS):
        return None
    return {
        "code": "crs.datum_approximate",
        "detail": f"{crs_label(crs)} uses the {name} datum, which PROJ can only shift to WGS84 "
        "approximately (tens of metres); reproject to CGCS2000 in your GIS for exact boundaries.",
    }


@lru_cache(maxsize=1)
def _gk_table() -> tuple[dict[int, tuple], dict[tuple, int]]:
    """EPSG's Chinese Gauss-Krüger codes: code -> (datum, degrees, cm, zone|None) and back.

    3° zone n has its central meridian at 3n°E, 6° zone n at (6n - 3)°E; "zone" codes put n in
    front of the easting (38,500,000 m), "CM" codes do not (500,000 m).
    """
    by_code: dict[int, tuple] = {}
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS):
        match = _GK_NAME.match(info.name)
        if not match:
            continue
        datum, three, zone, cm = match.groups()
        degrees = 3 if three else 6
        zone_n = int(zone) if zone else None
        cm_deg = int(cm) if cm else (3 * zone_n if degrees == 3 else 6 * zone_n - 3)
        by_code[int(info.code)] = (datum, degrees, cm_deg, zone_n)
    return by_code, {v: k for k, v in by_code.items()}


def resolve_gk_crs(
    bounds: tuple[float, float, float, float], declared: str
) -> tuple[str, dict | None]:
    """Fix the zone-prefixed vs central-meridian mix-up of Gauss-Krüger codes, or refuse.

    A file labelled EPSG:4526 (3° zone 38, eastings like 38,500,000) whose eastings lack the
    prefix (~500,000) is really EPSG:4547 (CM 114°E), and the reverse; when prefixed eastings name
    a different zone than declared, the zone in the data wins. The candidate must put the layer in
    China and within its zone's area of use (with a zone's width of slack), else nothing is guessed.

    Args:
        bounds: (minx, miny, maxx, maxy) of the layer in the declared CRS.
        declared: the normalised declared CRS; anything but a Chinese GK code passes through.

    Returns:
        (crs to use, ``{"code": "crs.gk_zone_corrected", "detail": ...}`` or ``None``).

    Raises:
        GeoInputError: ``crs.mismatch`` (422) when neither variant fits.
    """
    by_code, by_key = _gk_table()
    code = int(declared[5:]) if declared.startswith("EPSG:") else 0
    if code not in by_code:
        return declared, None
    datum, degrees, cm, zone = by_code[code]
    x0, _, x1, _ = bounds
    candidate = code
    if x0 >= 1_000_000:  # eastings carry a zone number
        data_zone = int(x0 // 1_000_000)
        data_degrees = 3 if 25 <= data_zone <= 45 else 6 if 13 <= data_zone <= 23 else 0
        data_cm = 3 * data_zone if data_degrees == 3 else 6 * data_zone - 3
        same_zone = int(x1 // 1_000_000) == data_zone
        candidate = by_key.get((datum, data_degrees, data_cm, data_zone), 0) if same_zone else 0
    elif zone is not None:  # plain eastings under a zone-prefixed code
        candidate = by_key.get((datum, degrees, cm, None), 0)
    if not candidate or not _fits(bounds, f"EPSG:{candidate}"):
        raise GeoInputError(
            "crs.mismatch",
            f"The coordinates (x {x0:.0f}-{x1:.0f}) do not fit {crs_label(declared)}"
            + (f" nor EPSG:{candidate}" if candidate and candidate != code else "")
            + "; check the file's CRS or give crs.",
            extra={"declared": declared},
        )
    if candidate == code:
        return declared, None
    used = f"EPSG:{candidate}"
    has = "carry a zone prefix" if x0 >= 1_000_000 else "lack the zone prefix"
    return used, {
        "code": "crs.gk_zone_corrected",
        "detail": f"Declared {crs_label(declared)} but the eastings {has} "
        f"(x {x0:.0f}-{x1:.0f}); read as {crs_label(used)}.",
        "declared": declared,
        "used": used,
    }


def _fits(bounds: tuple[float, float, float, float], crs: str) -> bool:
    try:
        lon0, lat0, lon1, lat1 = _transformer(crs).transform_bounds(*bounds, densify_pts=5)
    except pyproj.exceptions.ProjError:
        return False
    area = pyproj.CRS.from_user_input(crs).area_of_use
    slack = 3.0  # boundaries may run past a zone's edge; a wrong zone is off by far more
    in_zone = area is None or (area.west - slack <= lon0 and lon1 <= area.east + slack)
    return in_zone and in_china(lon0, lat0) and in_china(lon1, lat1)


# --- out: WGS 84 -> the datums of China's web map SDKs -----------------------------------------

OUTPUT_DATUMS = (GCJ02, BD09)
_TO_DATUM = {GCJ02: prcoords.wgs_gcj, BD09: prcoords.wgs_bd}


def geojson_to_datum(geometry: dict | None, crs: str) -> dict | None:
    """A GeoJSON geometry in EPSG:4326 with its coordinates moved to GCJ-02 or BD-09 (AMap and
    Tencent, Baidu), for apps that draw on those SDKs' maps; 7 decimals, as our GeoJSON has."""
    if geometry is None:
        return None
    forward = _TO_DATUM[crs]

    def move(coords):
        if coords and isinstance(coords[0], int | float):
            lat, lon = forward((coords[1], coords[0]))
            return [round(lon, 7), round(lat, 7)]
        return [move(c) for c in coords]

    if geometry["type"] == "GeometryCollection":
        return {
            **geometry,
            "geometries": [geojson_to_datum(g, crs) for g in geometry["geometries"]],
        }
    return {**geometry, "coordinates": move(geometry["coordinates"])}


def features_to_datum(body: dict, crs: str | None) -> dict:
    """A GeoJSON Feature or FeatureCollection with every geometry moved to ``crs`` (GCJ02 or
    BD09); unchanged when ``crs`` is None (WGS 84, as stored)."""
    if crs is None:
        return body
    if body.get("type") == "Feature":
        return {**body, "geometry": geojson_to_datum(body.get("geometry"), crs)}
    features = [features_to_datum(f, crs) for f in body.get("features", [])]
    return {**body, "features": features}
