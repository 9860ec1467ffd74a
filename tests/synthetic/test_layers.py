"""Demo hierarchy, specialist layers and synthetic grid layers: exact nesting, plausible figures,
determinism, misalignment."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely import Polygon, box

from gridsvc.synthetic import (
    URBAN_CORES,
    DemoArea,
    PartitionError,
    demo_hierarchy,
    demo_specialist_layers,
    layers,
    short_name,
    synthetic_grid_layer,
)
from tests.synthetic.conftest import COUNTY, M_PER_DEG, assert_partition, wkb

# --------------------------------------------------------------------------- demo hierarchy


def test_demo_counts_are_exact(hierarchy):
    assert (len(hierarchy.townships), len(hierarchy.villages), len(hierarchy.grids)) == (
        12,
        106,
        473,
    )


def test_each_level_is_a_coverage_of_the_county(hierarchy, yuhu):
    for level in (hierarchy.townships, hierarchy.villages, hierarchy.grids):
        polys = [a.polygon for a in level]
        assert_partition(polys, yuhu, len(level), nested_tol=1e-9)


@pytest.mark.parametrize(("child", "parent"), [("villages", "townships"), ("grids", "villages")])
def test_children_tile_their_parent_exactly(hierarchy, child, parent):
    parents = {a.code: a for a in getattr(hierarchy, parent)}
    kids: dict[str, list[DemoArea]] = {}
    for a in getattr(hierarchy, child):
        kids.setdefault(a.parent_code, []).append(a)
    assert set(kids) == set(parents)
    for code, items in kids.items():
        outer = parents[code].polygon
        union = shapely.coverage_union_all([a.polygon for a in items])
        assert shapely.symmetric_difference(union, outer).area < 1e-12
        assert all(shapely.difference(a.polygon, outer).area < 1e-12 for a in items)


def test_codes_and_names_extend_their_parents(hierarchy, units):
    towns, villages = units
    assert [(a.code, a.name) for a in hierarchy.townships] == towns
    assert all(a.parent_code == COUNTY for a in hierarchy.townships)
    assert all(a.code.startswith(a.parent_code) for a in hierarchy.villages)
    assert {a.code for a in hierarchy.villages} == {c for vs in villages.values() for c, _ in vs}
    by_village: dict[str, list[DemoArea]] = {}
    for g in hierarchy.grids:
        assert len(g.code) == 15
        assert g.code.isdigit()
        assert g.code[:12] == g.parent_code
        by_village.setdefault(g.parent_code, []).append(g)
    for gs in by_village.values():
        assert sorted(int(g.code[-3:]) for g in gs) == list(range(1, len(gs) + 1))
    names = {g.code: g.name for g in hierarchy.grids}
    assert names["430302001001001"] == "雨湖路社区第1网格"
    assert all(not n.endswith("委会网格") and "网格" in n for n in names.values())


def test_grid_counts_move_away_from_villages_with_too_few_faces():
    fitted = layers._fit_counts(np.array([3, 1, 2]), np.array([1, 10, 5]))
    assert fitted.tolist() == [1, 3, 2]
    with pytest.raises(PartitionError, match="fewer faces"):
        layers._fit_counts(np.array([3, 3]), np.array([2, 2]))


def test_short_names():
    assert short_name("雨湖路社区居委会") == "雨湖路社区"
    assert short_name("红星村村委会") == "红星村"
    assert short_name("长安村委会") == "长安村"
    assert short_name("某某街道") == "某某街道"


def test_grid_counts_and_figures_are_plausible(hierarchy):
    grids_of: dict[str, list[DemoArea]] = {}
    for g in hierarchy.grids:
        grids_of.setdefault(g.parent_code, []).append(g)
    community = [len(grids_of[v.code]) for v in hierarchy.villages if "社区" in v.name]
    rural = [len(grids_of[v.code]) for v in hierarchy.villages if "社区" not in v.name]
    assert min(community + rural) >= 1
    assert np.mean(community) > 1.5 * np.mean(rural)
    for v in hierarchy.villages:
        for g in grids_of[v.code]:
            lo, hi = (300, 500) if "社区" in v.name else (120, 280)
            assert lo <= g.households <= hi
            assert 2.5 <= g.population / g.households <= 2.9
        assert v.households == sum(g.households for g in grids_of[v.code])
        assert v.population == sum(g.population for g in grids_of[v.code])
    assert sum(t.population for t in hierarchy.townships) == sum(
        g.population for g in hierarchy.grids
    )


def test_streets_are_smaller_and_nearer_the_core_than_towns(hierarchy):
    core = shapely.Point(URBAN_CORES[COUNTY])
    streets = [t.polygon for t in hierarchy.townships if t.name.endswith("街道")]
    towns = [t.polygon for t in hierarchy.townships if not t.name.endswith("街道")]
    assert np.mean(shapely.area(streets)) < 0.5 * np.mean(shapely.area(towns))
    assert np.median(shapely.distance(streets, core)) < np.median(shapely.distance(towns, core))


def test_demo_is_deterministic(hierarchy, yuhu_raw, units):
    again = demo_hierarchy(yuhu_raw, *units)
    assert again == hierarchy  # same codes, names, figures and polygons
    assert wkb(a.polygon for a in again.grids) == wkb(a.polygon for a in hierarchy.grids)
    other = demo_hierarchy(yuhu_raw, *units, seed=1)
    assert wkb(a.polygon for a in other.grids) != wkb(a.polygon for a in hierarchy.grids)


def test_demo_rejects_inconsistent_units(yuhu):
    towns = [("430302001", "甲街道"), ("430302002", "乙镇")]
    ok = {
        "430302001": [("430302001001", "甲社区居委会")],
        "430302002": [("430302002001", "乙村委会")],
    }
    assert len(demo_hierarchy(yuhu, towns, ok, grids_total=3).grids) == 3
    with pytest.raises(ValueError, match="extend"):
        demo_hierarchy(yuhu, towns, {**ok, "430302002": [("430302009001", "丙村委会")]})
    with pytest.raises(ValueError, match="needs villages"):
        demo_hierarchy(yuhu, towns, {"430302001": ok["430302001"]})
    with pytest.raises(ValueError, match="township code"):
        demo_hierarchy(yuhu, towns, {**ok, "430302003": [("430302003001", "丁村委会")]})
    with pytest.raises(ValueError, match="cannot give"):
        demo_hierarchy(yuhu, towns, ok, grids_total=1)


# --------------------------------------------------------------------------- specialist layers


def test_specialist_layers_cover_the_county(specialist, hierarchy, yuhu):
    assert set(specialist) == {"zongzhi", "chengguan"}
    for key, prefix in (("zongzhi", "ZZ"), ("chengguan", "CG")):
        cells = specialist[key]
        assert 0.5 * 473 <= len(cells) <= 473
        assert [c.code for c in cells] == [f"{prefix}-{i:04d}" for i in range(1, len(cells) + 1)]
        polys = [c.polygon for c in cells]
        assert_partition(polys, yuhu, len(cells))
    assert len(specialist["zongzhi"]) != len(specialist["chengguan"])
    assert specialist["zongzhi"][0].name == "雨湖路社区综治1号网格"


def _boundary_samples(polys, outline, step_m: float, lat0: float) -> np.ndarray:
    """Points every ``step_m`` along the interior boundaries of a coverage (outline excluded)."""
    lines = shapely.difference(shapely.union_all(shapely.boundary(polys)), outline.boundary)
    lines = shapely.difference(lines, outline.boundary.buffer(1e-5))
    step = step_m / M_PER_DEG
    pts = [
        shapely.line_interpolate_point(seg, np.arange(0, seg.length, step))
        for seg in shapely.get_parts(lines)
        if seg.length > 0
    ]
    return np.concatenate(pts)


def _distances_m(points, polys, lat0: float) -> np.ndarray:
    lines = shapely.union_all(shapely.boundary(polys))
    return shapely.distance(points, lines) * M_PER_DEG * math.cos(math.radians(lat0))


@pytest.mark.parametrize("key", ["zongzhi", "chengguan"])
def test_specialist_lines_are_shifted_tens_of_metres_from_village_lines(
    specialist, hierarchy, yuhu, key
):
    lat0 = yuhu.centroid.y
    villages = [v.polygon for v in hierarchy.villages]
    samples = _boundary_samples(villages, yuhu, 50, lat0)
    dist = _distances_m(samples, [c.polygon for c in specialist[key]], lat0)
    # Cells were cut along village lines, then moved by 10-60 m: near, but never on them.
    assert dist.max() < 65
    assert np.median(dist) > 5
    assert (dist < 1).mean() < 0.05


def test_specialist_layers_are_misaligned_with_each_other_and_the_grids(
    specialist, hierarchy, yuhu
):
    lat0 = yuhu.centroid.y
    zz = [c.polygon for c in specialist["zongzhi"]]
    cg = [c.polygon for c in specialist["chengguan"]]
    dist = _distances_m(_boundary_samples(zz, yuhu, 50, lat0), cg, lat0)
    assert (dist < 1).mean() < 0.05
    grids = np.array([g.polygon for g in hierarchy.grids])
    tree = shapely.STRtree(grids)
    mismatch = []
    for cell in zz:
        hits = tree.query(cell, predicate="intersects")
        best = grids[hits[np.argmax(shapely.area(shapely.intersection(grids[hits], cell)))]]
        mismatch.append(shapely.symmetric_difference(cell, best).area / cell.area)
    # Near the county outline the shift fades out, so a cell there may match a grid closely.
    assert min(mismatch) > 0
    assert np.mean(np.array(mismatch) > 0.01) > 0.95


def test_specialist_layers_reject_bad_areas():
    with pytest.raises(ValueError, match="valid coverage"):
        demo_specialist_layers([box(0, 0, 2, 2), box(1, 1, 3, 3)], seed=1)
    with pytest.raises(ValueError, match="match areas"):
        demo_specialist_layers([box(0, 0, 1, 1)], seed=1, area_names=["a", "b"])


# --------------------------------------------------------------------------- synthetic layer


def test_synthetic_layer_of_ten_thousand_cells():
    layer = synthetic_grid_layer(10_000)
    assert len(layer) == 10_000
    codes = [c for c, _ in layer]
    assert len(set(codes)) == 10_000
    assert all(len(c) == 15 and c.isdigit() and c.startswith("43") for c in codes)
    polys = [p for _, p in layer]
    assert all(isinstance(p, Polygon) for p in polys)
    assert_partition(polys, box(110.0, 25.0, 114.0, 29.0), 10_000)


def test_synthetic_layer_codes_group_neighbouring_cells():
    layer = synthetic_grid_layer(2_000, seed=2)
    by_township: dict[str, list[Polygon]] = {}
    for code, poly in layer:
        by_township.setdefault(code[:9], []).append(poly)
    # A Z-order block is compact: a township's 50 cells span a small part of the box.
    spans = [shapely.total_bounds(ps) for ps in by_township.values()]
    widths = [max(x1 - x0, y1 - y0) for x0, y0, x1, y1 in spans]
    assert np.median(widths) < 1.5


def test_synthetic_layer_rejects_sizes_the_codes_cannot_hold():
    with pytest.raises(ValueError, match="between"):
        synthetic_grid_layer(0)
    with pytest.raises(ValueError, match="between"):
        synthetic_grid_layer(500_000)
