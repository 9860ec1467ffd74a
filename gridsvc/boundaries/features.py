"""From features read off a file to validated, storable features (shared by uploads and merges)."""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from gridsvc.accounts import Scope
from gridsvc.boundaries import store
from gridsvc.boundaries.models import ADMIN_LAYER, UNIFIED_LAYER
from gridsvc.geo.area import area_m2
from gridsvc.geo.validate import (
    Cell,
    Rules,
    normalize_area_code,
    summarize_findings,
    validate_layer,
)

PARENT_LEVEL = {"township": "county", "village": "township", "grid": "village"}
# Specialist layers (综治, 城管 …) number their cells their own way and may cross village lines;
# only the unified layer follows the 15-digit village+sequence scheme.
SPECIALIST_SKIPPED = {"code.malformed", "code.parent_mismatch", "parent.unknown"}


def parent_level_for(level: str, layer: str) -> str | None:
    if level == "grid" and layer != UNIFIED_LAYER:
        return None
    return PARENT_LEVEL.get(level)


def build_features(features_in: Sequence, level: str, layer: str) -> list[Cell]:
    """Normalise codes (12-digit zero-padded admin codes become their natural length)."""
    specialist = level == "grid" and layer != UNIFIED_LAYER
    cells = []
    for f in features_in:
        code = (f.code or "").strip() or None
        parent = (f.parent_code or "").strip() or None
        if code and not specialist:
            code = normalize_area_code(code, level)
        if parent and not specialist and PARENT_LEVEL.get(level):
            parent = normalize_area_code(parent, PARENT_LEVEL[level])
        cells.append(
            Cell(
                index=f.index,
                code=code,
                name=f.name,
                parent_code=parent,
                geometry=f.geometry,
                households=f.households,
                population=f.population,
            )
        )
    return cells


def _parent_codes(cells: Sequence[Cell], level: str) -> set[str]:
    lengths = {"township": 6, "village": 9, "grid": 12}
    codes = set()
    for cell in cells:
        if cell.parent_code:
            codes.add(cell.parent_code)
        elif cell.code and cell.code.isdigit() and level in lengths:
            codes.add(cell.code[: lengths[level]])
    return codes


def _scope_findings(cells: Sequence[Cell], scope: Scope) -> list[dict]:
    """A county's GIS staff may only change their own county's boundaries."""
    findings = []
    for cell in cells:
        if cell.code and cell.code.isdigit() and not scope.covers(cell.code):
            findings.append(
                {
                    "code": "scope.outside",
                    "severity": "error",
                    "feature": cell.code,
                    "detail": f"{cell.code} lies outside your scope ({scope.area_prefix}).",
                    "location": None,
                }
            )
    return findings


def validate_features(
    cells: Sequence[Cell],
    *,
    level: str,
    layer: str,
    scope: Scope,
    repair: bool,
    notes: Sequence[dict] = (),
    rules: Rules | None = None,
) -> tuple[dict, list[store.StoredFeature]]:
    """Validate against the current parents; return the report and the features to store."""
    specialist = level == "grid" and layer != UNIFIED_LAYER
    parent_level = parent_level_for(level, layer)
    parents = (
        store.current_geometries(parent_level, sorted(_parent_codes(cells, level)))
        if parent_level
        else None
    )
    rules = rules or Rules(repair=repair)
    report = validate_layer(cells, level=level, parents=parents, rules=rules)
    body = report.to_dict()
    findings = [f for f in body["findings"] if not (specialist and f["code"] in SPECIALIST_SKIPPED)]
    findings += _scope_findings(cells, scope)
    for note in notes:
        findings.append({"severity": "info", "feature": None, "location": None, **note})
    # Counted once, from the list the report shows: the validator's own counts include the
    # findings dropped above and miss the ones added.
    body["findings"] = findings
    body["summary"] = {**body["summary"], **summarize_findings(findings)}
    body["ok"] = body["summary"]["errors"] == 0
    stored: list[store.StoredFeature] = []
    if body["ok"]:
        final = report.cells
        areas = area_m2([c.geometry for c in final])
        for cell, area in zip(final, areas, strict=True):
            geometry = cell.geometry
            if not shapely.is_valid(geometry):  # defensive: never store an invalid polygon
                geometry = shapely.make_valid(geometry)
            stored.append(
                store.StoredFeature(
                    level=level,
                    layer=layer if level == "grid" else ADMIN_LAYER,
                    code=cell.code,
                    name=cell.name,
                    parent_code=cell.parent_code or _implied_parent(cell.code, level, specialist),
                    geometry=geometry,
                    households=cell.households,
                    population=cell.population,
                    area_m2=float(area),
                )
            )
    return body, stored


def _implied_parent(code: str, level: str, specialist: bool) -> str | None:
    if specialist or not code or not code.isdigit():
        return None
    return {"township": code[:6], "village": code[:9], "grid": code[:12]}.get(level)
