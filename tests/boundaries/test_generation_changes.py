"""What a generation changes (GET /generations/{id}/changes): added, removed and changed areas,
each side a Feature, for published generations and for drafts before they are published."""

from __future__ import annotations

import pytest
from shapely.geometry import shape
from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.boundaries import import_local_file
from gridsvc.extensions import db
from tests.boundaries.conftest import VILLAGES, feature, grids_of, write_geojson
from tests.conftest import bearer
from tests.test_app import assert_problem


@pytest.fixture
def reader(make_user):
    return bearer(make_user(role="grid_worker", township_code="430302001"))


def new_grids() -> list[dict]:
    """Village 001001 in three strips (two reshaped, one added); village 002001 in one (one
    reshaped, one removed); village 002002 as before but its first grid renamed."""
    renamed = grids_of("430302002002")
    renamed[0]["properties"]["name"] = "滨江网格"
    whole = feature(VILLAGES["430302002001"], code="430302002001001", name="第1网格")
    return [*grids_of("430302001001", n=3), whole, *renamed]


def changes_of(client, headers, generation_id: int, query: str = "") -> list[dict]:
    """Every feature of every page."""
    found, cursor = [], None
    for _ in range(20):
        url = f"/api/v1/generations/{generation_id}/changes?{query}"
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        found += body["features"]
        cursor = body["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("paging did not end")


def summary(features: list[dict]) -> set[tuple]:
    return {
        (
            f["properties"]["code"],
            f["properties"]["change"],
            f["properties"]["side"],
            tuple(f["properties"]["changed"]),
        )
        for f in features
    }


EXPECTED = {
    ("430302001001001", "changed", "before", ("geometry",)),
    ("430302001001001", "changed", "after", ("geometry",)),
    ("430302001001002", "changed", "before", ("geometry",)),
    ("430302001001002", "changed", "after", ("geometry",)),
    ("430302001001003", "added", "after", ()),
    ("430302002001001", "changed", "before", ("geometry",)),
    ("430302002001001", "changed", "after", ("geometry",)),
    ("430302002001002", "removed", "before", ()),
    ("430302002002001", "changed", "before", ("name",)),
    ("430302002002001", "changed", "after", ("name",)),
}


def test_a_published_generation_lists_what_it_added_removed_and_changed(
    client, hierarchy, publish, make_user, reader
):
    editor = bearer(make_user(role="gis_staff", township_code=None))
    generation = publish("grid", new_grids())
    for headers in (editor, reader):
        features = changes_of(client, headers, generation.id)
        assert summary(features) == EXPECTED  # the unchanged grids (002002002, …) are absent
    by_side = {(f["properties"]["code"], f["properties"]["side"]): f for f in features}
    before = shape(by_side["430302002001001", "before"]["geometry"])
    after = shape(by_side["430302002001001", "after"]["geometry"])
    assert after.equals(VILLAGES["430302002001"])
    assert before.area < after.area
    assert by_side["430302002002001", "before"]["properties"]["name"] == "第1网格"
    assert by_side["430302002002001", "after"]["properties"]["name"] == "滨江网格"
    # the first grid generation replaced nothing: everything in it was added
    first = changes_of(client, reader, hierarchy.id)
    assert {f["properties"]["change"] for f in first} == {"added"}
    assert len(first) == 8


def test_changes_are_paged_by_code_and_can_leave_out_geometry(client, hierarchy, publish, reader):
    generation = publish("grid", new_grids())
    pages, cursor, seen = 0, None, []
    while True:
        query = "limit=2&geometry=false" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(
            f"/api/v1/generations/{generation.id}/changes?{query}", headers=reader
        ).get_json()
        pages += 1
        seen += [f["properties"]["code"] for f in body["features"]]
        assert all(f["geometry"] is None for f in body["features"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3  # 6 codes, 2 a page: the last page knows it is the last
    assert sorted(set(seen)) == sorted({code for code, *_ in EXPECTED})
    assert len(seen) == len(EXPECTED)  # each side of a change once


def test_changes_in_gcj02_are_shifted_like_every_geojson_read(client, hierarchy, publish, reader):
    generation = publish("grid", new_grids())
    url = f"/api/v1/generations/{generation.id}/changes?limit=1"
    wgs84 = shape(client.get(url, headers=reader).get_json()["features"][0]["geometry"])
    gcj02 = shape(
        client.get(url + "&crs=GCJ02", headers=reader).get_json()["features"][0]["geometry"]
    )
    dx = gcj02.centroid.x - wgs84.centroid.x
    assert 0.001 < abs(dx) < 0.01  # GCJ-02 is offset by some hundreds of metres here


def test_a_draft_shows_what_publishing_it_would_change(client, hierarchy, tmp_path, make_user):
    gis = make_user(role="gis_staff", township_code=None)
    editor = bearer(gis)
    path = write_geojson(tmp_path / "draft.geojson", new_grids())
    _upload, _none = import_local_file(path, {"level": "grid"}, publish=False, scope=Scope.of(gis))
    db.session.flush()
    draft_id = db.session.scalar(
        text("SELECT id FROM generations WHERE status = 'draft' ORDER BY id DESC LIMIT 1")
    )
    assert summary(changes_of(client, editor, draft_id)) == EXPECTED
    # a draft is read as its upload is: by those who edit boundaries, in their county
    worker = bearer(make_user(role="grid_worker", township_code="430302001"))
    assert client.get(f"/api/v1/generations/{draft_id}/changes", headers=worker).status_code == 403
    stranger = bearer(make_user(role="gis_staff", county_code="430321", township_code=None))
    assert_problem(
        client.get(f"/api/v1/generations/{draft_id}/changes", headers=stranger),
        404,
        "generation.not_found",
    )


def test_unknown_and_other_countys_generations_are_404(
    client, hierarchy, publish, make_user, reader
):
    for missing in (999999, 2**40):
        assert_problem(
            client.get(f"/api/v1/generations/{missing}/changes", headers=reader),
            404,
            "generation.not_found",
        )
    generation = publish("grid", new_grids())
    db.session.execute(
        text("UPDATE generations SET county_code = '430321' WHERE id = :g"), {"g": generation.id}
    )
    assert_problem(
        client.get(f"/api/v1/generations/{generation.id}/changes", headers=reader),
        404,
        "generation.not_found",
    )
    # a shell-loaded generation is read through the caller's county: another county sees none
    # of 雨湖区's rows
    db.session.execute(
        text("UPDATE generations SET county_code = NULL WHERE id = :g"), {"g": generation.id}
    )
    stranger = bearer(make_user(role="grid_worker", township_code="430321001"))
    assert changes_of(client, stranger, generation.id) == []
