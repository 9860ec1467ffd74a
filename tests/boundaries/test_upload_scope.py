"""Issue 11, row 7: a township admin's boundary work stays inside its township.

The county outline and the townships are the county's; a township admin uploads its own
villages and grids. Validation runs with the uploader's real scope (it used to run county-wide
for everyone), and publishing checks the publisher's scope against every area the draft changes.
"""

from __future__ import annotations

import io

from shapely.geometry import box

from gridsvc.accounts import Scope
from gridsvc.boundaries import uploads
from gridsvc.boundaries.models import BoundaryUpload
from tests.boundaries.conftest import (
    COUNTY_BOX,
    feature,
    geojson_bytes,
    grids_of,
    published,
    upload_request,
)
from tests.conftest import bearer
from tests.test_app import assert_problem

T1, T2 = "430302001", "430302002"


def _upload(client, headers, features, level, **form):
    response = upload_request(
        client, headers, geojson_bytes(features), f"{level}.geojson", level=level, **form
    )
    return response


def test_row7_township_admin_cannot_upload_the_county_or_its_townships(
    client, make_user, hierarchy
):
    admin = bearer(make_user(role="admin", township_code=T2))
    county = _upload(
        client, admin, [feature(box(*COUNTY_BOX), code="430302", name="雨湖区")], "county"
    )
    assert_problem(county, 403, "upload.level_forbidden")
    township = _upload(
        client, admin, [feature(box(*COUNTY_BOX), code=T2, name="城正街")], "township"
    )
    assert_problem(township, 403, "upload.level_forbidden")


def test_row7_validation_uses_the_uploaders_township(client, make_user, hierarchy):
    admin = bearer(make_user(role="admin", township_code=T2))
    # Grids of both townships in one file: the other township's are outside the uploader's scope.
    features = grids_of("430302001001") + grids_of("430302002001")
    response = _upload(client, admin, features, "grid")
    assert response.status_code == 202, response.get_json()
    upload = client.get(response.headers["Location"], headers=admin).get_json()
    assert upload["status"] == "invalid"
    outside = {f["feature"] for f in upload["report"]["findings"] if f["code"] == "scope.outside"}
    assert outside == {f["properties"]["code"] for f in grids_of("430302001001")}
    # Its own township's grids are its to change.
    own = _upload(client, admin, grids_of("430302002001", n=3), "grid")
    mine = client.get(own.headers["Location"], headers=admin).get_json()
    assert mine["status"] == "validated", mine["report"]["findings"][:3]
    response = client.post(f"/api/v1/boundary-uploads/{mine['id']}/publish", json={}, headers=admin)
    assert published(client, admin, response)["status"] == "published"


def test_row7_uploads_are_seen_by_their_township_and_county_only(client, make_user, hierarchy):
    t2_admin = bearer(make_user(role="admin", township_code=T2))
    t1_admin = bearer(make_user(role="admin", township_code=T1))
    county_gis = bearer(make_user(role="gis_staff", township_code=None, county_code="430302"))
    mine = _upload(client, t2_admin, grids_of("430302002001"), "grid").headers["Location"]
    county = _upload(client, county_gis, grids_of("430302001001"), "grid").headers["Location"]
    assert client.get(mine, headers=county_gis).status_code == 200
    assert_problem(client.get(mine, headers=t1_admin), 404, "upload.not_found")
    assert_problem(client.get(county, headers=t2_admin), 404, "upload.not_found")
    listed = client.get("/api/v1/boundary-uploads", headers=t1_admin).get_json()["items"]
    assert listed == []


def test_row7_publishing_checks_the_publishers_scope(client, make_user, hierarchy, db_session):
    """A draft validated with a wider scope (here the command line's) is still the publisher's
    to answer for: a township admin cannot publish another township's areas."""
    user = make_user(role="admin", township_code=T2)
    scope = Scope.of(user)
    features = grids_of("430302001002") + grids_of("430302002002")
    upload = uploads.create_upload(
        scope, io.BytesIO(geojson_bytes(features)), "both.geojson", {"level": "grid"}
    )
    uploads.process(str(upload.id), Scope(user_id=None, role="admin"))  # validated globally
    assert db_session.get(BoundaryUpload, upload.id).status == "validated"
    published = client.post(
        f"/api/v1/boundary-uploads/{upload.id}/publish", json={}, headers=bearer(user)
    )
    assert_problem(published, 403, "upload.out_of_scope")
    assert db_session.get(BoundaryUpload, upload.id).status == "validated"


def test_row7_a_merge_of_another_township_reads_as_missing(client, make_user, hierarchy):
    admin = bearer(make_user(role="admin", township_code=T2))
    response = client.post(
        "/api/v1/grid-merges",
        json={"townships": [T1], "layers": ["zongzhi", "chengguan"]},
        headers=admin,
    )
    assert_problem(response, 404, "area.not_found")
