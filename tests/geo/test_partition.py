"""gridsvc.geo.partition and demo_layers: exact counts, valid coverages, exact nesting, determinism, misalignment.

The real 雨湖区 outline and unit lists come from ``geodata/`` (see its README); everything below
county level is generated, so these tests pin the properties the boundary validator, the
多网合一 merge and the locate service rely on.
"""

from __future__ import annotations

import csv
import json
import logging
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely import LineString, MultiPolygon, Polygon, box

from gridsvc.geo import demo_layers as demo
from gridsvc.geo import partition as part
from gridsvc.geo.demo_layers import (
    DemoArea,
    demo_hierarchy,
    demo_specialist_layers,
    perturb_boundaries,
    short_name,
    synthetic_grid_layer,
)
from gridsvc.geo.partition import PartitionError, partition_polygon, polygonal

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
COUNTY = "430302"
M_PER_DEG = 111_320.0
# Snap-rounding moves an edge by less than one 1e-7 grid step, so a snapped cell may poke out of
# the parent by at most ~1e-7 x its perimeter (< 0.3 degrees here).
SNAPPED_TOL = 3e-8


def _wkb(geoms) -> list[bytes]:
    return [shapely.to_wkb(g) for g in geoms]


def assert_partition(parts, parent, n: int, *, nested_tol: float = 1e-9) -> None:
    """``parts`` is an n-piece valid coverage of ``parent``."""
    assert len(parts) == n
    assert all(isinstance(p, Polygon | MultiPolygon) and not p.is_empty for p in parts)
    assert shapely.is_valid(parts).all()
    assert shapely.coverage_is_valid(parts)
    assert abs(shapely.area(parts).sum() - parent.area) <= 1e-4 * parent.area  # 0.01 %
    outside = shapely.area(shapely.difference(parts, parent))
    assert outside.max() < nested_tol


def _local_m(xy: np.ndarray, lat0: float) -> np.ndarray:
    return xy * [M_PER_DEG * math.cos(math.radians(lat0)), M_PER_DEG]


@pytest.fixture(scope="module")
def yuhu_raw():
    features = json.loads((GEODATA / "xiangtan_counties.geojson").read_text("utf-8"))["features"]
    (feature,) = [f for f in features if f["properties"]["code"] == COUNTY]
    return shapely.geometry.shape(feature["geometry"])


@pytest.fixture(scope="module")
def yuhu(yuhu_raw):
    return polygonal(yuhu_raw)


@pytest.fixture(scope="module")
def units():
    with (GEODATA / "xiangtan_townships.csv").open(encoding="utf-8") as f:
        towns = [(r["code"], r["name"]) for r in csv.DictReader(f) if r["areaCode"] == COUNTY]
    villages: dict[str, list[tuple[str, str]]] = {}
    with (GEODATA / "xiangtan_villages.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["streetCode"].startswith(COUNTY):
                villages.setdefault(r["streetCode"], []).append((r["code"], r["name"]))
    return towns, villages


@pytest.fixture(scope="module")
def hierarchy(yuhu_raw, units):
    return demo_hierarchy(yuhu_raw, *units)


@pytest.fixture(scope="module")
def specialist(hierarchy):
    vs = hierarchy.villages
    return demo_specialist_layers(
        [v.polygon for v in vs],
        seed=7,
        area_names=[short_name(v.name) for v in vs],
        area_weights=[v.households for v in vs],
    )


# --------------------------------------------------------------------------- input handling


def test_polygonal_repairs_the_self_intersecting_county_outline(yuhu_raw, yuhu):
    assert not yuhu_raw.is_valid
    assert yuhu.is_valid
    assert isinstance(yuhu, MultiPolygon)  # 雨湖区 has exclaves
    assert yuhu.area == pytest.approx(yuhu_raw.buffer(0).area, rel=1e-3)


def _nan_polygon() -> Polygon:
    with np.errstate(invalid="ignore"):
        return shapely.polygons([[0.0, 0.0], [np.nan, 0.0], [1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: LineString([(0, 0), (1, 1)]), TypeError),
        (Polygon, ValueError),  # empty
        (lambda: Polygon([(0, 0), (1, 1), (2, 2)]), ValueError),  # collapses to a line
        (_nan_polygon, ValueError),
    ],
)
def test_polygonal_rejects_non_areal_input(make, error):
    with pytest.raises(error):
        polygonal(make())


@pytest.mark.parametrize(
    "kwargs",
    [{"n": 0}, {"n": 3, "relax": -1}, {"n": 3, "weights": [1, 2]}, {"n": 2, "weights": [1, -1]}],
)
def test_partition_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError, match="must be"):
        partition_polygon(box(0, 0, 1, 1), seed=1, **kwargs)


