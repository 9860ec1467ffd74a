"""Uploads through the API: the real counties file, repair, publish, overlaps and gaps, scopes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point, box, shape

from gridsvc.boundaries.features import SPECIALIST_SKIPPED
from gridsvc.boundaries.models import Area, BoundaryUpload, Generation
from gridsvc.geo.validate import Cell, validate_layer
from tests.boundaries.conftest import (
    TOWNSHIPS,
    VILLAGES,
    feature,
    geojson_bytes,
    published,
    upload_request,
)
from tests.conftest import bearer
from tests.test_app import assert_problem

COUNTIES = Path(__file__).resolve().parents[2] / "geodata" / "xiangtan_counties.geojson"


@pytest.fixture
def gis_admin(make_user):
    return bearer(make_user(role="admin", township_code=None, county_code=None))


def upload_counties(client, headers, **form):
    response = upload_request(
        client, headers, COUNTIES.read_bytes(), "xiangtan.geojson", level="county", **form
    )
    assert response.status_code == 202, response.get_json()
    return client.get(response.headers["Location"], headers=headers).get_json()


def test_counties_as_is_report_self_intersections_by_code(client, gis_admin):
    upload = upload_counties(client, gis_admin)
    assert upload["status"] == "invalid"
    assert upload["progress"] == 1.0
    invalid = {
        f["feature"] for f in upload["report"]["findings"] if f["code"] == "geometry.invalid"
    }
    assert {"430302", "430321"} <= invalid
    finding = next(f for f in upload["report"]["findings"] if f["feature"] == "430302")
    assert "intersection" in finding["detail"].lower()
    assert finding["location"]["type"] == "Point"
    publish = client.post(
        f"/api/v1/boundary-uploads/{upload['id']}/publish", json={}, headers=gis_admin
    )
    assert_problem(publish, 409, "upload.has_errors")


def test_counties_with_repair_validate_publish_and_locate(client, gis_admin):
    upload = upload_counties(client, gis_admin, repair="true")
    assert upload["status"] == "validated", upload["report"]["findings"][:5]
    repaired = {
        f["feature"] for f in upload["report"]["findings"] if f["code"] == "geometry.repaired"
    }
    assert {"430302", "430321"} <= repaired
    url = f"/api/v1/boundary-uploads/{upload['id']}/publish"
    response = client.post(url, json={"description": "湘潭市县界"}, headers=gis_admin)
    assert response.get_json()["status"] == "queued"  # as committed, before its job ran
    generation = published(client, gis_admin, response)
    assert generation["status"] == "published"
    assert generation["number"] >= 1
    assert generation["description"] == "湘潭市县界"
    again = client.post(url, json={}, headers=gis_admin)  # a retried publish: the same job
    assert again.status_code == 202
    assert again.headers["Location"] == response.headers["Location"]
    assert (again.get_json()["status"], again.get_json()["attempts"]) == ("done", 1)
    located = client.get("/api/v1/locate?lon=112.86&lat=27.93", headers=gis_admin).get_json()
    assert located["county"] == {"code": "430302", "name": "雨湖区"}
    assert located["generation"] == generation["number"]
    status = client.get(f"/api/v1/boundary-uploads/{upload['id']}", headers=gis_admin).get_json()
    assert status["status"] == "published"


def test_overlap_and_gap_are_reported_with_areas_and_locations(client, gis_admin, publish):
    publish("county", [feature(box(112.80, 27.85, 112.90, 27.95), code="430302", name="雨湖区")])
    publish("township", [feature(g, code=c, name=c) for c, g in TOWNSHIPS.items()])
    west = TOWNSHIPS["430302001"]
    villages = [
        # 0.01° overlap strip between the two villages, and a 0.005°×0.005° hole at the top.
        feature(box(112.80, 27.85, 112.83, 27.95), code="430302001001", name="甲村"),
        feature(box(112.82, 27.85, 112.85, 27.945), code="430302001002", name="乙村"),
    ]
    # the hole: top strip of 乙村's column missing between x 112.83..112.85, y 27.945..27.95
    response = upload_request(
        client, gis_admin, geojson_bytes(villages), "villages.geojson", level="village"
    )
    upload = client.get(response.headers["Location"], headers=gis_admin).get_json()
    assert upload["status"] == "invalid"
    findings = upload["report"]["findings"]
    overlap = next(f for f in findings if f["code"] == "coverage.overlap")
    assert set([overlap["feature"], *overlap["related"]]) == {"430302001001", "430302001002"}
    # 0.01° × 0.095° at 27.9°N ≈ 984 m × 10,522 m
    assert overlap["area_m2"] == pytest.approx(0.01 * 98_400 * 0.095 * 110_760, rel=0.03)
    assert (
        shape(overlap["location"]).representative_point().within(box(112.82, 27.85, 112.83, 27.95))
    )
    gap = next(f for f in findings if f["code"] in ("coverage.gap", "coverage.sliver_gap"))
    assert gap["code"] == "coverage.gap"
    assert gap["area_m2"] == pytest.approx(0.02 * 98_400 * 0.005 * 110_760, rel=0.03)
    assert shape(gap["location"]).representative_point().within(box(112.83, 27.945, 112.85, 27.95))
    assert west.contains(shape(gap["location"]).representative_point())


def test_cell_outside_parent_and_unknown_parent(client, gis_admin, publish):
    publish("county", [feature(box(112.80, 27.85, 112.90, 27.95), code="430302", name="雨湖区")])
    townships = [
        feature(box(112.80, 27.85, 112.92, 27.95), code="430302001", name="越界"),  # 0.02° outside
        feature(box(112.70, 27.85, 112.75, 27.95), code="430399001", name="无上级"),
    ]
    response = upload_request(
        client, gis_admin, geojson_bytes(townships), "t.geojson", level="township"
    )
    report = client.get(response.headers["Location"], headers=gis_admin).get_json()["report"]
    codes = {(f["code"], f["feature"]) for f in report["findings"]}
    assert ("cell.outside_parent", "430302001") in codes
    assert ("parent.unknown", "430399001") in codes


def test_duplicate_and_malformed_codes(client, gis_admin, publish):
    publish("county", [feature(box(112.80, 27.85, 112.90, 27.95), code="430302", name="雨湖区")])
    townships = [
        feature(TOWNSHIPS["430302001"], code="430302001", name="a"),
        feature(TOWNSHIPS["430302002"], code="430302001", name="b"),
        feature(box(112.80, 27.85, 112.81, 27.86), code="43030X", name="c"),
    ]
    response = upload_request(
        client, gis_admin, geojson_bytes(townships), "t.geojson", level="township"
    )
    report = client.get(response.headers["Location"], headers=gis_admin).get_json()["report"]
    found = {f["code"] for f in report["findings"]}
    assert {"code.duplicate", "code.malformed"} <= found


def test_specialist_layer_summary_counts_the_findings_it_keeps(client, gis_admin):
    # A 综治 layer numbers its cells its own way (ZZ-001), so the unified layer's code checks
    # fire on every cell and are dropped from the report; the summary must count what is left.
    # Two 27 km² strips (size warnings), one with too few households, and a point feature
    # (skipped, reported as an info note).
    cells = [
        feature(box(112.80, 27.85, 112.8249, 27.95), code="ZZ-001", name="综治1号网格"),
        feature(box(112.8249, 27.85, 112.85, 27.95), code="ZZ-002", households=100),
        feature(Point(112.81, 27.90), code="ZZ-900", name="a point"),
    ]
    raw = validate_layer(
        [
            Cell(i, f["properties"]["code"], geometry=shape(f["geometry"]))
            for i, f in enumerate(cells[:2])
        ],
        level="grid",
    )
    assert raw.summary["by_code"]["code.malformed"] == 2  # what the specialist report drops

    response = upload_request(
        client, gis_admin, geojson_bytes(cells), "zongzhi.geojson", level="grid", layer="zongzhi"
    )
    upload = client.get(response.headers["Location"], headers=gis_admin).get_json()
    assert upload["status"] == "validated", upload["report"]["findings"]
    report = upload["report"]
    findings, summary = report["findings"], report["summary"]
    assert not {f["code"] for f in findings} & SPECIALIST_SKIPPED
    severities = Counter(f["severity"] for f in findings)
    assert severities == {"warning": 3, "info": 1}
    assert summary["by_severity"] == {"error": 0, "warning": 3, "info": 1}
    assert summary["errors"] == summary["by_severity"]["error"] == severities["error"]
    assert summary["warnings"] == summary["by_severity"]["warning"] == severities["warning"]
    assert sum(summary["by_severity"].values()) == len(findings)
    assert summary["by_code"] == dict(Counter(f["code"] for f in findings))
    assert summary["by_code"] == {
        "grid.size_area": 2,
        "grid.size_households": 1,
        "upload.features_skipped": 1,
    }

    url = f"/api/v1/boundary-uploads/{upload['id']}/publish"
    generation = published(client, gis_admin, client.post(url, json={}, headers=gis_admin))
    assert generation["status"] == "published"
    assert generation["summary"] == summary


def test_upload_needs_an_editor_role(client, make_user):
    worker = bearer(make_user(role="grid_worker"))
    response = upload_request(client, worker, b"{}", "x.geojson", level="county")
    assert_problem(response, 403, "auth.role_forbidden")


def test_upload_validation_errors(client, gis_admin):
    response = upload_request(client, gis_admin, b"{}", "x.geojson", level="province")
    body = assert_problem(response, 422, "request.validation_failed")
    assert "level" in body["errors"]
    missing = client.post(
        "/api/v1/boundary-uploads",
        data={"level": "county"},
        headers=gis_admin,
        content_type="multipart/form-data",
    )
    assert "file" in assert_problem(missing, 422, "request.validation_failed")["errors"]
    layer = upload_request(client, gis_admin, b"{}", "x.geojson", level="village", layer="zongzhi")
    assert_problem(layer, 422, "upload.layer_not_allowed")


def test_other_countys_upload_is_404(client, make_user, gis_admin):
    upload = upload_counties(client, gis_admin, repair="true")
    other = bearer(make_user(role="gis_staff", township_code=None, county_code="430321"))
    response = client.get(f"/api/v1/boundary-uploads/{upload['id']}", headers=other)
    assert_problem(response, 404, "upload.not_found")


def test_county_staff_cannot_change_another_county(client, make_user, publish):
    publish("county", [feature(box(112.80, 27.85, 112.90, 27.95), code="430302", name="雨湖区")])
    staff = bearer(make_user(role="gis_staff", township_code=None, county_code="430321"))
    townships = [feature(TOWNSHIPS["430302001"], code="430302001", name="a")]
    response = upload_request(
        client, staff, geojson_bytes(townships), "t.geojson", level="township"
    )
    report = client.get(response.headers["Location"], headers=staff).get_json()["report"]
    assert any(f["code"] == "scope.outside" for f in report["findings"])
    assert report["ok"] is False


def test_failure_mid_processing_leaves_nothing_behind(client, gis_admin, monkeypatch, db_session):
    from gridsvc.boundaries import store

    def crash(*_args, **_kwargs):
        raise RuntimeError("worker lost its database connection")

    monkeypatch.setattr(store, "write_features", crash)
    upload = upload_counties(client, gis_admin, repair="true")
    assert upload["status"] == "failed"
    assert upload["error"]["code"] == "upload.processing_error"
    assert db_session.query(Area).count() == 0


def test_a_failure_after_the_draft_was_written_drops_only_the_draft(
    client, gis_admin, monkeypatch, db_session
):
    from gridsvc.boundaries import store

    write = store.write_features

    def write_then_crash(generation_id, features):
        write(generation_id, features)
        raise RuntimeError("worker lost its database connection")

    # The draft's rows reach the database before the crash: the savepoint must take them back
    # while the upload row (now failed) stays, in the same transaction.
    monkeypatch.setattr(store, "write_features", write_then_crash)
    upload = upload_counties(client, gis_admin, repair="true")
    assert upload["status"] == "failed"
    assert upload["error"]["code"] == "upload.processing_error"
    assert db_session.query(Area).count() == 0
    assert db_session.query(Generation).count() == 0


def test_progress_is_reported_outside_the_savepoint(db_session):
    """The task passes a commit as ``progress``: a commit inside the draft's savepoint would end
    the transaction under it, so every call must come before the savepoint opens."""
    from gridsvc.boundaries import uploads
    from tests.boundaries.conftest import GLOBAL

    with open(COUNTIES, "rb") as stream:
        upload = uploads.create_upload(
            GLOBAL, stream, "xiangtan.geojson", {"level": "county", "repair": True}
        )
    seen = []

    def progress():
        nested = db_session().in_nested_transaction()
        seen.append((upload.status, upload.attempts, upload.progress, nested))

    uploads.process(str(upload.id), GLOBAL, progress=progress)
    assert seen == [("processing", 1, 0.05, False), ("processing", 1, 0.35, False)]
    assert upload.status == "validated"
    uploads.remove_file(upload)


def test_redelivered_task_processes_once(client, gis_admin, db_session):
    from gridsvc.boundaries.uploads import process

    upload = upload_counties(client, gis_admin, repair="true")
    row = db_session.get(BoundaryUpload, __import__("uuid").UUID(upload["id"]))
    # A second delivery of the same task (the broker redelivers after a lost ack): no second draft.
    process(upload["id"])
    assert row.status == "validated"
    assert db_session.query(Area).filter_by(generation_id=row.generation_id).count() == 5


def test_stuck_upload_fails_after_max_attempts(client, gis_admin, db_session):
    from gridsvc.boundaries.uploads import MAX_ATTEMPTS, process

    upload = upload_counties(client, gis_admin, repair="true")
    row = db_session.get(BoundaryUpload, __import__("uuid").UUID(upload["id"]))
    row.status, row.attempts, row.generation_id = "processing", MAX_ATTEMPTS, None
    db_session.flush()
    process(upload["id"])
    assert row.status == "failed"
    assert row.error["code"] == "upload.too_many_attempts"


def test_upload_list_is_scoped_and_paged(client, gis_admin):
    upload_counties(client, gis_admin)
    upload_counties(client, gis_admin, repair="true")
    page = client.get("/api/v1/boundary-uploads?limit=1", headers=gis_admin).get_json()
    assert len(page["items"]) == 1
    assert page["next_cursor"]
    rest = client.get(
        f"/api/v1/boundary-uploads?limit=5&cursor={page['next_cursor']}", headers=gis_admin
    ).get_json()
    assert len(rest["items"]) == 1
    assert rest["items"][0]["id"] != page["items"][0]["id"]


def test_villages_fixture_is_consistent():
    # Guard for the fixtures other tests rely on: villages tile their townships exactly.
    from shapely import union_all

    for code, township in TOWNSHIPS.items():
        parts = [g for c, g in VILLAGES.items() if c.startswith(code)]
        assert union_all(parts).equals(township)


def test_sweep_requeues_uploads_a_lost_worker_left_behind(client, gis_admin, db_session):
    from datetime import UTC, datetime, timedelta

    from gridsvc.boundaries.tasks import requeue_stale_uploads
    from gridsvc.boundaries.uploads import MAX_ATTEMPTS

    first = upload_counties(client, gis_admin, repair="true")
    second = upload_counties(client, gis_admin, repair="true")
    lost = db_session.get(BoundaryUpload, __import__("uuid").UUID(first["id"]))
    hopeless = db_session.get(BoundaryUpload, __import__("uuid").UUID(second["id"]))
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    # A worker died mid-way (its draft rolled back) and the broker lost the message.
    lost.status, lost.generation_id, lost.attempts = "processing", None, 1
    hopeless.status, hopeless.generation_id, hopeless.attempts = "processing", None, MAX_ATTEMPTS
    db_session.flush()
    db_session.execute(BoundaryUpload.__table__.update().values(updated_at=long_ago))
    assert requeue_stale_uploads.apply().get() == 1
    db_session.refresh(lost)
    db_session.refresh(hopeless)
    assert lost.status == "validated"  # processed again (tasks run eagerly in tests)
    assert hopeless.status == "failed"
    assert hopeless.error["code"] == "upload.too_many_attempts"
