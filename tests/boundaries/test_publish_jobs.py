"""Publishing as a background job: the 202 and its status page, retries, failures, the sweep."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gridsvc.accounts import Scope
from gridsvc.boundaries import import_local_file, publish_jobs, store, uploads
from gridsvc.boundaries.models import Generation, GenerationPublish
from gridsvc.boundaries.tasks import requeue_stale_publishes
from tests.boundaries.conftest import geojson_bytes, grids_of, published
from tests.conftest import bearer
from tests.test_app import assert_problem

T1, T2 = "430302001", "430302002"


@pytest.fixture
def county_gis(make_user):
    return make_user(role="gis_staff", township_code=None, county_code="430302")


def _validated(user, village="430302001001", n=3):
    """An upload of a village's grids, validated with its uploader's scope, not yet published."""
    stream = io.BytesIO(geojson_bytes(grids_of(village, n=n)))
    upload = uploads.create_upload(Scope.of(user), stream, "grids.geojson", {"level": "grid"})
    upload = uploads.process(str(upload.id))
    assert upload.status == "validated", upload.report
    return upload


def _queued(user, upload) -> GenerationPublish:
    job, created = publish_jobs.request_publish(Scope.of(user), upload, None, None)
    assert created
    assert job.status == "queued"
    return job


def test_publish_answers_202_and_the_job_page_shows_the_generation(
    client, db_session, hierarchy, county_gis
):
    upload = _validated(county_gis)
    headers = bearer(county_gis)
    url = f"/api/v1/boundary-uploads/{upload.id}/publish"
    response = client.post(url, json={"effective_from": "2026-01-01"}, headers=headers)
    generation = published(client, headers, response)
    assert generation["number"] == hierarchy.number + 1
    assert generation["effective_from"] == "2026-01-01"
    job = client.get(response.headers["Location"], headers=headers).get_json()
    assert job["upload_id"] == str(upload.id)
    assert job["merge_id"] is None
    assert job["finished_at"] >= job["started_at"]
    # The draft's grids answer lookups now: the publish committed as a whole.
    located = client.get("/api/v1/locate?lon=112.81&lat=27.86", headers=headers).get_json()
    assert located["grid"]["code"] == "430302001001001"
    assert located["generation"] == generation["number"]


def test_a_retried_post_answers_the_same_job_and_publishes_once(
    client, db_session, hierarchy, county_gis
):
    upload = _validated(county_gis)
    headers = bearer(county_gis)
    url = f"/api/v1/boundary-uploads/{upload.id}/publish"
    first = client.post(url, json={}, headers=headers)
    again = client.post(url, json={"description": "resent"}, headers=headers)
    assert again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["description"] is None  # the first request's job, as it is now
    assert db_session.scalar(select(func.count()).select_from(GenerationPublish)) == 1
    numbers = db_session.scalars(select(Generation.number).where(Generation.number.is_not(None)))
    assert max(numbers) == hierarchy.number + 1  # one publish, not two


def _insert(db_session, row) -> None:
    with db_session.begin_nested():
        db_session.add(row)
        db_session.flush()


def test_two_live_jobs_for_one_draft_cannot_exist(db_session, hierarchy, county_gis):
    """The partial unique index settles two requests that both found no job."""
    upload = _validated(county_gis)
    job = _queued(county_gis, upload)
    with pytest.raises(IntegrityError):
        _insert(db_session, GenerationPublish(upload_id=upload.id, draft_id=job.draft_id))
    # A failed job does not count: publishing may be asked for again.
    job.status = "failed"
    db_session.flush()
    second, created = publish_jobs.request_publish(Scope.of(county_gis), upload, None, None)
    assert created
    assert second.id != job.id


def test_an_upload_published_elsewhere_gets_a_done_job(
    client, db_session, tmp_path, hierarchy, make_user
):
    path = tmp_path / "grids.geojson"
    path.write_bytes(geojson_bytes(grids_of("430302002002", n=3)))
    upload, generation = import_local_file(path, {"level": "grid"}, publish=True)  # the CLI
    admin = make_user(role="admin", township_code=None, county_code=None)
    job, created = publish_jobs.request_publish(Scope.of(admin), upload, None, None)
    assert not created  # nothing to queue
    assert (job.status, job.generation.id) == ("done", generation.id)


def test_errors_are_answered_at_once_and_make_no_job(client, db_session, hierarchy, county_gis):
    upload = _validated(county_gis)
    upload.status = "processing"
    db_session.flush()
    url = f"/api/v1/boundary-uploads/{upload.id}/publish"
    assert_problem(client.post(url, json={}, headers=bearer(county_gis)), 409, "upload.not_ready")
    assert db_session.scalar(select(func.count()).select_from(GenerationPublish)) == 0


def test_a_job_whose_requester_lost_the_right_fails_with_the_reason(
    client, db_session, hierarchy, county_gis
):
    upload = _validated(county_gis)
    job = _queued(county_gis, upload)
    county_gis.role = "grid_worker"  # demoted between the request and the run
    db_session.flush()
    publish_jobs.run(str(job.id))
    assert (job.status, job.error["code"], job.error["status"]) == (
        "failed",
        "auth.role_forbidden",
        403,
    )
    assert db_session.get(Generation, job.draft_id).status == "draft"


def test_an_unexpected_failure_leaves_the_draft_a_draft(
    db_session, hierarchy, county_gis, monkeypatch
):
    upload = _validated(county_gis)
    job = _queued(county_gis, upload)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "publish", broken)
    publish_jobs.run(str(job.id))
    assert (job.status, job.error["code"], job.error["status"]) == (
        "failed",
        "publish.processing_error",
        500,
    )
    assert db_session.get(Generation, job.draft_id).status == "draft"
    db_session.refresh(upload)
    assert upload.status == "validated"


def test_a_finished_job_is_left_alone_when_redelivered(db_session, hierarchy, county_gis):
    upload = _validated(county_gis)
    job = _queued(county_gis, upload)
    assert publish_jobs.run(str(job.id)).status == "done"
    assert publish_jobs.run(str(job.id)).attempts == 1
    assert publish_jobs.run(str(uuid.uuid4())) is None


def test_stale_publishes_are_requeued_then_failed(db_session, hierarchy, county_gis):
    lost = _queued(county_gis, _validated(county_gis, "430302001001"))
    hopeless = _queued(county_gis, _validated(county_gis, "430302001002"))
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    lost.status, lost.attempts = "running", 1
    hopeless.status, hopeless.attempts = "running", publish_jobs.MAX_ATTEMPTS
    lost.created_at = lost.started_at = hopeless.created_at = hopeless.started_at = long_ago
    db_session.flush()
    # Seen from a moment when they had run for less than STALE_AFTER, they are left alone.
    assert publish_jobs.requeue_stale(datetime.now(UTC) - timedelta(hours=1, minutes=59)) == []
    assert requeue_stale_publishes.apply().get() == 1
    db_session.refresh(lost)
    db_session.refresh(hopeless)
    assert (lost.status, lost.attempts) == ("done", 2)  # run again (tasks run eagerly in tests)
    assert (hopeless.status, hopeless.error["code"]) == ("failed", "publish.too_many_attempts")


def test_the_job_page_is_scoped_like_its_upload(client, db_session, hierarchy, make_user):
    t1_admin = make_user(role="admin", township_code=T1)
    job = _queued(t1_admin, _validated(t1_admin))
    url = f"/api/v1/generation-publishes/{job.id}"
    assert client.get(url, headers=bearer(t1_admin)).status_code == 200
    t2_admin = bearer(make_user(role="admin", township_code=T2))
    assert_problem(client.get(url, headers=t2_admin), 404, "publish.not_found")
    missing = f"/api/v1/generation-publishes/{uuid.uuid4()}"
    assert_problem(client.get(missing, headers=bearer(t1_admin)), 404, "publish.not_found")
    worker = bearer(make_user(role="grid_worker", township_code=T1))
    assert_problem(client.get(url, headers=worker), 403, "auth.role_forbidden")
