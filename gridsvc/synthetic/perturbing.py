"""Misaligned copies of a coverage, as another department would have digitised it.

The 多网合一 merge exists because departments' grids (综治, 城管 …) follow the same streets but
never with the same vertices; :func:`perturb_boundaries` makes test and demo layers that disagree
by tens of metres while each stays a valid coverage of the same outline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import shapely

from gridsvc.synthetic.areas import M_PER_DEG, Area

log = logging.getLogger(__name__)


def perturb_boundaries(
    cells: Sequence[Area],
    *,
    shift_m: tuple[float, float] = (10.0, 60.0),
    seed: int,
    taper_m: float | None = None,
) -> list[Area]:
    """Bend a coverage by a smooth displacement field, as another department would digitise it.

    Every vertex moves by the same function of its own coordinates, so a vertex shared by two
    cells stays shared and the result is still a valid coverage. The field is a constant offset
    plus long waves (5-20 km), so interior vertices move between ``shift_m`` metres while nearby
    vertices move almost alike. Within ``taper_m`` (default 5x the largest shift) of the layer's
    outline the move fades to zero, so the layer covers exactly the same outline; ``taper_m=0``
    moves the outline too.

    Straight edges do not bend with the field, so next to a concave stretch of the outline an
    edge swinging about a fixed outline vertex can cross another one. The cells where that
    happens (a handful of 400) keep their original vertices, wherever those vertices are shared,
    and the move is redone; the rest of the layer stays shifted.

    Raises:
        ValueError: ``cells`` is not a valid coverage, ``shift_m`` is not ``0 <= lo <= hi`` or
            ``taper_m`` is negative.
    """
    arr = np.empty(len(cells), dtype=object)
    arr[:] = list(cells)
    lo, hi = shift_m
    if not 0 <= lo <= hi:
        raise ValueError("shift_m must be (lo, hi) with 0 <= lo <= hi")
    if taper_m is not None and taper_m < 0:
        raise ValueError("taper_m must be >= 0")
    if not len(arr) or not shapely.coverage_is_valid(arr):
        raise ValueError("cells must be a non-empty valid coverage")
    rng = np.random.default_rng(seed)
    outline = shapely.coverage_union_all(arr)
    lon0, lat0 = outline.centroid.x, outline.centroid.y
    scale = np.array([M_PER_DEG * np.cos(np.radians(lat0)), M_PER_DEG])
    border = shapely.transform(outline.boundary, lambda xy: (xy - (lon0, lat0)) * scale)
    shapely.prepare(border)
    angle = rng.uniform(0, 2 * np.pi)
    offset = (lo + hi) / 2 * np.array([np.cos(angle), np.sin(angle)])
    amp = (hi - lo) / (2 * np.sqrt(2))  # |wave| <= amp*sqrt(2), so |offset + wave| stays in range
    direction = rng.uniform(0, 2 * np.pi, (2, 3))
    wavenumber = 2 * np.pi / rng.uniform(5_000, 20_000, (2, 3))
    phase = rng.uniform(0, 2 * np.pi, (2, 3))
    share = rng.dirichlet(np.ones(3), size=2)
    taper = 5 * hi if taper_m is None else taper_m

    def move(xy: np.ndarray, frozen: np.ndarray) -> np.ndarray:
        m = (xy - (lon0, lat0)) * scale
        arg = m[:, 0, None, None] * np.cos(direction) + m[:, 1, None, None] * np.sin(direction)
        wave = amp * (share * np.sin(arg * wavenumber + phase)).sum(axis=-1)
        fade = np.ones(len(m))
        pts = shapely.points(m)
        near = shapely.dwithin(border, pts, taper) if taper > 0 else np.zeros(len(m), dtype=bool)
        s = np.clip(shapely.distance(border, pts[near]) / taper, 0.0, 1.0)
        fade[near] = s * s * (3 - 2 * s)
        fade[np.isin(xy[:, 0] + 1j * xy[:, 1], frozen)] = 0.0
        # Added in degrees to the original coordinates, so a zero move is exactly zero.
        return xy + fade[:, None] * (offset + wave) / scale

    def keys(geoms: np.ndarray) -> np.ndarray:
        xy = shapely.get_coordinates(geoms)
        return xy[:, 0] + 1j * xy[:, 1]

    frozen = np.empty(0, dtype=complex)
    while True:  # ends: every round freezes more vertices, and with all frozen nothing moves
        moved = shapely.transform(arr, lambda xy, f=frozen: move(xy, f))
        bad = ~shapely.is_valid(moved)
        if not bad.any():
            bad = ~shapely.is_empty(shapely.coverage_invalid_edges(moved))
        if not bad.any():
            return list(moved)
        log.debug("displacement folded %d cells; keeping their vertices in place", bad.sum())
        more = np.union1d(frozen, keys(arr[bad]))
        if len(more) == len(frozen):  # their own vertices were frozen already: widen to neighbours
            near = shapely.STRtree(arr).query(arr[bad], predicate="intersects")[1]
            more = np.union1d(frozen, keys(arr[near]))
        frozen = more if len(more) > len(frozen) else keys(arr)
