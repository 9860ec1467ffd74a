"""多网合一 that yields an adoptable grid: overlay pieces aggregated by households, inside villages.

:func:`derive_grids` overlays the specialist layers, the villages and (optionally) the streets,
counts the households of every piece, groups the pieces of each village into grids of the size
the county's rules ask for (:mod:`gridsvc.geo.aggregate`, :mod:`gridsvc.geo.sizing`), and reports
per grid its households and where they came from, its compactness (Polsby–Popper) and why it is
outside the range when it is. The crosswalk (:mod:`gridsvc.geo.crosswalk`) is built from the same
pieces, so its area and household shares are exact sums.

Household sources, best first: an uploaded household / building point layer (points counted per
piece); a specialist layer whose cells carry households (spread over each cell by area); the
villages' own totals (spread over the village by area).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.strtree import STRtree

from gridsvc.geo.aggregate import adjacency, partition, refine
from gridsvc.geo.area import area_m2, to_metric
from gridsvc.geo.crosswalk import piece_crosswalk
from gridsvc.geo.merge import _clean, _dissolve, _overlay
from gridsvc.geo.sizing import (
    DEFAULT_RULES,
    SizeRule,
    resolve_rules,
    rule_for,
    township_type,
    village_kind,
)
from gridsvc.geo.validate import Cell

_MAX_SEQUENCE = 999


@dataclass
class Derived:
    """Output of :func:`derive_grids`."""

    cells: list[Cell]
    grids: list[dict]  # per grid: code, village, households, source, area, compactness, flag
    crosswalk: dict  # {"specialist": [...], "unified": [...]}
    summary: dict
    label: np.ndarray = field(repr=False)  # grid index per piece


def _households(
    faces: np.ndarray,
    owner: np.ndarray,
    face_area: np.ndarray,
    villages: Sequence[Cell],
    specialist: Mapping[str, Sequence[Cell]],
    cell_of: Mapping[str, np.ndarray],
    cell_area: Mapping[str, np.ndarray],
    points: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Households per piece (float) and the name of the source used for each piece.

    A cell's households are spread over the cell's whole area, not over the pieces at hand, so
    deriving one township gives its pieces the same counts as deriving the whole county.
    """
    n = len(faces)
    source = np.full(n, "none", dtype=object)
    count = np.zeros(n)
    if points is not None and len(points):
        hit_point, hit_face = STRtree(faces).query(points, predicate="within")
        _, first = np.unique(hit_point, return_index=True)  # a point on an edge counts once
        count = np.bincount(hit_face[first], minlength=n).astype(float)
        source[:] = "points"
        return count, source
    for layer, cells in specialist.items():
        h = np.array([c.households if c.households is not None else -1 for c in cells], float)
        if (h < 0).all():
            continue
        idx = cell_of[layer]
        has = (idx >= 0) & (h[np.maximum(idx, 0)] >= 0)
        covered = cell_area[layer]
        use = has & (source == "none")
        k = idx[use]
        count[use] = h[k] * np.minimum(
            face_area[use] / np.where(covered[k] > 0, covered[k], 1.0), 1
        )
        source[use] = f"specialist:{layer}"
    rest = source == "none"
    vh = np.array([v.households if v.households is not None else -1 for v in villages], float)
    if rest.any():
        v_area = np.bincount(owner, weights=face_area, minlength=len(villages))
        spread = vh[owner] * face_area / np.where(v_area[owner] > 0, v_area[owner], 1.0)
        known = rest & (vh[owner] >= 0)
        count[known] = spread[known]
        source[known] = "village"
    return count, source


