"""gridsvc.geo.validate: one small hand-built layer per finding code, near 湘潭 (112.9°E, 27.9°N).

Coordinates are written in units of U = 0.001° (about 98 m east-west and 111 m north-south here),
so a 3 x 4 unit village is roughly 295 m x 443 m and areas can be computed by hand.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import shapely
from shapely import LineString, MultiPolygon, Polygon
from shapely.geometry import shape

from gridsvc.geo.area import area_m2
from gridsvc.geo.validate import Cell, Rules, normalize_area_code, validate_layer

LON0, LAT0, U = 112.90, 27.90, 0.001
# m² per square unit near 27.9°N: 98.45 m x 110.77 m.
M2_PER_U2 = 98.45 * 110.77
TOWNSHIP = "430302001"


def sq(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return shapely.box(LON0 + x0 * U, LAT0 + y0 * U, LON0 + x1 * U, LAT0 + y1 * U)


def poly(*xy: tuple[float, float]) -> Polygon:
    return Polygon([(LON0 + x * U, LAT0 + y * U) for x, y in xy])


def pt(x: float, y: float) -> tuple[float, float]:
    return LON0 + x * U, LAT0 + y * U


def cell(i: int, code: str | None, geom, parent: str | None = None, **kw) -> Cell:
    return Cell(index=i, code=code, name=f"n{i}", parent_code=parent, geometry=geom, **kw)


def villages(*geoms, parent: str | None = None) -> list[Cell]:
    return [cell(i, f"{TOWNSHIP}{i + 1:03d}", g, parent) for i, g in enumerate(geoms)]


def check(cells, level="village", parents=None, **rules):
    if parents is None and level == "village":
        parents = {TOWNSHIP: sq(0, 0, 6, 4)}
    return validate_layer(cells, level=level, parents=parents, rules=Rules(**rules))


def only(report, code):
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, [f.to_dict() for f in report.findings]
    return found[0]


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


# --- a clean layer -------------------------------------------------------------------------


def test_clean_layer_has_no_findings_and_a_summary():
    report = check(villages(sq(0, 0, 3, 4), sq(3, 0, 6, 4)))
    assert report.ok
    assert report.findings == []
    assert report.summary["features"] == 2
    assert report.summary["total_area_m2"] == pytest.approx(24 * M2_PER_U2, rel=0.01)
    assert report.summary["by_severity"] == {"error": 0, "warning": 0, "info": 0}
    body = json.loads(json.dumps(report.to_dict()))
    assert body == {"ok": True, "summary": report.summary, "findings": [], "repaired": []}


def test_unknown_level_is_rejected():
    with pytest.raises(ValueError, match="unknown level"):
        validate_layer([], level="province", parents=None)


# --- geometry --------------------------------------------------------------------------------


BOWTIE = ((0, 0), (2, 2), (2, 0), (0, 2), (0, 0))  # crosses itself at (1, 1)


def test_self_intersection_is_an_error_located_at_the_crossing():
    report = check([cell(0, "430302", poly(*BOWTIE))], level="county")
    finding = only(report, "geometry.invalid")
    assert finding.severity == "error"
    assert finding.feature == "430302"
    assert "Self-intersection" in finding.detail
    assert finding.location["type"] == "Point"
    assert finding.location["coordinates"] == pytest.approx(list(pt(1, 1)))
    assert not report.ok


def test_repair_keeps_the_polygonal_parts_and_warns():
    bowtie = poly(*BOWTIE)
    report = check([cell(0, "430302", bowtie)], level="county", repair=True)
    finding = only(report, "geometry.repaired")
    assert finding.severity == "warning"
    assert finding.location["coordinates"] == pytest.approx(list(pt(1, 1)))
    assert report.ok
    assert report.repaired == ["430302"]
    fixed = report.cells[0].geometry
    assert fixed.is_valid
    assert isinstance(fixed, MultiPolygon)
    assert fixed.area == pytest.approx(2 * U * U)  # the two triangles of the bow tie
    assert report.summary["total_area_m2"] == pytest.approx(2 * M2_PER_U2, rel=0.01)


def test_invalid_cells_still_take_part_in_coverage_checks():
    # Bow tie + the two triangles it leaves out tile the 2x2 parent exactly: without repair the
    # bow tie is an error, but it must not also produce a phantom gap or overlap.
    rest = MultiPolygon([poly((0, 0), (2, 0), (1, 1)), poly((0, 2), (1, 1), (2, 2))])
    cells = villages(poly(*BOWTIE), rest)
    report = check(cells, parents={TOWNSHIP: sq(0, 0, 2, 2)})
    assert codes(report) == {"geometry.invalid"}
    assert report.cells[0].geometry.equals(cells[0].geometry)  # not repaired without the rule


def test_missing_and_empty_geometries():
    report = check(villages(sq(0, 0, 6, 4), None, Polygon()))
    found = [(f.code, f.feature) for f in report.findings]
    assert found == [("geometry.empty", f"{TOWNSHIP}002"), ("geometry.empty", f"{TOWNSHIP}003")]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_polygonal_and_non_finite_geometries_are_invalid():
    line = LineString([pt(0, 0), pt(6, 4)])
    nan = Polygon([pt(0, 0), (float("nan"), LAT0), pt(1, 1)])
    report = check(villages(sq(0, 0, 6, 4), line, nan), repair=True)
    details = {f.feature: f.detail for f in report.findings if f.code == "geometry.invalid"}
    assert "LineString" in details[f"{TOWNSHIP}002"]
    assert "non-finite" in details[f"{TOWNSHIP}003"]
    assert not report.ok  # repair cannot make a polygon out of a line


# --- extent ----------------------------------------------------------------------------------


def test_swapped_axes_for_the_whole_layer_is_one_finding():
    swapped = [
        shapely.transform(g, lambda xy: xy[:, ::-1]) for g in (sq(0, 0, 3, 4), sq(3, 0, 6, 4))
    ]
    report = check(villages(*swapped))
    finding = only(report, "extent.swapped_axes")
    assert finding.feature is None
    assert finding.severity == "error"
    assert "27.90" in finding.detail  # the offending x range is quoted
    assert "coverage.gap" not in codes(report)  # unusable cells are not measured further


def test_one_swapped_and_one_foreign_feature_are_reported_individually():
    swapped = shapely.transform(sq(3, 0, 6, 4), lambda xy: xy[:, ::-1])
    paris = shapely.box(2.30, 48.80, 2.40, 48.90)
    report = check(villages(sq(0, 0, 3, 4), swapped, paris))
    assert only(report, "extent.swapped_axes").feature == f"{TOWNSHIP}002"
    assert only(report, "extent.outside_china").feature == f"{TOWNSHIP}003"


def test_projected_coordinates_are_outside_china():
    metres = [shapely.box(500_000, 3_080_000, 500_300, 3_080_400)]
    report = check([cell(0, "430302", metres[0])], level="county")
    finding = only(report, "extent.outside_china")
    assert finding.feature is None
    assert "CRS" in finding.detail


# --- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("430302000000", "county", "430302"),
        (" 430302001000 ", "township", "430302001"),
        ("430302001000", "county", "430302001000"),  # not a padded county: left for validation
        ("430302001001", "village", "430302001001"),
        ("430302001001002", "grid", "430302001001002"),
        ("43030X", "county", "43030X"),
    ],
)
def test_normalize_area_code(code, level, expected):
    assert normalize_area_code(code, level) == expected


def test_normalize_area_code_rejects_unknown_levels():
    with pytest.raises(ValueError, match="unknown level"):
        normalize_area_code("430302", "province")


def test_zero_padded_codes_are_accepted_and_reported_normalised():
    cells = [cell(0, "430302001000", sq(0, 0, 6, 4), parent="430302000000")]
    report = check(cells, level="township", parents={"430302000000": sq(0, 0, 6, 4)})
    assert report.ok, [f.to_dict() for f in report.findings]


def test_numeric_codes_are_read_as_text():
    cells = [
        cell(0, 430302001001, sq(0, 0, 3, 4), parent=430302001),
        cell(1, 430302001002, sq(3, 0, 6, 4)),
    ]
    report = check(cells)
    assert report.ok, [f.to_dict() for f in report.findings]


def test_missing_code_is_named_by_index():
    report = check([cell(0, f"{TOWNSHIP}001", sq(0, 0, 3, 4)), cell(7, "  ", sq(3, 0, 6, 4))])
    finding = only(report, "code.missing")
    assert finding.feature == "#7"
    assert codes(report) == {"code.missing"}  # it still fills its part of the parent: no gap


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("43030200100X", "digits only"),
        ("4303020010", "has 10 digits"),
        ("430302001000", "ends in 000"),
        ("990302001001", "province"),
    ],
)
def test_malformed_village_codes(code, why):
    report = check([cell(0, code, sq(0, 0, 6, 4), parent=TOWNSHIP)])
    finding = only(report, "code.malformed")
    assert finding.feature == code
    assert why in finding.detail


def test_duplicate_codes_name_both_features():
    report = check(
        [cell(0, f"{TOWNSHIP}001", sq(0, 0, 3, 4)), cell(1, f"{TOWNSHIP}001", sq(3, 0, 6, 4))]
    )
    finding = only(report, "code.duplicate")
    assert finding.feature == f"{TOWNSHIP}001"
    assert finding.related == ["#0", "#1"]
    assert finding.location["type"] == "MultiPoint"
    assert len(finding.location["coordinates"]) == 2


def test_code_not_extending_the_declared_parent():
    cells = [cell(0, "430302002001", sq(0, 0, 6, 4), parent=TOWNSHIP)]
    finding = only(check(cells), "code.parent_mismatch")
    assert finding.feature == "430302002001"
    assert finding.related == [TOWNSHIP]
    assert "430302002" in finding.detail


def test_unknown_parent_declared_or_inferred():
    cells = [
        cell(0, f"{TOWNSHIP}001", sq(0, 0, 6, 4)),  # parent inferred from the code: known
        cell(1, "430302009001", sq(0, 4, 6, 8)),
    ]  # inferred 430302009: not in the parents
    finding = only(check(cells), "parent.unknown")
    assert finding.feature == "430302009001"
    assert finding.related == ["430302009"]


def test_parent_is_inferred_from_the_code_prefix_for_the_outside_check():
    report = check([cell(0, f"{TOWNSHIP}001", sq(0, 0, 7, 4))])  # no parent_code given
    assert only(report, "cell.outside_parent").related == [TOWNSHIP]


# --- coverage --------------------------------------------------------------------------------


def test_cell_outside_its_parent_reports_the_part_outside():
    report = check(villages(sq(0, 0, 3, 4), sq(3, 0, 7, 4)))  # sticks out 1 x 4 units east
    finding = only(report, "cell.outside_parent")
    assert finding.feature == f"{TOWNSHIP}002"
    assert finding.severity == "error"
    assert finding.area_m2 == pytest.approx(4 * M2_PER_U2, rel=0.01)
    location = shape(finding.location)
    assert location.area == pytest.approx(4 * U * U)
    assert sq(6, 0, 7, 4).buffer(1e-9).contains(location)


def test_an_invalid_parent_is_made_valid_before_measuring():
    bowtie = poly((0, 0), (6, 4), (6, 0), (0, 4), (0, 0))  # left and right triangles, crossing
    report = check(villages(sq(0, 0, 6, 4)), parents={TOWNSHIP: bowtie})
    finding = only(report, "cell.outside_parent")
    assert finding.area_m2 == pytest.approx(12 * M2_PER_U2, rel=0.01)  # top + bottom triangles


def test_poking_out_by_less_than_the_tolerance_is_quiet():
    # 0.0004 units (~4 cm) x 4 units: ~17 m², under the 50 m² tolerance.
    report = check(villages(sq(0, 0, 3, 4), sq(3, 0, 6.0004, 4)))
    assert "cell.outside_parent" not in codes(report)
    strict = check(
        villages(sq(0, 0, 3, 4), sq(3, 0, 6.0004, 4)),
        outside_parent_tolerance_m2=5,
        outside_parent_tolerance_ratio=0,
    )
    assert only(strict, "cell.outside_parent").area_m2 == pytest.approx(
        0.0016 * M2_PER_U2, rel=0.02
    )


def test_overlap_reports_area_codes_and_location():
    report = check(villages(sq(0, 0, 3, 4), sq(2.5, 0, 6, 4)))
    finding = only(report, "coverage.overlap")
    assert finding.severity == "error"
    assert {finding.feature, *finding.related} == {f"{TOWNSHIP}001", f"{TOWNSHIP}002"}
    assert finding.area_m2 == pytest.approx(2 * M2_PER_U2, rel=0.01)  # 0.5 x 4 units ≈ 21,800 m²
    location = shape(finding.location)
    assert location.area == pytest.approx(2 * U * U)
    assert sq(2.5, 0, 3, 4).buffer(1e-9).contains(location)
    assert codes(report) == {"coverage.overlap"}


def test_a_cell_inside_another_overlaps_it():
    report = check(villages(sq(0, 0, 6, 4), sq(1, 1, 2, 2)))
    finding = only(report, "coverage.overlap")
    assert finding.area_m2 == pytest.approx(1 * M2_PER_U2, rel=0.01)


def test_sliver_overlap_is_a_warning():
    report = check(villages(sq(0, 0, 3, 4), sq(2.999, 0, 6, 4)))  # ~10 cm x 443 m ≈ 44 m²
    finding = only(report, "coverage.sliver_overlap")
    assert finding.severity == "warning"
    assert finding.area_m2 == pytest.approx(0.004 * M2_PER_U2, rel=0.02)
    assert report.ok


def test_gap_inside_the_parent_reports_area_and_location():
    report = check(villages(sq(0, 0, 3, 4), sq(3, 0, 6, 3.5)))  # top strip of the east half missing
    finding = only(report, "coverage.gap")
    assert finding.severity == "error"
    assert finding.feature == TOWNSHIP
    assert finding.area_m2 == pytest.approx(1.5 * M2_PER_U2, rel=0.01)
    assert set(finding.related) == {f"{TOWNSHIP}001", f"{TOWNSHIP}002"}
    location = shape(finding.location)
    assert location.area == pytest.approx(1.5 * U * U)
    assert sq(3, 3.5, 6, 4).buffer(1e-9).contains(location)


def test_sliver_gaps_are_one_warning_per_parent():
    # Two separate slivers: 3 x 0.001 units atop the west half, 0.0005 x 4 units at the east edge.
    report = check(villages(sq(0, 0, 3, 3.999), sq(3, 0, 5.9995, 4)))
    finding = only(report, "coverage.sliver_gap")
    assert finding.severity == "warning"
    assert finding.feature == TOWNSHIP
    expected = (3 * 0.001 + 0.0005 * 4) * M2_PER_U2  # ≈ 33 + 22 m²
    assert finding.area_m2 == pytest.approx(expected, rel=0.02)
    assert "2 sliver gap(s)" in finding.detail
    assert report.ok


def test_noding_residue_along_a_shared_edge_is_not_a_gap():
    # The east village's south edge has an extra vertex 1e-10 units (~1e-8 m) inside the parent's
    # edge. In degrees the gap is a zero-width triangle, but a parallel bows ~2 mm over 300 m in
    # Albers, where the same triangle would measure ~0.3 m²: it must not become a finding.
    east = poly((3, 0), (4.5, 1e-10), (6, 0), (6, 4), (3, 4))
    assert float(area_m2(sq(0, 0, 6, 4).difference(sq(0, 0, 3, 4)).difference(east))) > 0.1
    assert check(villages(sq(0, 0, 3, 4), east)).findings == []


def test_sliver_threshold_is_configurable():
    report = check(villages(sq(0, 0, 3, 4), sq(3, 0, 6, 3.5)), sliver_max_m2=20_000)
    assert codes(report) == {"coverage.sliver_gap"}


COUNTIES = ("430302", "430304", "430321", "430381")


def test_without_parents_a_hole_in_the_union_is_a_gap():
    # Four counties round a 1 x 1 unit hole no one covers.
    ring = [sq(0, 0, 3, 1), sq(2, 1, 3, 3), sq(0, 2, 2, 3), sq(0, 1, 1, 2)]
    cells = [cell(i, code, g) for i, (code, g) in enumerate(zip(COUNTIES, ring, strict=True))]
    report = check(cells, level="county")
    finding = only(report, "coverage.gap")
    assert finding.area_m2 == pytest.approx(1 * M2_PER_U2, rel=0.01)
    assert shapely.equals_exact(
        shape(finding.location).normalize(), sq(1, 1, 2, 2).normalize(), tolerance=1e-7
    )
    assert {finding.feature, *finding.related} == set(COUNTIES)


def test_without_parents_a_hole_the_input_has_itself_is_not_a_gap():
    # A county with an enclave that belongs to a county outside this layer.
    holed = Polygon(sq(0, 0, 3, 3).exterior.coords, [sq(1, 1, 2, 2).exterior.coords])
    cells = [cell(0, "430302", holed), cell(1, "430304", sq(3, 0, 6, 3))]
    assert check(cells, level="county").findings == []


# --- grid size guidelines --------------------------------------------------------------------


def test_grid_household_and_area_guidelines_are_warnings():
    village = f"{TOWNSHIP}001"
    cells = [
        cell(0, f"{village}001", sq(0, 0, 3, 4), households=120),
        cell(1, f"{village}002", sq(3, 0, 6, 4), households=400),
        cell(2, f"{village}003", sq(6, 0, 50, 40), households=None),  # ≈ 19 km²
    ]
    parent = shapely.union_all([c.geometry for c in cells])
    report = check(cells, level="grid", parents={village: parent})
    households = only(report, "grid.size_households")
    assert households.feature == f"{village}001"
    assert "120" in households.detail
    assert "300–500" in households.detail
    size = only(report, "grid.size_area")
    assert size.feature == f"{village}003"
    assert size.area_m2 == pytest.approx(44 * 40 * M2_PER_U2, rel=0.01)
    assert report.ok


# --- report shape and scale ------------------------------------------------------------------


def test_report_is_json_serialisable_and_counts_by_code():
    report = check(villages(sq(0, 0, 3, 4), sq(2.5, 0, 6, 3.5), None))
    body = json.loads(json.dumps(report.to_dict()))
    assert body["ok"] is False
    assert body["summary"]["by_code"] == {
        "coverage.gap": 1,
        "coverage.overlap": 1,
        "geometry.empty": 1,
    }
    assert body["summary"]["errors"] == 3
    first = body["findings"][0]
    assert set(first) == {"code", "severity", "feature", "detail", "location", "area_m2", "related"}


def voronoi_layer(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    frame = sq(0, 0, 40, 40)
    points = shapely.multipoints(rng.uniform(0, 40, (n, 2)) * U + [LON0, LAT0])
    faces = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=frame))
    return shapely.intersection(faces, frame), frame


def test_a_large_layer_reports_exactly_what_was_injected_and_quickly():
    faces, frame = voronoi_layer(999)  # township codes have room for 999
    tree = shapely.STRtree(faces)
    a = 100
    b = next(k for k in tree.query(faces[a], predicate="touches"))
    faces[a] = faces[a].union(faces[a].buffer(2e-5).intersection(faces[b]))  # ~2 m into b
    c = 900
    hole = shapely.Point(faces[c].representative_point()).buffer(3e-5)  # ~ 3 m radius, ~25 m²
    faces[c] = faces[c].difference(hole)
    cells = [cell(i, f"430302{i + 1:03d}", g) for i, g in enumerate(faces)]
    start = time.perf_counter()
    report = validate_layer(
        cells, level="township", parents={"430302": frame}, rules=Rules(sliver_max_m2=1)
    )
    elapsed = time.perf_counter() - start
    overlap = [f for f in report.findings if f.code == "coverage.overlap"]
    assert len(overlap) == 1
    assert {overlap[0].feature, *overlap[0].related} == {cells[a].code, cells[b].code}
    gap = [f for f in report.findings if f.code == "coverage.gap"]
    assert len(gap) == 1
    assert shape(gap[0].location).intersects(hole)
    assert gap[0].area_m2 == pytest.approx(float(area_m2(hole)), rel=0.02)
    assert codes(report) == {"coverage.overlap", "coverage.gap"}
    assert elapsed < 5.0  # ~0.05 s in practice; guards against an accidental O(n²) path
