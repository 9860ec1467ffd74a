"""多网合一: map departments' specialist grids onto one unified grid, or derive that grid.

Departments (综治, 城管, 应急 …) each drew their own grids, with their own codes, often a few tens of
metres off each other and off the village lines. Two operations:

* :func:`crosswalk` — given a proposed unified layer, say for every specialist cell which unified
  cells cover it and with what share, and which specialist cells straddle village lines (a grid
  must belong to one village, so those need redrawing).
* :func:`derive_unified` — build the unified layer: overlay all specialist boundaries with the
  village boundaries (the finest common refinement, so every piece lies in exactly one cell of
  every layer and one village), dissolve the slivers that misalignment creates into their
  neighbour, number the pieces per village (village code + 3-digit sequence) and validate them.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from gridsvc.geo.area import area_m2, length_m, to_metric
from gridsvc.geo.coverage import polygonal_parts
from gridsvc.geo.validate import Cell, Report, validate_layer

#: Shares below this (0.01%) are digitising noise between nearly coincident boundaries.
MIN_SHARE = 1e-4
#: A specialist cell "straddles" villages when at least 1% of it lies in each of two or more.
STRADDLE_MIN_SHARE = 0.01
_MAX_SEQUENCE = 999


@dataclass
class MergeResult:
    """Output of :func:`derive_unified`: the unified cells, their crosswalk, the validation."""

    cells: list[Cell]
    crosswalk: list[dict]
    report: Report


def _label(cell: Cell) -> str:
    return cell.code or f"#{cell.index}"


def _clean(cells: Sequence[Cell]) -> np.ndarray:
    """Valid polygonal geometries (None where there is none), so overlays cannot fail."""
    out = np.empty(len(cells), dtype=object)
    for i, cell in enumerate(cells):
        g = cell.geometry
        if g is not None and not g.is_empty and not g.is_valid:
            g = shapely.make_valid(g)
        out[i] = polygonal_parts(g)
    return out


def _shares(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersecting (i, j) pairs of two geometry arrays and their intersection areas in m²."""
    present = np.flatnonzero(~shapely.is_missing(right))
    if not len(present) or shapely.is_missing(left).all():
        empty = np.empty(0, dtype=int)
        return empty, empty, np.empty(0)
    tree = STRtree(right[present])
    i, j = tree.query(left, predicate="intersects")
    j = present[j]
    return i, j, area_m2(shapely.intersection(left[i], right[j]))


def crosswalk(
    specialist: Mapping[str, Sequence[Cell]],
    unified: Sequence[Cell],
    villages: Sequence[Cell] | None = None,
) -> list[dict]:
    """For every specialist cell, the unified cells covering it and the villages it straddles.

    Returns one row per specialist cell, in layer then input order::

        {"layer": "zongzhi", "code": "ZZ-001", "name": "…", "area_m2": 1234567.8,
         "unified": [{"code": "430302001001001", "area_m2": …, "share_of_specialist": 0.62,
                      "share_of_unified": 1.0}, …],           # largest share first
         "unmapped_share": 0.0,                               # part covered by no unified cell
         "straddles_villages": [{"code": "430302001001", "share": 0.5}, …]}  # [] unless ≥ 2

    Pieces where both shares are below :data:`MIN_SHARE` are left out, so the shares of a
    specialist cell sum to 1 minus ``unmapped_share`` within that noise.
    """
    u_geoms = _clean(unified)
    u_area = area_m2(u_geoms)
    v_geoms = _clean(villages) if villages else None
    rows: list[dict] = []
    for layer, cells in specialist.items():
        s_geoms = _clean(cells)
        s_area = area_m2(s_geoms)
        mapped: list[list[dict]] = [[] for _ in cells]
        for i, j, a in zip(*_shares(s_geoms, u_geoms), strict=True):
            of_s = a / s_area[i] if s_area[i] else 0.0
            of_u = a / u_area[j] if u_area[j] else 0.0
            if max(of_s, of_u) >= MIN_SHARE:
                mapped[i].append(
                    {
                        "code": _label(unified[j]),
                        "area_m2": round(float(a), 2),
                        "share_of_specialist": round(float(of_s), 6),
                        "share_of_unified": round(float(of_u), 6),
                    }
                )
        straddle: list[list[dict]] = [[] for _ in cells]
        if v_geoms is not None:
            for i, j, a in zip(*_shares(s_geoms, v_geoms), strict=True):
                share = a / s_area[i] if s_area[i] else 0.0
                if share >= STRADDLE_MIN_SHARE:
                    straddle[i].append(
                        {"code": _label(villages[j]), "share": round(float(share), 6)}
                    )
        for i, cell in enumerate(cells):
            parts = sorted(mapped[i], key=lambda p: (-p["share_of_specialist"], p["code"]))
            covered = sum(p["share_of_specialist"] for p in parts)
            rows.append(
                {
                    "layer": layer,
                    "code": _label(cell),
                    "name": cell.name,
                    "area_m2": round(float(s_area[i]), 2),
                    "unified": parts,
                    "unmapped_share": round(max(0.0, 1.0 - covered), 6) if s_area[i] else 1.0,
                    "straddles_villages": (
                        sorted(straddle[i], key=lambda v: (-v["share"], v["code"]))
                        if len(straddle[i]) > 1
                        else []
                    ),
                }
            )
    return rows


