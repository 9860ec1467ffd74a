"""gridsvc.geo.merge (多网合一): crosswalk shares and deriving a unified grid from misaligned layers.

Two villages side by side near 湘潭, each 6 x 4 units (U = 0.001°, ~98 m x 111 m):

    甲村 x 0..6            乙村 x 6..12        (y 0..4 for both)

综治 (zongzhi) follows the village lines: cells cut at x = 0, 3, 6, 9, 12.
城管 (chengguan) was digitised ~20 m off: cut at x = 0.2, 4.2, 8.2, 12.2 and running y 0.2..4.2, so
its second cell straddles the two villages, it sticks out north and east, and the overlay has thin
misalignment strips along the west and south edges — the slivers the merge must dissolve.
"""

from __future__ import annotations

import itertools

import pytest
import shapely
from shapely import Polygon

from gridsvc.geo.area import area_m2
from gridsvc.geo.merge import MIN_SHARE, crosswalk, derive_unified
from gridsvc.geo.validate import Cell

LON0, LAT0, U = 112.90, 27.90, 0.001
M2_PER_U2 = 98.45 * 110.77
V1, V2 = "430302001001", "430302001002"


def sq(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return shapely.box(LON0 + x0 * U, LAT0 + y0 * U, LON0 + x1 * U, LAT0 + y1 * U)


def at(x: float, y: float) -> shapely.Point:
    return shapely.Point(LON0 + x * U, LAT0 + y * U)


def layer(prefix: str, cuts: list[float], y0: float = 0, y1: float = 4) -> list[Cell]:
    return [
        Cell(
            index=i,
            code=f"{prefix}-{i + 1:03d}",
            name=f"{prefix}{i + 1}",
            geometry=sq(a, y0, b, y1),
        )
        for i, (a, b) in enumerate(itertools.pairwise(cuts))
    ]


@pytest.fixture
def villages() -> list[Cell]:
    return [
        Cell(index=0, code=V1, name="甲村", parent_code="430302001", geometry=sq(0, 0, 6, 4)),
        Cell(index=1, code=V2, name="乙村", parent_code="430302001", geometry=sq(6, 0, 12, 4)),
    ]


@pytest.fixture
def specialist() -> dict[str, list[Cell]]:
    return {
        "zongzhi": layer("ZZ", [0, 3, 6, 9, 12]),
        "chengguan": layer("CG", [0.2, 4.2, 8.2, 12.2], 0.2, 4.2),
    }


@pytest.fixture
def merged(specialist, villages):
    # Real pieces are >= 3 x 0.8 units (~33,000 m²); misalignment strips are under 15,000 m².
    return derive_unified(specialist, villages, sliver_max_m2=20_000)


def test_unified_layer_covers_the_villages_without_gaps_or_overlaps(merged, villages):
    report = merged.report
    assert report.ok, [f.to_dict() for f in report.findings]
    assert not any(f.code.startswith(("coverage.", "cell.")) for f in report.findings)
    geoms = [c.geometry for c in merged.cells]
    assert shapely.coverage_is_valid(geoms)
    for village in villages:
        mine = [c.geometry for c in merged.cells if c.parent_code == village.code]
        union = shapely.union_all(mine)
        assert union.symmetric_difference(village.geometry).area < 1e-12
    total = float(area_m2(geoms).sum())
    assert total == pytest.approx(48 * M2_PER_U2, rel=0.01)


def test_misalignment_slivers_are_dissolved_into_the_longest_neighbour(merged):
    summary = merged.report.summary
    # 甲村: the west+south L strip and the south strip under x 3..6; 乙村: two south strips.
    assert summary["slivers_dissolved"] == 4
    assert summary["pieces"] == 10
    assert summary["unified_cells"] == len(merged.cells) == 6
    assert all(float(area_m2(c.geometry)) > 20_000 for c in merged.cells)
    # The west strip went to the large piece east of it (their shared edge is the longest).
    first = next(c for c in merged.cells if c.geometry.contains(at(0.1, 2)))
    assert first.geometry.contains(at(2, 2))
    assert first.code == f"{V1}001"
    # The south strip under x 3..6 joined the 4.2..6 piece (1.8 units of edge vs 1.2).
    south = next(c for c in merged.cells if c.geometry.contains(at(3.5, 0.1)))
    assert south.geometry.contains(at(5, 2))
    assert not south.geometry.contains(at(3.5, 2))


def test_codes_and_names_run_north_west_to_south_east_per_village(merged):
    codes = [c.code for c in merged.cells]
    assert codes == [f"{V1}001", f"{V1}002", f"{V1}003", f"{V2}001", f"{V2}002", f"{V2}003"]
    xs = [c.geometry.centroid.x for c in merged.cells]
    assert xs[:3] == sorted(xs[:3])
    assert xs[3:] == sorted(xs[3:])
    assert [c.name for c in merged.cells[:2]] == ["甲村第1网格", "甲村第2网格"]
    assert all(c.parent_code == c.code[:12] for c in merged.cells)
    assert merged.report.summary["outside_villages_m2"] == pytest.approx(
        (12 * 0.2 + 0.2 * 3.8) * M2_PER_U2, rel=0.02
    )  # 城管's north and east overhang


def test_crosswalk_shares_sum_to_one_and_flag_the_straddling_cell(merged):
    rows = {(r["layer"], r["code"]): r for r in merged.crosswalk}
    assert len(rows) == 7  # 4 综治 + 3 城管 cells
    for row in rows.values():
        total = sum(p["share_of_specialist"] for p in row["unified"])
        assert total + row["unmapped_share"] == pytest.approx(1.0, abs=1e-3)
    for code in ("ZZ-001", "ZZ-002", "ZZ-003", "ZZ-004"):  # inside the villages: fully mapped
        zz = rows[("zongzhi", code)]
        assert sum(p["share_of_specialist"] for p in zz["unified"]) == pytest.approx(1.0, abs=1e-3)
        assert zz["straddles_villages"] == []
    straddling = rows[("chengguan", "CG-002")]  # x 4.2..8.2 crosses the village line at x 6
    shares = {v["code"]: v["share"] for v in straddling["straddles_villages"]}
    assert shares == pytest.approx({V1: 1.8 * 3.8 / 16, V2: 2.2 * 3.8 / 16}, rel=0.01)
    assert rows[("chengguan", "CG-001")]["straddles_villages"] == []
    # 城管 runs 0.2 units past the villages' north edge: 5% of each of its cells is unmapped.
    assert rows[("chengguan", "CG-001")]["unmapped_share"] == pytest.approx(0.05, abs=0.002)


def test_derivation_is_deterministic_whatever_the_input_order(specialist, villages):
    first = derive_unified(specialist, villages, sliver_max_m2=20_000)
    shuffled = {name: list(reversed(cells)) for name, cells in reversed(specialist.items())}
    second = derive_unified(shuffled, villages, sliver_max_m2=20_000)
    assert [c.code for c in first.cells] == [c.code for c in second.cells]
    for a, b in zip(first.cells, second.cells, strict=True):
        assert a.geometry.normalize().equals_exact(b.geometry.normalize(), tolerance=1e-12)
    assert (
        first.report.to_dict()
        == derive_unified(specialist, villages, sliver_max_m2=20_000).report.to_dict()
    )


def test_a_width_threshold_catches_long_strips_an_area_threshold_misses(specialist, villages):
    # At 10,000 m² the ~14,800 m² L-shaped strip (20 m wide) along 甲村's west and south edges
    # survives as a grid of its own; its mean width gives it away.
    by_area = derive_unified(specialist, villages, sliver_max_m2=10_000)
    assert by_area.report.summary["slivers_dissolved"] == 3
    assert len(by_area.cells) == 7
    by_width = derive_unified(specialist, villages, sliver_max_m2=10_000, sliver_max_width_m=40)
    assert by_width.report.summary["slivers_dissolved"] == 4
    assert len(by_width.cells) == 6


def test_village_parts_no_layer_covers_become_grids_too(villages):
    only_west = {"zongzhi": layer("ZZ", [0, 3, 6])}  # nothing in 乙村 at all
    result = derive_unified(only_west, villages, sliver_max_m2=100)
    assert result.report.ok
    assert result.report.summary["uncovered_pieces"] == 1
    assert [c.code for c in result.cells] == [f"{V1}001", f"{V1}002", f"{V2}001"]
    assert result.cells[2].geometry.equals(villages[1].geometry)


def test_sequence_start_and_its_limit(specialist, villages):
    result = derive_unified(specialist, villages, sliver_max_m2=20_000, code_sequence_start=5)
    assert [c.code[-3:] for c in result.cells[:3]] == ["005", "006", "007"]
    with pytest.raises(ValueError, match="3-digit"):
        derive_unified(specialist, villages, sliver_max_m2=20_000, code_sequence_start=998)


def test_villages_need_codes(specialist, villages):
    nameless = [Cell(index=0, code=None, geometry=sq(0, 0, 6, 4))]
    with pytest.raises(ValueError, match="code"):
        derive_unified(specialist, nameless, sliver_max_m2=100)


def test_crosswalk_onto_a_proposed_layer(specialist, villages):
    # Proposed unified grid: each village cut in half north/south.
    unified = [
        Cell(index=i, code=f"{v.code}{k:03d}", geometry=g)
        for i, (v, k, g) in enumerate(
            [
                (villages[0], 1, sq(0, 2, 6, 4)),
                (villages[0], 2, sq(0, 0, 6, 2)),
                (villages[1], 1, sq(6, 2, 12, 4)),
                (villages[1], 2, sq(6, 0, 12, 2)),
            ]
        )
    ]
    rows = crosswalk(specialist, unified, villages)
    zz1 = next(r for r in rows if r["code"] == "ZZ-001")
    assert {p["code"] for p in zz1["unified"]} == {f"{V1}001", f"{V1}002"}
    shares = [p["share_of_specialist"] for p in zz1["unified"]]
    assert shares == sorted(shares, reverse=True)  # largest share first
    for part in zz1["unified"]:
        assert part["share_of_specialist"] == pytest.approx(0.5, abs=1e-3)
        assert part["share_of_unified"] == pytest.approx(0.5, abs=1e-3)
        assert part["area_m2"] == pytest.approx(6 * M2_PER_U2, rel=0.01)
    # ZZ-002 touches 乙村's halves only along x = 6: no area, not listed.
    zz2 = next(r for r in rows if r["code"] == "ZZ-002")
    assert {p["code"] for p in zz2["unified"]} == {f"{V1}001", f"{V1}002"}
    assert rows == crosswalk(specialist, unified, villages)  # deterministic


def test_crosswalk_drops_noise_shares_and_works_without_villages():
    unified = [
        Cell(index=0, code="U1", geometry=sq(0, 0, 6, 4)),
        Cell(index=1, code="U2", geometry=sq(6, 0, 12, 4)),
    ]
    # Overlaps U2 by 1e-5 units: a share of ~2.5e-6 of the cell and ~1e-6 of U2 — noise.
    spec = {"yingji": [Cell(index=0, code=None, geometry=sq(0, 0, 6.00001, 4))]}
    [row] = crosswalk(spec, unified)
    assert row["code"] == "#0"
    assert [p["code"] for p in row["unified"]] == ["U1"]
    assert row["straddles_villages"] == []
    assert MIN_SHARE > 2.5e-6
