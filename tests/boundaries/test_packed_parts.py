"""The packed locate index answers as shapely does, in a fraction of the memory."""

from __future__ import annotations

import os

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from gridsvc.boundaries.packed_parts import PackedBuilder


def _packed(polygons, levels=None, chunk=3):
    builder = PackedBuilder()
    for start in range(0, len(polygons), chunk):  # fed in chunks, as the build streams rows
        wkbs = [shapely.to_wkb(p) for p in polygons[start : start + chunk]]
        builder.add(wkbs, np.arange(start, start + len(wkbs)))
    n = len(polygons)
    levels = np.array(levels if levels is not None else [3] * n, dtype=np.int8)
    return builder.build(
        levels, [f"c{i}" for i in range(n)], [f"n{i}" if i % 2 else None for i in range(n)]
    )


def _pairs(packed, xs, ys):
    points, areas = packed.containing(xs, ys)
    return set(zip(points.tolist(), areas.tolist(), strict=True))


def test_random_polygons_with_holes_agree_with_shapely(tmp_path):
    rng = np.random.default_rng(3)
    polygons = []
    for _ in range(60):
        cx, cy = rng.uniform(112.0, 113.0), rng.uniform(27.0, 28.0)
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 40)))
        radii = rng.uniform(0.005, 0.05, len(angles))
        shell = np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
        hole = box(cx - 0.002, cy - 0.002, cx + 0.002, cy + 0.002).exterior.coords
        polygon = shapely.make_valid(Polygon(shell, [hole]))
        polygons.extend(shapely.get_parts(polygon).tolist())
    polygons = [p for p in polygons if p.geom_type == "Polygon"]
    packed = _packed(polygons)
    xs, ys = rng.uniform(111.95, 113.05, 20_000), rng.uniform(26.95, 28.05, 20_000)
    expected = set()
    for k, polygon in enumerate(polygons):
        inside = np.flatnonzero(shapely.contains_xy(polygon, xs, ys))
        expected |= {(int(p), k) for p in inside}
    assert len(expected) > 1_000  # the sample does reach inside the polygons
    assert _pairs(packed, xs, ys) == expected
    # Mapped from its files, as the workers load it, the index answers the same.
    packed.save(str(tmp_path / "index"))
    mapped = type(packed).load(str(tmp_path / "index"))
    assert isinstance(mapped.xy.base, np.memmap)
    assert isinstance(mapped.cells.parts.base, np.memmap)
    assert _pairs(mapped, xs, ys) == expected
    assert mapped.lookup(xs[:500], ys[:500]) == packed.lookup(xs[:500], ys[:500])


def test_a_single_point_answers_as_a_batch_does():
    """``lookup`` of one point takes its own path (fewer numpy calls): the same areas, in the
    same order, as the batch path gives that point, holes, shared edges and misses included."""
    rng = np.random.default_rng(5)
    polygons = []
    for _ in range(40):
        cx, cy = rng.uniform(112.0, 112.5), rng.uniform(27.0, 27.5)
        angles = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 30)))
        radii = rng.uniform(0.01, 0.08, len(angles))
        shell = np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
        hole = box(cx - 0.004, cy - 0.004, cx + 0.004, cy + 0.004).exterior.coords
        polygons.extend(shapely.get_parts(shapely.make_valid(Polygon(shell, [hole]))).tolist())
    polygons = [p for p in polygons if p.geom_type == "Polygon"]
    polygons += [box(112.0, 27.0, 112.25, 27.25), box(112.25, 27.0, 112.5, 27.25)]  # shared edge
    packed = _packed(polygons, levels=[k % 4 for k in range(len(polygons))])
    xs = np.concatenate([rng.uniform(111.9, 112.6, 3_000), [112.25, 112.25, 200.0]])
    ys = np.concatenate([rng.uniform(26.9, 27.6, 3_000), [27.1, 27.25, 27.1]])
    hits = 0
    for k, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
        _points, areas = packed.containing(xs[k : k + 1], ys[k : k + 1])
        one = packed.lookup(np.array([x]), np.array([y]))
        assert [code for _p, _level, code, _name in one] == [f"c{a}" for a in areas.tolist()]
        hits += len(one)
    assert hits > 1_000  # the sample does reach inside, often in several levels at once
    empty = PackedBuilder().build(np.zeros(0, dtype=np.int8), [], [])
    assert empty.lookup(np.array([1.0]), np.array([1.0])) == []


def test_a_point_in_a_hole_is_outside_and_names_come_back():
    ring = box(0, 0, 10, 10)
    holed = Polygon(ring.exterior.coords, [box(4, 4, 6, 6).exterior.coords])
    packed = _packed([holed, box(4, 4, 6, 6)], levels=[0, 1])
    assert packed.lookup(np.array([5.0, 1.0, 50.0]), np.array([5.0, 1.0, 50.0])) == [
        (0, "township", "c1", "n1"),
        (1, "county", "c0", None),
    ]


def test_a_shared_edge_belongs_to_one_side_only():
    left, right = box(0, 0, 1, 1), box(1, 0, 2, 1)
    packed = _packed([left, right])
    points, _areas = packed.containing(np.array([1.0, 0.5]), np.array([0.5, 0.5]))
    assert sorted(points.tolist()) == [0, 1]  # each point once: no double answer on the edge


def test_an_empty_layer_answers_nothing():
    packed = PackedBuilder().build(np.zeros(0, dtype=np.int8), [], [])
    assert packed.lookup(np.array([1.0]), np.array([1.0])) == []


def test_the_packed_form_is_small():
    cells = [
        box(x, y, x + 0.01, y + 0.01) for x in np.arange(0, 1, 0.01) for y in np.arange(0, 1, 0.01)
    ]
    packed = _packed(cells, chunk=2_000)
    # 10,000 squares: 5 vertices + a separator each, bounds, the cell lists, the codes.
    assert packed.nbytes < 10_000 * 160


@pytest.mark.parametrize("mmap", [True, False])
def test_the_arrays_survive_a_file(tmp_path, mmap):
    packed = _packed([box(0, 0, 1, 1), box(1, 0, 2, 1)], levels=[2, 3])
    packed.save(str(tmp_path / "index"))
    assert sorted(os.listdir(tmp_path / "index"))[:3] == [
        "area.npy",
        "bounds.npy",
        "cell_parts.npy",
    ]
    loaded = type(packed).load(str(tmp_path / "index"), mmap=mmap)
    assert isinstance(loaded.xy.base, np.memmap) == mmap
    xs, ys = np.array([0.5, 1.5, 3.0]), np.array([0.5, 0.5, 0.5])
    assert (
        loaded.lookup(xs, ys)
        == packed.lookup(xs, ys)
        == [
            (0, "village", "c0", None),
            (1, "grid", "c1", "n1"),
        ]
    )


def test_an_empty_index_survives_a_file(tmp_path):
    packed = PackedBuilder().build(np.zeros(0, dtype=np.int8), [], [])
    packed.save(str(tmp_path / "index"))
    loaded = type(packed).load(str(tmp_path / "index"))
    assert loaded.cells is None
    assert loaded.lookup(np.array([1.0]), np.array([1.0])) == []
