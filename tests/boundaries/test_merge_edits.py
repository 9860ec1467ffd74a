"""多网合一 round trip: download a merge's draft, fix it (as in QGIS), upload it back as that draft."""

from __future__ import annotations

import io
import json
import uuid
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from shapely.geometry import box, mapping, shape

from gridsvc.accounts import Scope
from gridsvc.boundaries import merges, uploads
from gridsvc.boundaries.models import BoundaryUpload, GridMerge
from gridsvc.extensions import db
from tests.boundaries.conftest import VILLAGES, feature, merged, published
from tests.conftest import bearer
from tests.test_app import assert_problem

WEST = "430302001"


def strips(prefix: str, x_edges: list[float], y0=27.85, y1=27.95) -> list[dict]:
    return [
        feature(box(a, y0, b, y1), code=f"{prefix}-{i + 1:03d}", name=f"{prefix}{i + 1}")
        for i, (a, b) in enumerate(pairwise(x_edges))
    ]


@pytest.fixture
def editor(make_user):
    return bearer(make_user(role="gis_staff", township_code=None, county_code="430302"))


@pytest.fixture
def merge(client, hierarchy, publish, editor):
    """A derived merge of the west township, done, with its draft staged."""
    publish("grid", strips("ZZ", [112.80, 112.8249, 112.85]), layer="zongzhi")
    publish("grid", strips("CG", [112.80, 112.8301, 112.85]), layer="chengguan")
    response = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "chengguan"], "townships": [WEST], "sliver_max_m2": 5000},
        headers=editor,
    )
    body = merged(client, editor, response)
    assert body["generation_id"] is not None, body["report"]["findings"][:5]
    return body


def download(client, headers, merge_id, tmp_path: Path, fmt="gpkg") -> Path:
    response = client.get(f"/api/v1/grid-merges/{merge_id}/download?format={fmt}", headers=headers)
    assert response.status_code == 200, response.get_json()
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"draft.{fmt}"
    path.write_bytes(response.data)
    return path


def read_layer(path: Path) -> tuple[dict, list[str], list]:
    """(geometries by code, field names, field columns) of a downloaded file."""
    _meta, _fids, geometry, columns = pyogrio.raw.read(str(path))
    names = list(pyogrio.read_info(str(path))["fields"])
    codes = [str(c) for c in columns[names.index("code")]]
    return dict(zip(codes, shapely.from_wkb(geometry), strict=True)), names, columns


def neighbours(geoms: dict) -> tuple[str, str]:
    """Two grids of one village sharing an edge (the one GIS staff move along a street)."""
    for a, b in pairwise(sorted(geoms)):
        if a[:12] == b[:12] and geoms[a].intersection(geoms[b]).length > 0.005:
            return a, b
    raise AssertionError(f"no two neighbouring grids in {sorted(geoms)}")


def moved_edge(geoms: dict, a: str, b: str, width=0.002) -> dict:
    """``a`` takes a strip of ``b`` along their shared edge: coverage stays whole."""
    piece = geoms[b].intersection(geoms[a].buffer(width))
    out = dict(geoms)
    out[a] = shapely.union(geoms[a], piece).buffer(0)
    out[b] = shapely.difference(geoms[b], piece).buffer(0)
    return out


def write_gpkg(path: Path, geoms: dict, names: list[str], columns: list) -> Path:
    """The downloaded file with its geometries replaced, written by GDAL as QGIS would."""
    codes = [str(c) for c in columns[names.index("code")]]
    pyogrio.raw.write(
        str(path),
        np.array(
            [
                shapely.to_wkb(
                    shapely.multipolygons([geoms[c]])
                    if geoms[c].geom_type == "Polygon"
                    else geoms[c]
                )
                for c in codes
            ],
            dtype=object,
        ),
        columns,
        names,
        layer="unified",
        driver="GPKG",
        geometry_type="MultiPolygon",
        crs="EPSG:4490",
    )
    return path


