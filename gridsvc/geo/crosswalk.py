"""The crosswalk between specialist cells and derived unified grids, summed from overlay pieces.

Every overlay piece lies in one cell of each specialist layer and in one unified grid, so the area
and the households a cell shares with a grid are exact sums over pieces: the shares of a cell sum
to 1 by construction (over the part of the cell inside the villages; the rest is reported as
``outside_share``). Departments use the rows to move their records onto the unified grid: a cell
mapped to several grids is flagged ``straddles``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gridsvc.geo.validate import Cell

#: Shares rounded to this many decimals; the largest share absorbs the rounding so they sum to 1.
_DIGITS = 6
#: A cell's part in a grid smaller than this share of the cell (and of the grid) is overlay noise.
_NOISE = 1e-4


def _normalised(values: np.ndarray) -> np.ndarray:
    total = values.sum()
    if total <= 0:
        return np.full(len(values), 1.0 / len(values)) if len(values) else values
    shares = np.round(values / total, _DIGITS)
    shares[np.argmax(shares)] += round(1.0 - shares.sum(), _DIGITS)
    return shares


def piece_crosswalk(
    specialist: Mapping[str, Sequence[Cell]],
    cell_of: Mapping[str, np.ndarray],
    unified: Sequence[Cell],
    grid_of: np.ndarray,
    piece_area: np.ndarray,
    piece_households: np.ndarray,
    cell_area: Mapping[str, np.ndarray],
) -> dict:
    """Both directions of the crosswalk.

    Returns ``{"specialist": rows, "unified": rows}``; a specialist row::

        {"layer", "code", "name", "area_m2", "households", "outside_share", "straddles",
         "grids": [{"code", "area_m2", "area_share", "households", "household_share"}, …]}

    (``household_share`` falls back to the area share when the cell has no households), and a
    unified row ``{"code", "area_m2", "households", "cells": [{"layer", "code", "area_share"}]}``
    where ``area_share`` is the part of the grid that cell covers.
    """
    n_grids = len(unified)
    g_area = np.bincount(grid_of, weights=piece_area, minlength=n_grids)
    g_house = np.bincount(grid_of, weights=piece_households, minlength=n_grids)
    spec_rows: list[dict] = []
    by_grid: list[list[dict]] = [[] for _ in range(n_grids)]
    for layer, cells in specialist.items():
        idx = cell_of[layer]
        has = idx >= 0
        key = idx[has] * n_grids + grid_of[has]
        pair, inverse = np.unique(key, return_inverse=True)
        pair_area = np.bincount(inverse, weights=piece_area[has], minlength=len(pair))
        pair_house = np.bincount(inverse, weights=piece_households[has], minlength=len(pair))
        pair_cell, pair_grid = pair // n_grids, pair % n_grids
        starts = np.searchsorted(pair_cell, np.arange(len(cells)))
        ends = np.searchsorted(pair_cell, np.arange(len(cells)), side="right")
        for c, cell in enumerate(cells):
            a, b = starts[c], ends[c]
            areas, houses, grids = pair_area[a:b], pair_house[a:b], pair_grid[a:b]
            mapped = areas.sum()
            keep = areas >= _NOISE * max(mapped, 1e-9)
            areas, houses, grids = areas[keep], houses[keep], grids[keep]
            area_share = _normalised(areas)
            house_share = _normalised(houses) if houses.sum() > 0 else area_share
            order = np.argsort(-area_share, kind="stable")
            parts = [
                {
                    "code": unified[int(grids[k])].code,
                    "area_m2": round(float(areas[k]), 1),
                    "area_share": float(area_share[k]),
                    "households": round(float(houses[k]), 1),
                    "household_share": float(house_share[k]),
                }
                for k in order.tolist()
            ]
            total = float(cell_area[layer][c])
            spec_rows.append(
                {
                    "layer": layer,
                    "code": cell.code or f"#{cell.index}",
                    "name": cell.name,
                    "area_m2": round(total, 1),
                    "households": round(float(houses.sum()), 1),
                    "outside_share": round(max(0.0, 1 - float(mapped) / total), _DIGITS)
                    if total
                    else 1.0,
                    "straddles": len(parts) > 1,
                    "grids": parts,
                }
            )
            for k in range(len(grids)):
                g = int(grids[k])
                share = float(areas[k] / g_area[g]) if g_area[g] else 0.0
                if share >= _NOISE:
                    by_grid[g].append(
                        {"layer": layer, "code": cell.code, "area_share": round(share, _DIGITS)}
                    )
    unified_rows = [
        {
            "code": grid.code,
            "area_m2": round(float(g_area[g]), 1),
            "households": round(float(g_house[g])),
            "cells": sorted(by_grid[g], key=lambda r: (r["layer"], -r["area_share"])),
        }
        for g, grid in enumerate(unified)
    ]
    return {"specialist": spec_rows, "unified": unified_rows}
