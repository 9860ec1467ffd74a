"""An in-process index of the current generation's subdivided parts, for bulk locate.

One GiST probe per point caps SQL bulk lookups near 20,000 points/s on this hardware; a shapely
STRtree over the same ``area_parts`` rows answers hundreds of thousands per second. The index is
keyed by the id of the newest published generation, so a publish (in any process) makes every
worker rebuild on its next bulk request; older generations are always answered by SQL.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import text

from gridsvc.extensions import db

NEWEST_SQL = text(
    "SELECT id, number FROM generations WHERE number = (SELECT max(number) FROM generations)"
)
PARTS_SQL = text(
    "SELECT ST_AsBinary(p.geom) AS wkb, a.level, a.code, a.name"
    " FROM area_parts p JOIN areas a ON a.id = p.area_id"
    " WHERE p.gen_to IS NULL AND p.layer IN ('admin', :layer)"
)


@dataclass(frozen=True)
class PartsIndex:
    key: tuple
    number: int
    tree: shapely.STRtree
    level: np.ndarray
    code: np.ndarray
    name: np.ndarray

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> list[tuple[int, str, str, str]]:
        """(point index, level, code, name) for every part containing a point."""
        points = shapely.points(lons, lats)
        point_idx, part_idx = self.tree.query(points, predicate="intersects")
        return list(
            zip(
                point_idx.tolist(),
                self.level[part_idx].tolist(),
                self.code[part_idx].tolist(),
                self.name[part_idx].tolist(),
                strict=True,
            )
        )


_cache: dict[str, PartsIndex] = {}
_lock = threading.Lock()


def current_index(layer: str) -> PartsIndex | None:
    """The index for ``layer`` (plus the admin levels) at the newest generation; None if empty."""
    newest = db.session.execute(NEWEST_SQL).first()
    if newest is None:
        return None
    key = (newest.id, newest.number, layer)
    index = _cache.get(layer)
    if index is not None and index.key == key:
        return index
    with _lock:
        index = _cache.get(layer)
        if index is not None and index.key == key:
            return index
        rows = db.session.execute(PARTS_SQL, {"layer": layer}).all()
        geoms = shapely.from_wkb([bytes(r.wkb) for r in rows])
        index = PartsIndex(
            key=key,
            number=newest.number,
            tree=shapely.STRtree(geoms),
            level=np.array([r.level for r in rows], dtype=object),
            code=np.array([r.code for r in rows], dtype=object),
            name=np.array([r.name for r in rows], dtype=object),
        )
        _cache[layer] = index
        return index