# --------------------------------------------------------------------------- partition_polygon


@pytest.mark.parametrize("n", [12, 106, 473])
def test_partition_of_the_real_outline_is_an_exact_coverage(yuhu, n):
    parts = partition_polygon(yuhu, n, seed=n)
    assert_partition(parts, yuhu, n)
    # Only the outline's exclaves may make a part multi-piece.
    pieces = len(shapely.get_parts(parts))
    assert pieces <= n + len(yuhu.geoms) - 1


def test_partition_is_deterministic_per_seed(yuhu):
    first = partition_polygon(yuhu, 473, seed=5)
    assert _wkb(first) == _wkb(partition_polygon(yuhu, 473, seed=5))
    assert _wkb(first) != _wkb(partition_polygon(yuhu, 473, seed=6))


def _comb(teeth: int = 6) -> Polygon:
    spine = box(0, 0, 2 * teeth - 1, 1)
    return shapely.union_all([spine, *(box(2 * i, 1, 2 * i + 1, 8) for i in range(teeth))])


def test_cells_cut_apart_by_a_concave_outline_are_rejoined():
    comb = _comb()
    # Clipped as is, the Voronoi cells of these seeds span several teeth and fall apart ...
    pts = part._sample_points(comb, 5, np.random.default_rng(1))
    mesh = part._mesh(np.array([comb]), pts)
    assert (np.bincount(mesh.seed) > 1).any()
    # ... but the partition hands stray pieces to neighbours: every part is one polygon.
    parts = partition_polygon(comb, 5, seed=1, relax=0)
    assert_partition(parts, comb, 5)
    assert all(isinstance(p, Polygon) for p in parts)


def test_partition_of_disjoint_pieces():
    two = MultiPolygon([box(0, 0, 1, 1), box(5, 0, 6, 1)])
    assert partition_polygon(two, 1, seed=1) == [two]
    parts = partition_polygon(two, 6, seed=1)
    assert_partition(parts, two, 6)
    assert len(shapely.get_parts(parts)) <= 7


def test_weights_set_relative_sizes():
    weights = [1, 2, 3, 4]
    parts = partition_polygon(box(0, 0, 10, 10), 4, seed=3, weights=weights)
    assert_partition(parts, box(0, 0, 10, 10), 4)
    assert all(isinstance(p, Polygon) for p in parts)
    share = shapely.area(parts) / 100.0
    assert np.abs(share - np.array(weights) / 10).max() < 0.03


def test_grid_size_puts_every_vertex_on_the_grid(yuhu):
    parts = partition_polygon(yuhu, 473, seed=2, grid_size=1e-7)
    assert_partition(parts, yuhu, 473, nested_tol=SNAPPED_TOL)
    units_ = shapely.get_coordinates(parts) / 1e-7
    assert np.abs(units_ - np.round(units_)).max() < 1e-3


def test_cells_lost_to_grid_snapping_are_reseeded(caplog):
    tiny = box(0, 0, 1e-6, 1e-6)  # 10 x 10 grid steps for 40 cells: some collapse at first
    with caplog.at_level(logging.DEBUG, logger=part.__name__):
        parts = partition_polygon(tiny, 40, seed=4, relax=0, grid_size=1e-7)
    assert "re-seeding" in caplog.text
    assert len(parts) == 40
    assert shapely.coverage_is_valid(parts)
    assert shapely.area(parts).sum() == pytest.approx(tiny.area, rel=1e-9)


def test_too_many_cells_for_the_grid_raises():
    with pytest.raises(PartitionError, match="cannot split"):
        partition_polygon(box(0, 0, 5e-7, 5e-7), 40, seed=1, grid_size=1e-7)


def test_unmatched_floating_clip_falls_back_to_noding(yuhu, monkeypatch, caplog):
    real = shapely.coverage_is_valid
    calls = []

    def first_check_fails(geoms, *args, **kwargs):
        calls.append(1)
        return False if len(calls) == 1 else real(geoms, *args, **kwargs)

    monkeypatch.setattr(part.shapely, "coverage_is_valid", first_check_fails)
    with caplog.at_level(logging.WARNING, logger=part.__name__):
        parts = partition_polygon(yuhu, 106, seed=1)
    monkeypatch.undo()
    assert "noding on a 1e-07 grid" in caplog.text
    assert_partition(parts, yuhu, 106, nested_tol=SNAPPED_TOL)
    units_ = shapely.get_coordinates(parts) / part.GRID_SIZE
    assert np.abs(units_ - np.round(units_)).max() < 1e-3


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
    fitted = demo._fit_counts(np.array([3, 1, 2]), np.array([1, 10, 5]))
    assert fitted.tolist() == [1, 3, 2]
    with pytest.raises(PartitionError, match="fewer faces"):
        demo._fit_counts(np.array([3, 3]), np.array([2, 2]))


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
    core = shapely.Point(demo.URBAN_CORES[COUNTY])
    streets = [t.polygon for t in hierarchy.townships if t.name.endswith("街道")]
    towns = [t.polygon for t in hierarchy.townships if not t.name.endswith("街道")]
    assert np.mean(shapely.area(streets)) < 0.5 * np.mean(shapely.area(towns))
    assert np.median(shapely.distance(streets, core)) < np.median(shapely.distance(towns, core))


