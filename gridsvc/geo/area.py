"""Areas, lengths, buffers and distances in metres for lon/lat (EPSG:4326) geometry in China.

Boundaries are stored in degrees, but every threshold GIS staff think in (a 50 m² sliver, a 10 km²
grid, a 20 m misalignment) is metric. Reprojecting to an equal-area projection and measuring there
is both exact enough and vectorised: ``shapely.transform`` pushes all coordinates of many
geometries through one cached pyproj ``Transformer`` in a single numpy call.

Why Albers (``+lat_1=25 +lat_2=47 +lon_0=105``, the usual "China Albers"): it is *equal-area*, so
areas measured in it are exact on the GRS80 ellipsoid everywhere (areal scale 1.000000; the only
remaining error is that a straight edge in degrees is not a straight edge in the plane, which is
negligible for edges of a few km). Lengths are not preserved: the linear scale along parallels
ranges from about 0.98 (36°N) to 1.025 (18°N) across China, 0.992 at 湘潭. That is good enough for
relative comparisons (which neighbour shares the longest edge), but ``buffer_m`` and
``distance_m`` use a local azimuthal equidistant projection / the geodesic instead, so that a
"50 m" buffer really is 50 m.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

#: Albers equal-area conic for China (standard parallels 25°N and 47°N, central meridian 105°E).
ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=GRS80 +units=m +no_defs"
_GEOD = Geod(ellps="GRS80")

Geoms = BaseGeometry | Sequence[BaseGeometry | None] | np.ndarray


@lru_cache(maxsize=1)
def _albers() -> tuple[Transformer, Transformer]:
    """Forward and inverse transformers, built once: constructing one costs ~1 ms."""
    return (
        Transformer.from_crs("EPSG:4326", ALBERS_CHINA, always_xy=True),
        Transformer.from_crs(ALBERS_CHINA, "EPSG:4326", always_xy=True),
    )


@lru_cache(maxsize=64)
def _local(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """Azimuthal equidistant projection centred near (lon, lat): distances from the centre are
    exact and the scale error stays below 0.1% within ~100 km, so buffers come out true."""
    proj = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=GRS80 +units=m +no_defs"
    return (
        Transformer.from_crs("EPSG:4326", proj, always_xy=True),
        Transformer.from_crs(proj, "EPSG:4326", always_xy=True),
    )


def _apply(geoms: Geoms, transformer: Transformer):
    def project(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    if isinstance(geoms, BaseGeometry):
        return shapely.transform(geoms, project)
    return shapely.transform(np.asarray(geoms, dtype=object), project)


def to_metric(geoms: Geoms):
    """Project lon/lat geometry (one, or an array/sequence) to China Albers metres.

    Returns the same shape as given: a geometry for a geometry, an ndarray for a sequence.
    ``None`` entries stay ``None``.
    """
    return _apply(geoms, _albers()[0])


def from_metric(geoms: Geoms):
    """Inverse of :func:`to_metric`: China Albers metres back to lon/lat."""
    return _apply(geoms, _albers()[1])


def area_m2(geoms: Geoms) -> np.ndarray:
    """Area in square metres of each geometry (0 for points, lines, empty and ``None``).

    Returns an ndarray of floats with the input's shape (a 0-d array for one geometry, so
    ``float(area_m2(g))`` works).
    """
    areas = shapely.area(to_metric(geoms))
    return np.nan_to_num(np.asarray(areas, dtype=float), nan=0.0)


def length_m(geoms: Geoms) -> np.ndarray:
    """Length (perimeter for polygons) in metres, measured in Albers (±2.5% across China).

    Meant for comparisons (the longest shared edge, a sliver's mean width), not for surveying.
    """
    lengths = shapely.length(to_metric(geoms))
    return np.nan_to_num(np.asarray(lengths, dtype=float), nan=0.0)


def _centre(*geoms: BaseGeometry) -> tuple[float, float]:
    """A stable centre for a local projection: bounds midpoint rounded to 0.01° (cache-friendly)."""
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return round((x0 + x1) / 2, 2), round((y0 + y1) / 2, 2)


def buffer_m(geom: BaseGeometry, metres: float, **kwargs) -> BaseGeometry:
    """Buffer a lon/lat geometry by a distance in metres (negative shrinks polygons).

    Done in a local equidistant projection centred on the geometry rather than Albers, whose
    linear scale is off by up to 2.5% (see module docstring). Extra keyword arguments go to
    ``shapely.buffer`` (``quad_segs``, ``join_style`` …).
    """
    if geom is None or geom.is_empty:
        return geom
    forward, inverse = _local(*_centre(geom))
    return _apply(shapely.buffer(_apply(geom, forward), metres, **kwargs), inverse)


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Shortest distance in metres between two lon/lat geometries (0 if they intersect).

    Two points: the geodesic distance on GRS80 (pyproj.Geod). Anything else: the nearest pair of
    points is found in a local equidistant projection around both geometries, and the geodesic
    between that pair is returned, so the figure is exact for the points chosen.
    """
    if a is None or b is None or a.is_empty or b.is_empty:
        raise ValueError("distance_m needs two non-empty geometries")
    if a.geom_type != "Point" or b.geom_type != "Point":
        if a.intersects(b):
            return 0.0
        forward, inverse = _local(*_centre(a, b))
        pa, pb = nearest_points(_apply(a, forward), _apply(b, forward))
        a, b = _apply(pa, inverse), _apply(pb, inverse)
    _, _, dist = _GEOD.inv(a.x, a.y, b.x, b.y)
    return float(dist)
