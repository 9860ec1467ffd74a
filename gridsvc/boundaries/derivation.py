"""多网合一 by aggregation: the database side of :func:`gridsvc.geo.derive.derive_grids`.

Loads the villages, their townships and the specialist cells, reads the optional street and
household-point layers a request carries, runs the derivation, validates the grids as any draft
and stages them; the report carries the size figures (with the reason for every grid outside its
range) and the diff against the published grids of the same townships (动态调整: re-running one
township changes only its grids).
"""

from __future__ import annotations

import numpy as np
import shapely
from flask import current_app
from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.boundaries import store
from gridsvc.boundaries.features import validate_features
from gridsvc.boundaries.models import UNIFIED_LAYER
from gridsvc.errors import Invalid, TooLarge
from gridsvc.extensions import db
from gridsvc.geo.area import area_m2
from gridsvc.geo.convert import from_geojson
from gridsvc.geo.crs import check_china_extent, transform_geometries
from gridsvc.geo.derive import Derived, derive_grids
from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.sizing import resolve_rules
from gridsvc.geo.validate import Cell, Rules

#: Limits on the line and point layers a request may carry (a county's streets are ~10^4 lines).
MAX_STREET_VERTICES = 2_000_000
MAX_HOUSEHOLD_POINTS = 500_000
#: A grid whose outline moved by less than this (m²) is the same grid.
SAME_GRID_M2 = 1.0
# The derivation's own size rules flag sizes with their reason; the validator's fixed 300–500
# and 10 km² warnings would contradict the rural rule.
_NO_SIZE_WARNINGS = Rules(grid_households_min=0, grid_households_max=10**9, grid_area_max_km2=1e9)

_NAMES_SQL = """
SELECT code, name FROM areas
WHERE gen_from IS NOT NULL AND gen_to IS NULL AND level = 'township' AND layer = 'admin'
  AND code = ANY(:townships)
"""
_GRIDS_SQL = """
SELECT code, households, ST_AsBinary(geom) AS wkb FROM areas
WHERE gen_from IS NOT NULL AND gen_to IS NULL AND level = 'grid' AND layer = :layer
  AND township_code = ANY(:townships)
ORDER BY code
"""


def _geometry_input(value: dict | None, crs: str | None, field: str, kinds: tuple[str, ...]):
    """A GeoJSON geometry of the request as an array of lon/lat parts of the allowed kinds."""
    if value is None:
        return None
    try:
        geom = from_geojson(value)
    except GeoInputError as exc:
        raise Invalid(str(exc), code="merge.geometry_invalid", field=field) from exc
    parts = shapely.get_parts(geom)
    while any(
        p.geom_type.startswith("Multi") or p.geom_type == "GeometryCollection" for p in parts
    ):
        parts = shapely.get_parts(parts)
    if not len(parts) or any(p.geom_type not in kinds for p in parts):
        raise Invalid(
            f"{field} must hold only {' / '.join(kinds)} geometries.",
            code="merge.geometry_invalid",
            field=field,
        )
    count = int(shapely.get_num_coordinates(parts).sum())
    limit = MAX_HOUSEHOLD_POINTS if kinds == ("Point",) else MAX_STREET_VERTICES
    if count > limit:
        raise TooLarge(
            f"{field} has {count} vertices; at most {limit} are accepted.",
            code="merge.geometry_too_large",
            field=field,
        )
    parts = transform_geometries(np.asarray(parts, dtype=object), crs)
    if problems := check_china_extent(parts):
        raise Invalid(problems[0]["detail"], code=problems[0]["code"], field=field)
    return parts


def _rules(data: dict, county_code: str) -> dict:
    """The county's configured size rules, then the request's (``merge.rules_invalid`` if bad)."""
    rules = {
        **((current_app.config.get("MERGE_SIZE_RULES") or {}).get(county_code) or {}),
        **(data.get("size_rules") or {}),
    }
    try:
        resolve_rules(rules)
    except ValueError as exc:
        raise Invalid(str(exc), code="merge.rules_invalid") from exc
    return rules


def check_request(data: dict, county_code: str) -> None:
    """What the request carries (street and household layers, size rules), checked before the
    derivation is queued so a wrong request is answered at once."""
    _geometry_input(data.get("streets"), data.get("crs"), "streets", ("LineString", "LinearRing"))
    _geometry_input(data.get("household_points"), data.get("crs"), "household_points", ("Point",))
    _rules(data, county_code)


def _diff(townships: list[str], cells: list[Cell]) -> dict:
    """The derived grids against the published unified grids of the same townships."""
    rows = db.session.execute(
        text(_GRIDS_SQL), {"layer": UNIFIED_LAYER, "townships": townships}
    ).all()
    before = {r.code: (r.households, shapely.from_wkb(bytes(r.wkb))) for r in rows}
    changed, added, unchanged = [], [], 0
    for cell in cells:
        old = before.pop(cell.code, None)
        if old is None:
            added.append(cell.code)
            continue
        moved = float(area_m2(shapely.symmetric_difference(old[1], cell.geometry)))
        if moved < SAME_GRID_M2 and old[0] == cell.households:
            unchanged += 1
        else:
            changed.append(
                {
                    "code": cell.code,
                    "households_before": old[0],
                    "households_after": cell.households,
                    "moved_m2": round(moved, 1),
                }
            )
    return {
        "changed": changed,
        "added": added,
        "removed": sorted(before),
        "unchanged": unchanged,
    }


def derive(
    scope: Scope,
    data: dict,
    county_code: str,
    townships: list[str],
    villages: list[Cell],
    specialist: dict[str, list[Cell]],
) -> tuple[dict, list[dict], int | None]:
    """Derive, validate and (when clean) stage the unified grids; (report, crosswalk, draft id)."""
    names = dict(db.session.execute(text(_NAMES_SQL), {"townships": townships}).all())
    streets = _geometry_input(
        data.get("streets"), data.get("crs"), "streets", ("LineString", "LinearRing")
    )
    points = _geometry_input(
        data.get("household_points"), data.get("crs"), "household_points", ("Point",)
    )
    rules = _rules(data, county_code)
    try:
        out: Derived = derive_grids(
            specialist,
            villages,
            names,
            streets=streets,
            household_points=points,
            rules=rules,
        )
    except ValueError as exc:
        raise Invalid(str(exc), code="merge.rules_invalid") from exc
    notes = [
        {
            "code": "grid.size_outside_target",
            "feature": g["code"],
            "detail": f"{g['code']} has {g['households']} households ({g['kind']}): {g['reason']}.",
            "reason": g["flag"],
        }
        for g in out.grids
        if g["flag"]
    ]
    report, features = validate_features(
        out.cells,
        level="grid",
        layer=UNIFIED_LAYER,
        scope=scope,
        repair=False,
        notes=notes,
        rules=_NO_SIZE_WARNINGS,
    )
    by_code = {r["code"]: r for r in out.crosswalk["unified"]}
    report["mode"] = "derive"
    report["method"] = "aggregate"
    report["merge"] = out.summary
    report["grids"] = [{**g, "cells": by_code[g["code"]]["cells"]} for g in out.grids]
    report["diff"] = _diff(townships, out.cells)
    generation_id = None
    if report["ok"]:
        generation = store.new_draft(
            level="grid",
            layer=UNIFIED_LAYER,
            county_code=county_code,
            source="merge",
            user_id=scope.user_id,
        )
        store.write_features(generation.id, features)
        generation_id = generation.id
    return report, out.crosswalk["specialist"], generation_id
