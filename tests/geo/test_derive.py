"""gridsvc.geo.derive: aggregating overlay pieces into grids of a households target, by streets.

A community (甲社区, x 0..12, y 0..8, U = 0.001°) in a 镇, cut by streets every 2 units into 24
blocks of 100 households each (from a point layer), and a rural village (乙村, x 12..24) next to
it. Two specialist layers cut both with vertical strips that follow neither the streets nor the
village line, so the overlay has ~100 pieces; the derivation must give the community 6 grids of
400 households (4 blocks each) bounded by streets, and the village its rural grids.
"""

from __future__ import annotations

import itertools

import numpy as np
import orjson
import pytest
import shapely

from gridsvc.geo.area import area_m2
from gridsvc.geo.derive import derive_grids
from gridsvc.geo.sizing import DEFAULT_RULES, SizeRule, resolve_rules
from gridsvc.geo.validate import Cell

LON0, LAT0, U = 112.90, 27.90, 0.001
COMMUNITY, VILLAGE = "430302001001", "430302001002"
TOWNSHIPS = {"430302001": "鹤岭镇"}


def box(x0, y0, x1, y1):
    return shapely.box(LON0 + x0 * U, LAT0 + y0 * U, LON0 + x1 * U, LAT0 + y1 * U)


def line(*xy):
    return shapely.LineString([(LON0 + x * U, LAT0 + y * U) for x, y in xy])


def villages(households=(2400, 300)):
    return [
        Cell(0, COMMUNITY, "甲社区", "430302001", box(0, 0, 12, 8), households[0]),
        Cell(1, VILLAGE, "乙村", "430302001", box(12, 0, 24, 8), households[1]),
    ]


def strips(prefix, cuts, households=None):
    return [
        Cell(
            i,
            f"{prefix}-{i + 1}",
            None,
            None,
            box(a, 0, b, 8),
            None if households is None else households[i],
        )
        for i, (a, b) in enumerate(itertools.pairwise(cuts))
    ]


SPECIALIST = {
    "zongzhi": strips("ZZ", [0, 2.7, 5.3, 7.9, 11.1, 15.0, 24]),
    "chengguan": strips("CG", [0, 3.4, 9.6, 13.3, 24]),
}
STREETS = [line((x, 0), (x, 8)) for x in range(2, 12, 2)] + [
    line((0, y), (12, y)) for y in (2, 4, 6)
]


def block_points():
    rng = np.random.default_rng(7)
    pts = []
    for bx in range(0, 12, 2):
        for by in range(0, 8, 2):
            xy = rng.uniform(0.2, 1.8, size=(100, 2)) + np.array([bx, by])
            pts += [shapely.Point(LON0 + x * U, LAT0 + y * U) for x, y in xy]
    xy = rng.uniform(0.2, 7.8, size=(300, 2)) + np.array([12, 0])
    pts += [shapely.Point(LON0 + x * U, LAT0 + y * U) for x, y in xy]
    return pts


def test_households_from_points_give_balanced_street_bounded_grids():
    out = derive_grids(
        SPECIALIST, villages(), TOWNSHIPS, streets=STREETS, household_points=block_points()
    )
    urban = [g for g in out.grids if g["village"] == COMMUNITY]
    assert len(urban) == 6 == out.summary["target_grids_by_kind"]["urban"]
    assert all(300 <= g["households"] <= 500 for g in urban), [g["households"] for g in urban]
    assert {g["households_source"] for g in out.grids} == {"points"}
    assert sum(g["households"] for g in out.grids) == 2400 + 300
    assert out.summary["urban_in_range_share"] == 1.0
    # Cuts inside the community follow the streets: every community grid's edge lies on a
    # street or on the community's own outline (the rural village has no streets to follow).
    along = shapely.buffer(shapely.union_all([*STREETS, villages()[0].geometry.boundary]), U / 100)
    for cell in out.cells:
        if cell.parent_code == COMMUNITY:
            edge = cell.geometry.boundary
            assert shapely.difference(edge, along).length < U / 100
    assert out.summary["internal_edge_on_streets_share"] > 0.5
    for g in out.grids:
        assert 0 < g["polsby_popper"] <= 1
    # Seamless and nested: grids tile each village exactly.
    for v in villages():
        mine = [c.geometry for c in out.cells if c.parent_code == v.code]
        union = shapely.union_all(mine)
        assert float(area_m2(shapely.symmetric_difference(union, v.geometry))) < 1.0
        assert shapely.coverage_is_valid(np.array(mine, dtype=object))
        assert all(
            c.code.startswith(v.code) and len(c.code) == 15
            for c in out.cells
            if c.parent_code == v.code
        )