def post_edit(client, headers, merge_id, content: bytes, filename: str, **form):
    data = {k: str(v) for k, v in form.items()}
    data["file"] = (io.BytesIO(content), filename)
    return client.post(
        f"/api/v1/grid-merges/{merge_id}/edits",
        data=data,
        headers=headers,
        content_type="multipart/form-data",
    )


def upload_of(client, headers, response) -> dict:
    assert response.status_code == 202, response.get_json()
    page = client.get(response.headers["Location"], headers=headers)
    assert page.status_code == 200
    return page.get_json()


def draft_geoms(client, headers, merge_id, tmp_path) -> dict:
    return read_layer(download(client, headers, merge_id, tmp_path / "again", "geojson"))[0]


def shares(crosswalk: list[dict], layer: str, code: str) -> dict[str, float]:
    row = next(r for r in crosswalk if r["layer"] == layer and r["code"] == code)
    return {p["code"]: p["share_of_specialist"] for p in row["unified"]}


def test_round_trip_moves_an_edge_recomputes_the_crosswalk_and_publishes(
    client, merge, editor, tmp_path
):
    path = download(client, editor, merge["id"], tmp_path)
    geoms, names, columns = read_layer(path)
    draft = client.get(f"/api/v1/generations/{merge['generation_id']}/changes", headers=editor)
    assert draft.status_code == 200
    assert set(geoms) == {r["code"] for r in merge["report"]["grids"]}
    a, b = neighbours(geoms)
    edited = moved_edge(geoms, a, b)
    gpkg = write_gpkg(tmp_path / "edited.gpkg", edited, names, columns)

    upload = upload_of(
        client,
        editor,
        post_edit(client, editor, merge["id"], gpkg.read_bytes(), "网格草稿-修改.gpkg"),
    )
    assert upload["status"] == "validated", upload["report"]["findings"][:5]
    assert upload["generation_id"] is None  # staged into the merge's draft, not one of its own
    assert upload["report"]["source"]["driver"] == "GPKG"

    page = client.get(f"/api/v1/grid-merges/{merge['id']}", headers=editor).get_json()
    assert page["generation_id"] == merge["generation_id"]
    [edit] = page["edits"]
    assert edit["upload_id"] == upload["id"]
    assert edit["filename"] == "网格草稿-修改.gpkg"
    assert edit["status"] == "validated"
    assert edit["created_by_username"]
    assert edit["summary"]["errors"] == 0
    assert page["report"]["edited"]["upload_id"] == upload["id"]
    # The draft's validation is now the edit's (what publishing records); the derivation's kept.
    assert page["report"]["summary"] == upload["report"]["summary"]
    assert page["report"]["derived"]["summary"] == merge["report"]["summary"]

    # The draft is the edited layer: the moved edge is there.
    now = draft_geoms(client, editor, merge["id"], tmp_path)
    assert now[a].area == pytest.approx(edited[a].area, rel=1e-3)
    assert now[a].area > geoms[a].area * 1.01
    # The crosswalk is recomputed against it, by area shares, as against a proposed layer.
    for layer, prefix, cut in (("zongzhi", "ZZ", 112.8249), ("chengguan", "CG", 112.8301)):
        halves = (box(112.80, 27.85, cut, 27.95), box(cut, 27.85, 112.85, 27.95))
        for n, cell in enumerate(halves, start=1):
            got = shares(page["crosswalk"], layer, f"{prefix}-{n:03d}")
            assert sum(got.values()) == pytest.approx(1.0, abs=1e-3)
            # Every grid the cell meets, and each share as the edited geometry gives it.
            assert set(got) == {g for g in now if now[g].intersection(cell).area > 1e-9}
            for grid, share in got.items():
                expected = now[grid].intersection(cell).area / cell.area
                assert share == pytest.approx(expected, abs=2e-3), (prefix, n, grid)
    assert page["crosswalk"] != merge["crosswalk"]
    # The XLSX's grid side follows the edited grids.
    assert {g["code"] for g in page["report"]["grids"]} == set(now)

    # What the edited draft would change against the current layer.
    changes = client.get(
        f"/api/v1/generations/{merge['generation_id']}/changes", headers=editor
    ).get_json()
    changed = {f["properties"]["code"] for f in changes["features"]}
    assert {a, b} <= changed

    response = client.post(f"/api/v1/grid-merges/{merge['id']}/publish", json={}, headers=editor)
    generation = published(client, editor, response)
    assert generation["id"] == merge["generation_id"]
    grid = client.get(f"/api/v1/grids/{a}", headers=editor).get_json()
    assert shape(grid["geometry"]).area == pytest.approx(edited[a].area, rel=1e-3)

    # A published draft is not edited any more; it is still downloadable.
    again = post_edit(client, editor, merge["id"], gpkg.read_bytes(), "again.gpkg")
    assert_problem(again, 409, "merge.already_published")
    assert download(client, editor, merge["id"], tmp_path / "pub").stat().st_size > 0


