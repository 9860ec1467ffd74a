"""A street network for the demo county, so that 街巷定界 (streets bound the grids) can be tested.

The demo's grids stand for the county's own street blocks: a real grid is drawn along streets, so
the synthetic streets are the edges of the demo grids (township edges are the main roads, the
rest are streets and lanes), clipped off the county's outer edge. The departments' specialist
layers are drawn independently of them, which is what makes the derivation's street preference
visible: cuts that follow specialist lines do not lie on streets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import LineString

from gridsvc.synthetic.areas import Area


@dataclass(frozen=True)
class Street:
    """One street line; ``kind`` is ``main`` (a township edge) or ``street``."""

    kind: str
    line: LineString


def demo_streets(townships: Sequence[Area], grids: Sequence[Area]) -> list[Street]:
    """Street lines along the internal edges of ``grids``; those on township edges are main roads.

    Both inputs must be the nested coverages of :func:`~gridsvc.synthetic.demo_hierarchy`.
    """
    grid_arr = np.asarray(grids, dtype=object)
    outline = shapely.boundary(shapely.coverage_union_all(grid_arr))
    edges = shapely.union_all(shapely.boundary(grid_arr))
    inner = shapely.difference(edges, shapely.buffer(outline, 1e-7))
    mains = shapely.union_all(shapely.boundary(np.asarray(townships, dtype=object)))
    mains_zone = shapely.buffer(mains, 1e-7)
    out: list[Street] = []
    for part in shapely.get_parts(shapely.line_merge(inner)):
        for kind, piece in (
            ("main", shapely.intersection(part, mains_zone)),
            ("street", shapely.difference(part, mains_zone)),
        ):
            for line in shapely.get_parts(shapely.line_merge(piece)):
                if isinstance(line, LineString) and line.length > 0:
                    out.append(Street(kind, line))
    return out