def _whole(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Round to integers so each group's integers sum to its rounded total (largest remainder),
    so a village's grids add up to the village's households."""
    out = np.floor(values).astype(np.int64)
    rest = values - out
    for g in np.unique(group):
        mine = np.flatnonzero(group == g)
        short = round(float(values[mine].sum())) - int(out[mine].sum())
        if short > 0:
            out[mine[np.argsort(-rest[mine], kind="stable")[:short]]] += 1
    return out


def _flag(h: float, area_km2: float, rule: SizeRule, pieces: int, village_h: float) -> str | None:
    """Why a grid is outside its range, in words a GIS officer can act on; None when inside."""
    too_wide = bool(rule.max_area_km2) and area_km2 > rule.max_area_km2
    if rule.min_households <= h <= rule.max_households and not too_wide:
        return None
    if too_wide:
        return "piece_too_large" if pieces == 1 else "unbalanced"
    if rule.max_area_km2 and h < rule.min_households and area_km2 > 0.5 * rule.max_area_km2:
        return "area_cap"  # sparse: the area cap made it, not the households
    if h < rule.min_households and village_h < rule.min_households:
        return "village_too_small"
    if h > rule.max_households and pieces == 1:
        return "piece_too_large"  # one overlay piece already exceeds the range: needs a street
    return "unbalanced"


FLAG_REASONS = {
    "area_cap": "sparse village: the grid keeps under the area cap with fewer households",
    "village_too_small": "the whole village has fewer households than a grid's minimum",
    "piece_too_large": "a single overlay piece exceeds the maximum households or area; no layer's "
    "boundary or street cuts it",
    "unbalanced": "the pieces of the village could not be grouped closer to the range",
}


def derive_grids(
    specialist: Mapping[str, Sequence[Cell]],
    villages: Sequence[Cell],
    township_names: Mapping[str, str],
    *,
    streets: Sequence | np.ndarray | None = None,
    household_points: Sequence | np.ndarray | None = None,
    rules: Mapping[str, Mapping] | None = None,
) -> Derived:
    """Derive the unified grids of the given villages.

    Args:
        specialist: layer name → its cells (``households`` used when present).
        villages: the villages to fill, with 12-digit codes, names and households.
        township_names: township code → name (its ending gives the township type).
        streets: road / street lines (lon/lat); cuts then prefer them.
        household_points: household or building points (lon/lat); counted when given.
        rules: size-rule overrides (see :func:`gridsvc.geo.sizing.resolve_rules`).

    Raises:
        ValueError: a village without a code, no usable village, or a village over 999 grids.
    """
    if any(not v.code for v in villages):
        raise ValueError("every village needs a code to number its grids")
    size_rules = resolve_rules(rules)
    v_geoms = _clean(villages)
    if shapely.is_missing(v_geoms).all():
        raise ValueError("no village has a usable geometry")
    v_geoms = np.array([g if g is not None else shapely.Polygon() for g in v_geoms], dtype=object)
    s_geoms = {layer: _clean(cells) for layer, cells in specialist.items()}
    lines = None
    if streets is not None and len(streets):
        lines = np.asarray(shapely.get_parts(np.asarray(streets, dtype=object)), dtype=object)
    faces, owner, _covered = _overlay(s_geoms, v_geoms, lines)
    metric = to_metric(faces)
    face_area = shapely.area(metric)
    face_perim = shapely.length(metric)
    inside = shapely.point_on_surface(faces)
    cell_of: dict[str, np.ndarray] = {}
    for layer, geoms in s_geoms.items():
        idx = np.full(len(faces), -1)
        present = np.flatnonzero(~shapely.is_missing(geoms))
        if len(present):
            f, c = STRtree(geoms[present]).query(inside, predicate="within")
            idx[f[::-1]] = present[c[::-1]]
        cell_of[layer] = idx
    points = None
    if household_points is not None:
        points = np.asarray(shapely.get_parts(np.asarray(household_points, dtype=object)))
    s_area = _specialist_area(s_geoms)
    households, source = _households(
        faces, owner, face_area, villages, specialist, cell_of, s_area, points
    )

    # How many grids each village should get, and each piece's size in target units.
    v_h = np.bincount(owner, weights=households, minlength=len(villages))
    v_area = np.bincount(owner, weights=face_area, minlength=len(villages))
    kinds, v_rule, wanted, limit, bounds = [], [], {}, {}, {}
    unit = np.ones(len(villages))
    area_unit = np.zeros(len(villages))
    for v, village in enumerate(villages):
        t_kind = township_type(township_names.get((village.code or "")[:9]))
        kind = village_kind(village.name, t_kind)
        rule = rule_for(size_rules, t_kind, kind)
        kinds.append(kind)
        v_rule.append(rule)
        k = rule.grid_count(v_h[v], v_area[v] / 1e6)
        wanted[v] = k
        unit[v] = rule.target
        if rule.max_area_km2:
            area_unit[v] = v_area[v] / k  # the area cap: grids share the village's area evenly
        limit[v] = rule.max_households / rule.target
        bounds[v] = (rule.min_households / rule.target, limit[v])
    size = households / unit[owner]
    sparse = area_unit[owner] > 0
    size[sparse] = np.maximum(size[sparse], face_area[sparse] / area_unit[owner][sparse])
    adj = adjacency(metric, to_metric(lines) if lines is not None else None)
    root = partition(owner, size, face_perim, adj, wanted, limit)
    root = refine(root, owner, size, adj, bounds)

    # Grids: number per village north-west to south-east, as the overlay merge does.
    roots, label = np.unique(root, return_inverse=True)
    g_owner = owner[roots]
    g_h = np.bincount(label, weights=households, minlength=len(roots))
    g_area = np.bincount(label, weights=face_area, minlength=len(roots))
    g_pieces = np.bincount(label, minlength=len(roots))
    g_whole = _whole(g_h, g_owner)
    geoms = np.array([_dissolve(faces[label == g]) for g in range(len(roots))], dtype=object)
    g_metric = to_metric(geoms)
    perim = shapely.length(g_metric)
    compact = 4 * np.pi * shapely.area(g_metric) / np.maximum(perim**2, 1e-9)
    centre = shapely.get_coordinates(shapely.centroid(g_metric))
    order = np.lexsort((centre[:, 0], -centre[:, 1], np.round(centre[:, 0] - centre[:, 1], 3)))
    order = order[np.argsort(g_owner[order], kind="stable")]
    cells: list[Cell] = []
    grids: list[dict] = []
    renumber = np.empty(len(roots), dtype=int)
    seq: dict[int, int] = {}
    for g in order.tolist():
        v = int(g_owner[g])
        seq[v] = seq.get(v, 0) + 1
        village = villages[v]
        if seq[v] > _MAX_SEQUENCE:
            raise ValueError(f"village {village.code} would get more than 999 grids")
        code = f"{village.code}{seq[v]:03d}"
        renumber[g] = len(cells)
        mine = label == g
        sources = sorted(set(source[mine].tolist()))
        flag = _flag(float(g_whole[g]), g_area[g] / 1e6, v_rule[v], int(g_pieces[g]), float(v_h[v]))
        cells.append(
            Cell(
                index=len(cells),
                code=code,
                name=f"{village.name or village.code}第{seq[v]}网格",
                parent_code=village.code,
                geometry=geoms[g],
                households=int(g_whole[g]),
            )
        )
        grids.append(
            {
                "code": code,
                "village": village.code,
                "kind": kinds[v],
                "households": int(g_whole[g]),
                "households_source": sources[0] if len(sources) == 1 else "+".join(sources),
                "area_m2": round(float(g_area[g]), 1),
                "polsby_popper": round(float(compact[g]), 4),
                "pieces": int(g_pieces[g]),
                "flag": flag,
                "reason": FLAG_REASONS.get(flag) if flag else None,
            }
        )
    label = renumber[label]
    summary = _summary(grids, adj, label, owner, wanted, kinds, v_rule, lines is not None)
    summary.update(
        {
            "layers": list(specialist),
            "specialist_cells": sum(len(c) for c in specialist.values()),
            "pieces": len(faces),
            "outside_villages_m2": round(_outside(s_geoms, v_geoms), 1),
        }
    )
    crosswalk = piece_crosswalk(specialist, cell_of, cells, label, face_area, households, s_area)
    return Derived(cells, grids, crosswalk, summary, label)


def _specialist_area(s_geoms: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {layer: area_m2(g) for layer, g in s_geoms.items()}


def _outside(s_geoms: Mapping[str, np.ndarray], v_geoms: np.ndarray) -> float:
    everything = shapely.union_all(v_geoms)
    total = sum(float(area_m2(g).sum()) for g in s_geoms.values())
    within = sum(
        float(area_m2(shapely.intersection(g, everything)).sum()) for g in s_geoms.values()
    )
    return max(0.0, total - within)


def _summary(grids, adj, label, owner, wanted, kinds, v_rule, with_streets) -> dict:
    """The figures the county reads first: counts against target, sizes, edges on streets."""
    inner = label[adj.i] != label[adj.j]
    same_village = owner[adj.i] == owner[adj.j]
    edge = float(adj.shared_m[inner].sum())
    on_street = float(adj.street_m[inner].sum())
    edge_v = float(adj.shared_m[inner & same_village].sum())
    street_v = float(adj.street_m[inner & same_village].sum())
    urban = [g for g in grids if g["kind"] == "urban"]
    urban_in = [g for g in urban if g["flag"] is None]
    return {
        "unified_cells": len(grids),
        "target_grids": int(sum(wanted.values())),
        "target_grids_by_kind": {
            k: int(sum(w for v, w in wanted.items() if kinds[v] == k)) for k in ("urban", "rural")
        },
        "grids_by_kind": {k: sum(g["kind"] == k for g in grids) for k in ("urban", "rural")},
        "urban_in_range_share": round(len(urban_in) / len(urban), 4) if urban else None,
        "flagged": sum(g["flag"] is not None for g in grids),
        "flags": {
            f: sum(g["flag"] == f for g in grids)
            for f in FLAG_REASONS
            if any(g["flag"] == f for g in grids)
        },
        "rules": {
            k: r.to_dict()
            for k, r in zip(("urban", "rural"), _first_rules(kinds, v_rule), strict=True)
        },
        "streets_given": with_streets,
        "internal_edge_m": round(edge, 1),
        "internal_edge_on_streets_share": round(on_street / edge, 4) if edge else None,
        "in_village_edge_on_streets_share": round(street_v / edge_v, 4) if edge_v else None,
        "median_polsby_popper": round(float(np.median([g["polsby_popper"] for g in grids])), 4)
        if grids
        else None,
    }


def _first_rules(kinds: list[str], v_rule: list[SizeRule]) -> list[SizeRule]:
    out = []
    for kind in ("urban", "rural"):
        out.append(
            next((r for k, r in zip(kinds, v_rule, strict=True) if k == kind), DEFAULT_RULES[kind])
        )
    return out