def test_an_overlapping_edit_keeps_the_previous_draft(client, merge, editor, tmp_path):
    geoms = read_layer(download(client, editor, merge["id"], tmp_path, "geojson"))[0]
    a, b = neighbours(geoms)
    overlapping = dict(geoms)
    overlapping[a] = shapely.union(geoms[a], geoms[b].intersection(geoms[a].buffer(0.002)))
    body = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c}, "geometry": mapping(g)}
            for c, g in overlapping.items()
        ],
    }
    upload = upload_of(
        client,
        editor,
        post_edit(client, editor, merge["id"], json.dumps(body).encode(), "edit.geojson"),
    )
    assert upload["status"] == "invalid"
    assert any("overlap" in f["code"] for f in upload["report"]["findings"]), upload["report"]
    findings = client.get(f"/api/v1/boundary-uploads/{upload['id']}/findings", headers=editor)
    assert findings.status_code == 200
    assert findings.get_json()["features"]

    page = client.get(f"/api/v1/grid-merges/{merge['id']}", headers=editor).get_json()
    assert page["edits"][0]["status"] == "invalid"
    assert any("overlap" in f["code"] for f in page["edits"][0]["findings"])
    assert page["crosswalk"] == merge["crosswalk"]
    assert "edited" not in page["report"]
    now = draft_geoms(client, editor, merge["id"], tmp_path)
    assert now[a].area == pytest.approx(geoms[a].area, rel=1e-6)


def test_an_edit_reaching_past_the_merged_townships_is_invalid(client, merge, editor, tmp_path):
    geoms = read_layer(download(client, editor, merge["id"], tmp_path, "geojson"))[0]
    features = [feature(g, code=c) for c, g in geoms.items()]
    east = "430302002001"
    features.append(feature(VILLAGES[east], code=f"{east}009", name="东"))
    upload = upload_of(
        client,
        editor,
        post_edit(
            client,
            editor,
            merge["id"],
            json.dumps({"type": "FeatureCollection", "features": features}).encode(),
            "edit.geojson",
        ),
    )
    assert upload["status"] == "invalid"
    outside = [
        f for f in upload["report"]["findings"] if f["code"] == "merge.edit_outside_townships"
    ]
    assert [f["feature"] for f in outside] == [f"{east}009"]
    # A Chinese reader gets the finding in Chinese, on the upload and on the merge page.
    zh = {**editor, "Accept-Language": "zh-CN"}
    upload_zh = client.get(f"/api/v1/boundary-uploads/{upload['id']}", headers=zh).get_json()
    page_zh = client.get(f"/api/v1/grid-merges/{merge['id']}", headers=zh).get_json()
    for findings in (upload_zh["report"]["findings"], page_zh["edits"][0]["findings"]):
        [mine] = [f for f in findings if f["code"] == "merge.edit_outside_townships"]
        assert mine["detail"] == f"{east}009 超出本次合并的乡镇范围。"