def _overlay(
    specialist: Mapping[str, np.ndarray],
    villages: np.ndarray,
    extra_lines: np.ndarray | None = None,
):
    """Faces of all specialist and village boundaries, keeping those inside a village.

    ``extra_lines`` (streets) are noded in too, so faces are cut along them as well.

    Returns (faces, village index per face, how many specialist cells cover each face).
    Noding all lines together (``union_all``) before ``polygonize`` is what makes neighbouring
    faces share identical edges, so the result is a valid coverage by construction.
    """
    layers = [g[~shapely.is_missing(g)] for g in specialist.values()]
    lines = shapely.boundary(np.concatenate([villages, *layers]))
    if extra_lines is not None and len(extra_lines):
        lines = np.concatenate([lines, extra_lines])
    try:
        noded = shapely.union_all(lines)
    except GEOSException:  # overlay robustness failure: snap-round on a ~1 cm grid
        noded = shapely.union_all(lines, grid_size=1e-7)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = shapely.point_on_surface(faces)
    face_i, village_i = STRtree(villages).query(inside, predicate="within")
    owner = np.full(len(faces), -1)
    for f, v in zip(face_i[::-1], village_i[::-1], strict=True):  # lowest village index wins
        owner[f] = v
    keep = owner >= 0
    faces, owner = faces[keep], owner[keep]
    faces, owner = _fill_missing(faces, owner, villages)
    inside = shapely.point_on_surface(faces)
    covered = np.zeros(len(faces), dtype=int)
    for geoms in layers:
        if len(geoms):
            covered += np.bincount(
                STRtree(geoms).query(inside, predicate="within")[0], minlength=len(faces)
            )
    # A stable order independent of GEOS internals: village, then north to south, west to east.
    xy = shapely.get_coordinates(shapely.centroid(faces))
    order = np.lexsort((np.round(xy[:, 0], 9), -np.round(xy[:, 1], 9), owner))
    return faces[order], owner[order], covered[order]


#: Remainders below this (in square degrees, ~1 cm²) are floating-point residue, not faces.
_RESIDUE_DEG2 = 1e-14


def _fill_missing(faces: np.ndarray, owner: np.ndarray, villages: np.ndarray):
    """Add the parts of each village that ``polygonize`` left without a face.

    Noding thousands of nearly coincident lines can leave a ring polygonize classifies as a cut
    edge (seen on a village exclave: a ~1 km² hole in the result). What is left of a village once
    its faces are taken away becomes faces of its own, so the pieces always tile the villages.
    """
    extra, extra_owner = [], []
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(len(villages) + 1))
    for v, village in enumerate(villages):
        if village is None or village.is_empty:
            continue
        mine = faces[order[bounds[v] : bounds[v + 1]]]
        try:
            covered = shapely.coverage_union_all(mine) if len(mine) else None
        except GEOSException:
            covered = shapely.union_all(mine)
        rest = village if covered is None else shapely.difference(village, covered)
        for part in shapely.get_parts(polygonal_parts(rest) or shapely.Polygon()):
            if part.area > _RESIDUE_DEG2:
                extra.append(part)
                extra_owner.append(v)
    if not extra:
        return faces, owner
    return (
        np.concatenate([faces, np.array(extra, dtype=object)]),
        np.concatenate([owner, np.array(extra_owner, dtype=owner.dtype)]),
    )


def _dissolve_slivers(
    faces: np.ndarray, owner: np.ndarray, sliver_max_m2: float, sliver_max_width_m: float | None
) -> tuple[list[list[int]], int]:
    """Merge every sliver face into the same-village neighbour it shares the most boundary with.

    Smallest slivers first; a merged group is re-examined, so a chain of slivers collapses into
    the large piece next to it. Returns the groups (lists of face indices) and the merge count.
    """
    area = dict(enumerate(area_m2(faces).tolist()))
    perimeter = dict(enumerate(length_m(faces).tolist()))
    members = {k: [k] for k in range(len(faces))}
    nbr: dict[int, dict[int, float]] = {k: {} for k in members}
    i, j = STRtree(faces).query(faces, predicate="intersects")
    keep = (i < j) & (owner[i] == owner[j])
    i, j = i[keep], j[keep]
    shared = length_m(shapely.intersection(shapely.boundary(faces[i]), shapely.boundary(faces[j])))
    for a, b, s in zip(i.tolist(), j.tolist(), shared.tolist(), strict=True):
        if s > 0:
            nbr[a][b] = nbr[b][a] = s

    def is_sliver(g: int) -> bool:
        if area[g] < sliver_max_m2:
            return True
        return bool(sliver_max_width_m) and 2 * area[g] / perimeter[g] < sliver_max_width_m

    heap = [(area[g], g) for g in members if is_sliver(g)]
    heapq.heapify(heap)
    merged = 0
    while heap:
        a, g = heapq.heappop(heap)
        if g not in members or a != area[g] or not nbr[g] or not is_sliver(g):
            continue
        target = max(nbr[g], key=lambda h: (nbr[g][h], -h))  # longest edge; ties: lower index
        edge = nbr[g].pop(target)
        nbr[target].pop(g)
        for h, s in nbr.pop(g).items():
            nbr[h].pop(g)
            nbr[target][h] = nbr[h][target] = nbr[target].get(h, 0.0) + s
        members[target] += members.pop(g)
        area[target] += area.pop(g)
        perimeter[target] += perimeter.pop(g) - 2 * edge
        merged += 1
        if is_sliver(target):
            heapq.heappush(heap, (area[target], target))
    return [sorted(m) for _, m in sorted(members.items())], merged