def test_without_streets_and_points_households_come_from_the_specialist_attribute():
    spec = dict(SPECIALIST)
    spec["zongzhi"] = strips("ZZ", [0, 2.7, 5.3, 7.9, 11.1, 15.0, 24], [400] * 4 + [500, 900])
    out = derive_grids(spec, villages(), TOWNSHIPS)
    assert {g["households_source"] for g in out.grids} == {"specialist:zongzhi"}
    assert sum(g["households"] for g in out.grids) == pytest.approx(400 * 4 + 500 + 900, abs=2)
    assert out.summary["streets_given"] is False


def test_village_totals_and_the_rural_area_rule():
    # No points, no attribute: the villages' totals spread by area. 乙村 has 300 households on
    # ~1.06 km²; a 0.3 km² area cap asks for 4 grids. Without streets its overlay has only 3
    # pieces (cut at x = 13.3 and 15.0), so it gets 3, each flagged with the reason.
    out = derive_grids(SPECIALIST, villages(), TOWNSHIPS, rules={"rural": {"max_area_km2": 0.3}})
    rural = [g for g in out.grids if g["village"] == VILLAGE]
    assert {g["households_source"] for g in out.grids} == {"village"}
    assert out.summary["target_grids_by_kind"]["rural"] == 4
    assert len(rural) == 3
    assert sum(g["households"] for g in rural) == 300
    big = max(rural, key=lambda g: g["area_m2"])
    assert big["flag"] == "piece_too_large"
    assert "area" in big["reason"]
    assert all(g["flag"] and g["reason"] for g in rural)
    assert out.summary["flagged"] == len([g for g in out.grids if g["flag"]]) >= 3


def test_crosswalk_shares_sum_to_one_and_straddlers_are_flagged():
    out = derive_grids(
        SPECIALIST, villages(), TOWNSHIPS, streets=STREETS, household_points=block_points()
    )
    rows = out.crosswalk["specialist"]
    assert len(rows) == sum(len(c) for c in SPECIALIST.values())
    for row in rows:
        assert sum(p["area_share"] for p in row["grids"]) == pytest.approx(1.0, abs=1e-6)
        assert sum(p["household_share"] for p in row["grids"]) == pytest.approx(1.0, abs=1e-6)
        assert row["straddles"] == (len(row["grids"]) > 1)
    assert any(r["straddles"] for r in rows)
    # Plain JSON (no numpy scalars): the report and crosswalk are stored and served as they are.
    orjson.dumps([out.summary, out.grids, out.crosswalk])
    codes = {c.code for c in out.cells}
    back = out.crosswalk["unified"]
    assert {r["code"] for r in back} == codes
    for r in back:
        for layer in SPECIALIST:
            mine = [c["area_share"] for c in r["cells"] if c["layer"] == layer]
            assert sum(mine) == pytest.approx(1.0, abs=1e-3)


def test_size_rules_resolve_and_refuse_nonsense():
    rules = resolve_rules({"urban": {"min_households": 200}}, {"town:rural": {"max_area_km2": 9}})
    assert rules["urban"] == SizeRule(200, 500)
    assert rules["town:rural"].max_area_km2 == 9
    assert rules["rural"] == DEFAULT_RULES["rural"]
    with pytest.raises(ValueError, match="unknown"):
        resolve_rules({"suburban": {}})
    with pytest.raises(ValueError, match="min_households"):
        resolve_rules({"urban": {"min_households": 600}})
    assert SizeRule(300, 500).grid_count(2400, 1.0) == 6
    assert SizeRule(300, 500).grid_count(100, 1.0) == 1
    assert SizeRule(100, 300, max_area_km2=2).grid_count(150, 7.5) == 4
