"""What every generator of this room takes and measures: areas, their repair, local metres.

Kept apart from :mod:`~gridsvc.synthetic.meshing` and :mod:`~gridsvc.synthetic.dissolving` because
both need it and meshing builds on dissolving: a shared base avoids an import cycle.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon

#: Metres per degree of latitude (and of longitude at the equator).
M_PER_DEG = 111_320.0

Area = Polygon | MultiPolygon


class PartitionError(ValueError):
    """The polygon cannot be split as asked (e.g. more cells than its precision grid can hold)."""


def polygonal(geom: object) -> Area:
    """Return ``geom`` as a valid Polygon/MultiPolygon, repairing self-intersections.

    Real uploads (and the county outlines) have self-intersecting rings; ``make_valid`` repairs
    them and may add collapsed lines, which are dropped so no stray linework leaks into the mesh.

    Raises:
        TypeError: not a Polygon or MultiPolygon.
        ValueError: empty, zero-area or non-finite input.
    """
    if not isinstance(geom, Polygon | MultiPolygon):
        raise TypeError(f"expected a Polygon or MultiPolygon, got {type(geom).__name__}")
    if geom.is_empty or not np.isfinite(shapely.get_coordinates(geom)).all():
        raise ValueError("polygon is empty or has non-finite coordinates")
    if not geom.is_valid:
        parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(geom)))
        polys = parts[shapely.get_type_id(parts) == 3]
        geom = polys[0] if len(polys) == 1 else shapely.multipolygons(polys)
    if geom.area <= 0:
        raise ValueError("polygon has no area")
    return geom


def local_xy(xy: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular metres around ``lat0``: isotropic enough for distances inside a province."""
    return np.column_stack([xy[:, 0] * np.cos(np.radians(lat0)), xy[:, 1]]) * M_PER_DEG
