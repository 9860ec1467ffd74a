"""Shared fixtures of the synthetic-data tests: the real 雨湖区 outline and unit lists, the demo
hierarchy and specialist layers built from them (once per session: the hierarchy takes seconds).

The outline and unit lists come from ``geodata/`` (see its README); everything below county level is
generated, so these tests pin the properties the boundary validator, the 多网合一 merge and the
locate service rely on.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import shapely
from shapely import MultiPolygon, Polygon

from gridsvc.synthetic import demo_hierarchy, demo_specialist_layers, polygonal, short_name

GEODATA = Path(__file__).resolve().parents[2] / "geodata"
COUNTY = "430302"
M_PER_DEG = 111_320.0
# Snap-rounding moves an edge by less than one 1e-7 grid step, so a snapped cell may poke out of
# the parent by at most ~1e-7 x its perimeter (< 0.3 degrees here).
SNAPPED_TOL = 3e-8


def wkb(geoms) -> list[bytes]:
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


@pytest.fixture(scope="session")
def yuhu_raw():
    features = json.loads((GEODATA / "xiangtan_counties.geojson").read_text("utf-8"))["features"]
    (feature,) = [f for f in features if f["properties"]["code"] == COUNTY]
    return shapely.geometry.shape(feature["geometry"])


@pytest.fixture(scope="session")
def yuhu(yuhu_raw):
    return polygonal(yuhu_raw)


@pytest.fixture(scope="session")
def units():
    with (GEODATA / "xiangtan_townships.csv").open(encoding="utf-8") as f:
        towns = [(r["code"], r["name"]) for r in csv.DictReader(f) if r["areaCode"] == COUNTY]
    villages: dict[str, list[tuple[str, str]]] = {}
    with (GEODATA / "xiangtan_villages.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["streetCode"].startswith(COUNTY):
                villages.setdefault(r["streetCode"], []).append((r["code"], r["name"]))
    return towns, villages


@pytest.fixture(scope="session")
def hierarchy(yuhu_raw, units):
    return demo_hierarchy(yuhu_raw, *units)


@pytest.fixture(scope="session")
def specialist(hierarchy):
    vs = hierarchy.villages
    return demo_specialist_layers(
        [v.polygon for v in vs],
        seed=7,
        area_names=[short_name(v.name) for v in vs],
        area_weights=[v.households for v in vs],
    )