def test_edit_and_download_refusals(client, merge, editor, make_user, tmp_path):
    path = download(client, editor, merge["id"], tmp_path)
    content = path.read_bytes()
    # An edit's upload is published through its merge, not on its own.
    upload = upload_of(client, editor, post_edit(client, editor, merge["id"], content, "same.gpkg"))
    assert upload["status"] == "validated"
    direct = client.post(
        f"/api/v1/boundary-uploads/{upload['id']}/publish", json={}, headers=editor
    )
    assert_problem(direct, 409, "upload.merge_edit")
    # Not a boundary file: the upload pipeline's own 4xx.
    assert_problem(
        post_edit(client, editor, merge["id"], b"nope", "x.gpkg"), 415, "upload.unsupported_format"
    )
    # Out of scope reads as missing; not an editor is forbidden.
    other_county = bearer(make_user(role="gis_staff", township_code=None, county_code="430321"))
    other_town = bearer(make_user(role="gis_staff", township_code="430302002"))
    worker = bearer(make_user(role="grid_worker", township_code=WEST))
    for headers in (other_county, other_town):
        assert_problem(
            post_edit(client, headers, merge["id"], content, "e.gpkg"), 404, "merge.not_found"
        )
        refused = client.get(f"/api/v1/grid-merges/{merge['id']}/download", headers=headers)
        assert_problem(refused, 404, "merge.not_found")
    assert post_edit(client, worker, merge["id"], content, "e.gpkg").status_code == 403
    assert (
        client.get(f"/api/v1/grid-merges/{merge['id']}/download", headers=worker).status_code == 403
    )
    # The merged township's own admin edits it.
    own = bearer(make_user(role="gis_staff", township_code=WEST))
    assert (
        upload_of(client, own, post_edit(client, own, merge["id"], content, "t.gpkg"))["status"]
        == "validated"
    )


def test_a_merge_without_a_draft_has_nothing_to_edit(client, hierarchy, publish, editor, tmp_path):
    publish("grid", strips("ZZ", [112.80, 112.8249, 112.85]), layer="zongzhi")
    publish("grid", strips("CG", [112.80, 112.8301, 112.85]), layer="chengguan")
    response = client.post(
        "/api/v1/grid-merges",
        json={"layers": ["zongzhi", "chengguan"], "townships": [WEST], "proposed_layer": "unified"},
        headers=editor,
    )
    body = merged(client, editor, response)
    assert_problem(
        client.get(f"/api/v1/grid-merges/{body['id']}/download", headers=editor),
        409,
        "merge.no_draft",
    )
    edit = post_edit(client, editor, body["id"], b"{}", "e.geojson")
    assert_problem(edit, 409, "merge.no_draft")


def test_an_edit_whose_draft_was_published_meanwhile_fails_and_changes_nothing(
    client, merge, editor, tmp_path
):
    """Accepted, then the draft is published before the worker runs it: the edit fails with the
    conflict and the published layer keeps its rows."""
    geoms = read_layer(download(client, editor, merge["id"], tmp_path, "geojson"))[0]
    a, b = neighbours(geoms)
    edited = moved_edge(geoms, a, b)
    body = {
        "type": "FeatureCollection",
        "features": [feature(g, code=c) for c, g in edited.items()],
    }
    scope = Scope(user_id=None, role="gis_staff", county_code="430302")
    row = db.session.get(GridMerge, uuid.UUID(merge["id"]))
    upload = uploads.create_upload(
        scope, io.BytesIO(json.dumps(body).encode()), "late.geojson", {}, merge=row
    )
    merges.publish_merge(scope, row, None, None)
    uploads.process(str(upload.id), scope)
    upload = db.session.get(BoundaryUpload, upload.id)
    assert upload.status == "failed"
    assert upload.error["code"] == "merge.already_published"
    now = draft_geoms(client, editor, merge["id"], tmp_path)
    assert now[a].area == pytest.approx(geoms[a].area, rel=1e-6)
