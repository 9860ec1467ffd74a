"""多网合一 through the API: crosswalk onto a proposed layer, and deriving a unified layer."""

from __future__ import annotations

from itertools import pairwise

import pytest
from shapely.geometry import box

from tests.boundaries.conftest import feature
from tests.conftest import bearer
from tests.test_app import assert_problem


def strips(prefix: str, x_edges: list[float], y0=27.85, y1=27.95) -> list[dict]:
    return [
        feature(box(a, y0, b, y1), code=f"{prefix}-{i + 1:03d}", name=f"{prefix}{i + 1}")
        for i, (a, b) in enumerate(pairwise(x_edges))
    ]


@pytest.fixture
def specialist_layers(hierarchy, publish):
    # Both layers cover the west township exactly but cut it in different places (x=112.8249 and
    # x=112.8301) and run its full height, so each cell straddles the two villages (split at y=27.90).
    publish("grid", strips("ZZ", [112.80, 112.8249, 112.85]), layer="zongzhi")
    publish("grid", strips("CG", [112.80, 112.8301, 112.85]), layer="chengguan")
    return hierarchy


@pytest.fixture
def editor(make_user):
    return bearer(make_user(role="gis_staff", township_code=None, county_code="430302"))


def test_crosswalk_onto_the_proposed_unified_layer(client, specialist_layers, editor):
    response = client.post(
        "/api/v1/grid-merges",
        json={
            "layers": ["zongzhi", "chengguan"],
            "townships": ["430302001"],
            "proposed_layer": "unified",
        },
        headers=editor,
    )
    assert response.status_code == 201, response.get_json()
    merge = response.get_json()
    rows = [r for r in merge["crosswalk"] if r["layer"] == "zongzhi" and r["code"] == "ZZ-001"]
    assert len(rows) == 1
    row = rows[0]
    # ZZ-001 spans both villages of the township (it runs the full height): it straddles them.
    assert {v["code"] for v in row["straddles_villages"]} == {"430302001001", "430302001002"}
    total = sum(part["share_of_specialist"] for part in row["unified"])
    assert total == pytest.approx(1.0, abs=1e-3)
    assert merge["generation_id"] is None
    publish = client.post(f"/api/v1/grid-merges/{merge['id']}/publish", json={}, headers=editor)
    assert_problem(publish, 409, "merge.nothing_to_publish")


def test_derived_unified_layer_is_staged_and_publishable(client, specialist_layers, editor):
    response = client.post(
        "/api/v1/grid-merges",
        json={
            "layers": ["zongzhi", "chengguan"],
            "townships": ["430302001"],
            "sliver_max_m2": 5000,
        },
        headers=editor,
    )
    merge = response.get_json()
    assert response.status_code == 201, merge
    assert merge["report"]["ok"] is True, merge["report"]["findings"][:5]
    assert merge["generation_id"] is not None
    published = client.post(f"/api/v1/grid-merges/{merge['id']}/publish", json={}, headers=editor)
    assert published.status_code == 200
    grids = client.get("/api/v1/grids?township=430302001", headers=editor).get_json()["features"]
    codes = [f["id"] for f in grids]
    assert all(len(c) == 15 for c in codes)
    assert len(codes) == len(set(codes))
    # The east township was not part of the merge: its grids are untouched.
    east = client.get("/api/v1/grids?township=430302002", headers=editor).get_json()["features"]
    assert len(east) == 4


def test_merge_input_errors(client, specialist_layers, editor, make_user):
    one = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi"], "townships": ["430302001"]},
        headers=editor,
    )
    assert_problem(one, 422, "request.validation_failed")
    empty = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "yingji"], "townships": ["430302001"]},
        headers=editor,
    )
    assert_problem(empty, 422, "merge.layer_empty")
    other = bearer(make_user(role="gis_staff", township_code=None, county_code="430321"))
    outside = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "chengguan"], "townships": ["430302001"]},
        headers=other,
    )
    assert_problem(outside, 404, "area.not_found")