def test_demo_is_deterministic(hierarchy, yuhu_raw, units):
    again = demo_hierarchy(yuhu_raw, *units)
    assert again == hierarchy  # same codes, names, figures and polygons
    assert _wkb(a.polygon for a in again.grids) == _wkb(a.polygon for a in hierarchy.grids)
    other = demo_hierarchy(yuhu_raw, *units, seed=1)
    assert _wkb(a.polygon for a in other.grids) != _wkb(a.polygon for a in hierarchy.grids)


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


# --------------------------------------------------------------------------- perturb_boundaries


def test_perturbation_moves_interior_vertices_by_the_requested_distance(hierarchy, yuhu):
    villages = [v.polygon for v in hierarchy.villages]
    moved = perturb_boundaries(villages, shift_m=(10.0, 60.0), seed=3)
    assert_partition(moved, yuhu, len(villages))
    outline = shapely.coverage_union_all(villages)
    assert shapely.symmetric_difference(shapely.coverage_union_all(moved), outline).area < 1e-12
    lat0 = yuhu.centroid.y
    before, after = shapely.get_coordinates(villages), shapely.get_coordinates(moved)
    shift = np.hypot(*_local_m(after - before, lat0).T)
    to_edge = shapely.distance(shapely.points(before), outline.boundary) * M_PER_DEG
    interior = to_edge > 400  # beyond the 300 m taper, with margin for the degree scale
    assert interior.sum() > 1000
    assert shift[interior].min() >= 9.99
    assert shift[interior].max() <= 60.01
    assert shift[to_edge == 0].max() == 0.0
    assert _wkb(moved) == _wkb(perturb_boundaries(villages, shift_m=(10.0, 60.0), seed=3))


def _notched_pair() -> list[Polygon]:
    """Two cells whose shared edge passes 3 m below the tip of a notch in the outline."""
    kx, ky = M_PER_DEG * math.cos(math.radians(28.0)), M_PER_DEG

    def deg(pts):
        return [(113.0 + x / kx, 28.0 + y / ky) for x, y in pts]

    lower = Polygon(deg([(0, 0), (2000, 0), (2000, 998), (1500, 998), (0, 995)]))
    notch = [(1050, 2000), (1000, 1000), (950, 2000)]
    upper = Polygon(deg([(0, 995), (1500, 998), (2000, 998), (2000, 2000), *notch, (0, 2000)]))
    return [lower, upper]


@pytest.mark.parametrize(("seed", "folds"), [(0, False), (1, True)])
def test_perturbation_keeps_folding_vertices_in_place(caplog, seed, folds):
    cells = _notched_pair()
    assert shapely.coverage_is_valid(cells)
    with caplog.at_level(logging.DEBUG, logger=demo.__name__):
        moved = perturb_boundaries(cells, seed=seed)
    assert ("keeping their vertices in place" in caplog.text) is folds
    assert shapely.coverage_is_valid(moved)
    assert shapely.is_valid(moved).all()
    before = shapely.coverage_union_all(cells)
    assert shapely.symmetric_difference(shapely.coverage_union_all(moved), before).area < 1e-15
    # Vertex 3 is the interior end of the shared edge: moved unless it had to stay.
    b0, b1 = shapely.get_coordinates(cells[0])[3], shapely.get_coordinates(moved[0])[3]
    assert bool((b0 == b1).all()) is folds


def test_perturbation_rejects_bad_input():
    with pytest.raises(ValueError, match="valid coverage"):
        perturb_boundaries([box(0, 0, 2, 2), box(1, 1, 3, 3)], seed=1)
    with pytest.raises(ValueError, match="shift_m"):
        perturb_boundaries([box(0, 0, 1, 1)], shift_m=(60.0, 10.0), seed=1)
    with pytest.raises(ValueError, match="taper_m"):
        perturb_boundaries([box(0, 0, 1, 1)], seed=1, taper_m=-1.0)


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