def _dissolve(faces: np.ndarray) -> BaseGeometry:
    if len(faces) == 1:
        return faces[0]
    try:
        return shapely.coverage_union_all(faces)  # faces share identical edges
    except GEOSException:
        return shapely.union_all(faces)


def derive_unified(
    specialist: Mapping[str, Sequence[Cell]],
    villages: Sequence[Cell],
    *,
    sliver_max_m2: float,
    sliver_max_width_m: float | None = None,
    code_sequence_start: int = 1,
) -> MergeResult:
    """Derive one unified grid layer from the specialist layers, clipped to the villages.

    Args:
        specialist: layer name → its cells (codes and parents of specialist cells are free-form).
        villages: the villages to fill; each needs its 12-digit code (and a name for grid names).
        sliver_max_m2: overlay pieces smaller than this are dissolved into the neighbour in the
            same village with which they share the longest boundary. Layers misaligned by d
            metres produce strips d wide along each boundary, so choose it above d x the longest
            edge, or use ``sliver_max_width_m``.
        sliver_max_width_m: optionally, pieces whose mean width (2·area/perimeter) is below this
            are slivers too, whatever their area — matches misalignment strips directly.
        code_sequence_start: first grid sequence number in each village.

    Returns:
        :class:`MergeResult`. Cells are coded village code + 3-digit sequence, numbered per village
        from north-west to south-east, named "<village name>第N网格". ``report.summary`` carries
        the merge figures (pieces, slivers dissolved, uncovered pieces, area outside villages).

    Raises:
        ValueError: a village without a code, no usable village geometry, or more than 999 grids
            in a village.
    """
    if any(not v.code for v in villages):
        raise ValueError("every village needs a code to number its grids")
    v_geoms = _clean(villages)
    if shapely.is_missing(v_geoms).all():
        raise ValueError("no village has a usable geometry")
    v_geoms = np.array([g if g is not None else shapely.Polygon() for g in v_geoms], dtype=object)
    s_geoms = {layer: _clean(cells) for layer, cells in specialist.items()}
    faces, owner, covered = _overlay(s_geoms, v_geoms)
    groups, dissolved = _dissolve_slivers(faces, owner, sliver_max_m2, sliver_max_width_m)

    pieces = [(int(owner[g[0]]), _dissolve(faces[g])) for g in groups]
    centre = shapely.get_coordinates(to_metric(shapely.centroid([p for _, p in pieces])))
    cells: list[Cell] = []
    for v, village in enumerate(villages):
        mine = [k for k, (owner_v, _) in enumerate(pieces) if owner_v == v]
        # North-west to south-east along the diagonal; ties north first, then west.
        mine.sort(
            key=lambda k: (round(centre[k, 0] - centre[k, 1], 3), -centre[k, 1], centre[k, 0])
        )
        if mine and code_sequence_start + len(mine) - 1 > _MAX_SEQUENCE:
            raise ValueError(
                f"village {village.code} would get {len(mine)} grids, more than the "
                f"3-digit sequence allows from {code_sequence_start}"
            )
        for n, k in enumerate(mine, start=code_sequence_start):
            cells.append(
                Cell(
                    index=len(cells),
                    code=f"{village.code}{n:03d}",
                    name=f"{village.name or village.code}第{n}网格",
                    parent_code=village.code,
                    geometry=pieces[k][1],
                )
            )

    all_villages = shapely.union_all(v_geoms)
    specialist_area = sum(float(area_m2(g).sum()) for g in s_geoms.values())
    within = sum(
        float(area_m2(shapely.intersection(g, all_villages)).sum()) for g in s_geoms.values()
    )
    report = validate_layer(
        cells, level="grid", parents={v.code: g for v, g in zip(villages, v_geoms, strict=True)}
    )
    report.summary.update(
        {
            "layers": list(specialist),
            "specialist_cells": sum(len(c) for c in specialist.values()),
            "pieces": len(faces),
            "slivers_dissolved": dissolved,
            "uncovered_pieces": int((covered == 0).sum()),
            "unified_cells": len(cells),
            "outside_villages_m2": round(max(0.0, specialist_area - within), 1),
        }
    )
    return MergeResult(cells=cells, crosswalk=crosswalk(specialist, cells, villages), report=report)
