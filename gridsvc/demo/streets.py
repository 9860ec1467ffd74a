"""The demo county's street network (synthetic), for 多网合一 along streets (街巷定界).

Built from the published demo townships and grids (:func:`gridsvc.synthetic.demo_streets`), so
it matches whatever the demo loaded. It is handed to ``POST /api/v1/grid-merges`` as ``streets``;
``flask demo streets FILE`` writes it as GeoJSON for GIS staff to look at or send.
"""

from __future__ import annotations

import json

import shapely

from gridsvc.boundaries import store
from gridsvc.demo.boundaries import COUNTY
from gridsvc.synthetic import demo_streets


def demo_street_network() -> dict:
    """The streets of the demo county as one GeoJSON MultiLineString (lon/lat)."""
    townships = [a.code for a in store.current_layer("township", "admin", prefix=COUNTY)]
    grids = [a.code for a in store.current_layer("grid", "unified", prefix=COUNTY)]
    if not townships or not grids:
        raise RuntimeError("load the demo county first (flask demo load)")
    t_geoms = store.current_geometries("township", townships)
    g_geoms = store.current_geometries("grid", grids, layer="unified")
    streets = demo_streets(list(t_geoms.values()), list(g_geoms.values()))
    lines = shapely.MultiLineString([s.line for s in streets])
    return json.loads(shapely.to_geojson(shapely.set_precision(lines, 1e-7)))
