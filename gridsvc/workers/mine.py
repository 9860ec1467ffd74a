"""The calling grid worker's own view: the grids they hold now, with geometry."""

from __future__ import annotations

import orjson
from sqlalchemy import text

from gridsvc.boundaries import UNIFIED_LAYER
from gridsvc.extensions import db
from gridsvc.workers.patrols import last_patrolled

MY_GRIDS_SQL = text(
    """
    SELECT g.id AS assignment_id, g.grid_code, g.role, g.valid_from, a.name, a.village_code,
           a.township_code, a.households, a.population, a.area_m2,
           ST_AsGeoJSON(a.geom, 7) AS geojson
    FROM grid_assignments g
    JOIN areas a ON a.level = 'grid' AND a.layer = g.layer AND a.code = g.grid_code
                AND a.gen_from IS NOT NULL AND a.gen_to IS NULL
    WHERE g.user_id = :user AND g.layer = :layer AND g.valid_to IS NULL
    ORDER BY g.grid_code
    """
)


def my_grids(user_id: int, layer: str = UNIFIED_LAYER) -> dict:
    """A GeoJSON FeatureCollection of the grids the worker holds now (primary or secondary)."""
    rows = db.session.execute(MY_GRIDS_SQL, {"user": user_id, "layer": layer}).all()
    last = last_patrolled([r.grid_code for r in rows])
    features = [
        {
            "type": "Feature",
            "id": r.grid_code,
            "properties": {
                "code": r.grid_code,
                "name": r.name,
                "role": r.role,
                "since": r.valid_from,
                "assignment_id": r.assignment_id,
                "village_code": r.village_code,
                "township_code": r.township_code,
                "households": r.households,
                "population": r.population,
                "area_m2": round(r.area_m2, 1) if r.area_m2 is not None else None,
                "last_patrolled_at": last.get(r.grid_code),
            },
            "geometry": orjson.loads(r.geojson),
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "layer": layer, "features": features}
