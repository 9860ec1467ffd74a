"""Recomputing settled days as a background job: the 202 and its page, the stored figures it
leaves (the same as the synchronous recompute left), failures, retries, one county at a time,
and who may see a job."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from gridsvc.accounts import Scope
from gridsvc.assessment import daily, recompute_jobs
from gridsvc.assessment.daily import FACT_FIELDS, settle
from gridsvc.assessment.models import IndicatorRecompute, StoredCaseFacts
from gridsvc.assessment.tasks import requeue_stale_recomputes, run_recompute
from gridsvc.extensions import db
from tests.assessment.conftest import COUNTY, bj
from tests.assessment.test_indicators import _march
from tests.conftest import bearer
from tests.test_app import assert_problem

URL = "/api/v1/indicators/recompute"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
OTHER_COUNTY = "430304"


def _facts() -> list[dict]:
    rows = db.session.scalars(
        select(StoredCaseFacts)
        .where(StoredCaseFacts.county_code == COUNTY)
        .order_by(StoredCaseFacts.incident_id)
    )
    return [{name: getattr(row, name) for name in FACT_FIELDS} for row in rows]


def _jobs() -> int:
    return db.session.scalar(select(func.count()).select_from(IndicatorRecompute))


@pytest.fixture
def corrected_march(db_session, lay_case, people):
    """March settled, then F closed afterwards: a recompute has something to change."""
    cases = _march(lay_case, people)
    settle(COUNTY, datetime.now(UTC))
    f = cases["F"]
    f.resolved_at, f.closed_at, f.status = bj(3, 30, 9), bj(3, 30, 12), "closed"
    db_session.flush()
    return cases


def test_queued_then_done_with_the_figures_the_synchronous_recompute_stored(
    client, db_session, corrected_march, admin_headers, monkeypatch
):
    # What the old synchronous recompute stored, in a savepoint rolled back again.
    before = _facts()
    nested = db_session.begin_nested()
    expected_counts = daily.recompute(
        COUNTY, date(2026, 3, 1), date(2026, 3, 31), datetime.now(UTC)
    )
    expected = _facts()
    nested.rollback()
    assert _facts() == before != expected  # the correction does change March's figures

    queued = []
    monkeypatch.setattr(run_recompute, "delay", lambda job_id: queued.append(job_id))
    response = client.post(URL, json=MARCH, headers=admin_headers)
    assert response.status_code == 202, response.json
    job_id = response.json["id"]
    assert response.headers["Location"] == f"/api/v1/indicator-recomputes/{job_id}"
    assert queued == [job_id]  # queued once committed
    page = client.get(response.headers["Location"], headers=admin_headers).json
    assert (page["status"], page["attempts"], page["days"], page["started_at"]) == (
        "queued",
        0,
        None,
        None,
    )
    assert (page["county"], page["from"], page["to"]) == (COUNTY, "2026-03-01", "2026-03-31")
    assert _facts() == before  # nothing recomputed yet

    assert run_recompute(job_id) == "done"  # what the worker runs
    page = client.get(response.headers["Location"], headers=admin_headers).json
    assert page["status"] == "done", page
    assert (
        {"days": page["days"], "cases": page["cases"]}
        == expected_counts
        == {
            "days": 10,
            "cases": 10,
        }
    )
    assert page["attempts"] == 1
    assert page["finished_at"] >= page["started_at"] >= page["created_at"]
    assert page["error"] is None
    assert _facts() == expected


def test_a_failure_is_recorded_and_leaves_the_stored_figures(
    client, db_session, corrected_march, admin_headers, monkeypatch
):
    before = _facts()

    def broken(*args):
        daily.recompute(*args)  # half the work done, then it breaks
        raise RuntimeError("disk full")

    monkeypatch.setattr(daily, "recompute", broken)
    response = client.post(URL, json=MARCH, headers=admin_headers)
    assert response.status_code == 202
    page = client.get(response.headers["Location"], headers=admin_headers).json
    assert page["status"] == "failed"
    assert (page["error"]["code"], page["error"]["status"]) == ("recompute.processing_error", 500)
    assert page["days"] is None
    assert page["finished_at"]
    assert _facts() == before  # the savepoint took the half-done deletion back


def test_a_redelivered_finished_job_runs_nothing_again(db_session, corrected_march, county_admin):
    job = recompute_jobs.create(Scope.of(county_admin), COUNTY, date(2026, 3, 1), date(2026, 3, 31))
    recompute_jobs.run(str(job.id))
    finished = job.finished_at
    assert (job.status, job.attempts) == ("done", 1)
    recompute_jobs.run(str(job.id))
    assert (job.status, job.attempts, job.finished_at) == ("done", 1, finished)


def test_the_same_idempotency_key_replays_the_first_answer(
    client, db_session, corrected_march, admin_headers
):
    headers = {**admin_headers, "Idempotency-Key": str(uuid.uuid4())}
    first = client.post(URL, json=MARCH, headers=headers)
    assert first.status_code == 202
    again = client.post(URL, json=MARCH, headers=headers)
    assert again.status_code == 202
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.get_json()["id"] == first.json["id"]
    assert _jobs() == 1  # one job, run once
    other = client.post(URL, json={**MARCH, "to": "2026-03-30"}, headers=headers)
    assert_problem(other, 422, "idempotency.key_reused")
    assert _jobs() == 1


def test_two_recomputes_of_one_county_never_run_at_once(db_session, corrected_march, county_admin):
    scope = Scope.of(county_admin)
    march = recompute_jobs.create(scope, COUNTY, date(2026, 3, 1), date(2026, 3, 31))
    overlapping = recompute_jobs.create(scope, COUNTY, date(2026, 3, 15), date(2026, 4, 15))
    elsewhere = recompute_jobs.create(scope, OTHER_COUNTY, date(2026, 3, 1), date(2026, 3, 31))
    db_session.commit()
    lock = {"space": recompute_jobs.LOCK_CLASS, "county": COUNTY}
    other = db.engine.connect()
    try:
        # Another recompute of the county is running (another connection holds its lock).
        other.begin()
        other.execute(recompute_jobs.LOCK_SQL, lock)
        db_session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError) as waited:
            recompute_jobs.run(str(march.id))
        assert waited.value.orig.pgcode == "55P03"  # it waited for the lock: nothing ran
        db_session.rollback()
        assert (march.status, march.attempts) == ("queued", 0)
        # Another county's recompute is not held up.
        assert recompute_jobs.run(str(elsewhere.id)).status == "done"
        other.rollback()  # the first one committed: the lock is free

        assert recompute_jobs.run(str(march.id)).status == "done"
        # Until this one commits, it holds the county: the overlapping job would wait.
        other.begin()
        taken = text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:county))")
        assert other.scalar(taken, lock) is False
        assert other.scalar(taken, {**lock, "county": "430399"}) is True
        other.rollback()
        assert overlapping.status == "queued"
    finally:
        other.close()


def test_the_range_is_checked_at_once_and_capped(client, db_session, admin_headers, make_user):
    too_long = client.post(
        URL, json={"from": "2025-01-01", "to": "2026-01-02"}, headers=admin_headers
    )
    body = assert_problem(too_long, 422, "assessment.recompute_too_long")
    assert "366" in body["detail"]
    backwards = client.post(
        URL, json={"from": "2026-03-02", "to": "2026-03-01"}, headers=admin_headers
    )
    assert_problem(backwards, 422, "assessment.recompute_range")
    township_admin = make_user(role="admin", county_code=COUNTY, township_code="430302001")
    assert_problem(
        client.post(URL, json=MARCH, headers=bearer(township_admin)),
        422,
        "assessment.recompute_range",
    )
    assert _jobs() == 0
    year = client.post(URL, json={"from": "2025-01-02", "to": "2026-01-02"}, headers=admin_headers)
    assert year.status_code == 202, year.json  # 366 days is allowed
    assert year.json["status"] == "queued"  # the answer is built before the job runs
    assert client.get(year.headers["Location"], headers=admin_headers).json["status"] == "done"


def test_the_job_is_its_county_admins(client, db_session, admin_headers, make_user, people):
    response = client.post(URL, json=MARCH, headers=admin_headers)
    location = response.headers["Location"]
    other_admin = make_user(role="admin", county_code=OTHER_COUNTY, township_code=None)
    township_admin = make_user(role="admin", county_code=COUNTY, township_code="430302001")
    for user in (other_admin, township_admin):
        assert_problem(client.get(location, headers=bearer(user)), 404, "recompute.not_found")
    supervisor = client.get(location, headers=bearer(people["supervisor"]))
    assert supervisor.status_code == 403
    global_admin = make_user(role="admin", county_code=None, township_code=None)
    assert client.get(location, headers=bearer(global_admin)).json["id"] == response.json["id"]
    missing = f"/api/v1/indicator-recomputes/{uuid.uuid4()}"
    assert_problem(client.get(missing, headers=admin_headers), 404, "recompute.not_found")
    # Another county's admin cannot start one in this county either.
    named = client.post(URL, json={**MARCH, "county": COUNTY}, headers=bearer(other_admin))
    assert_problem(named, 404, "county.not_found")


def test_stale_jobs_are_requeued_then_failed(db_session, county_admin):
    scope = Scope.of(county_admin)
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    lost = recompute_jobs.create(scope, COUNTY, date(2026, 3, 1), date(2026, 3, 2))
    spent = recompute_jobs.create(scope, COUNTY, date(2026, 3, 3), date(2026, 3, 4))
    fresh = recompute_jobs.create(scope, COUNTY, date(2026, 3, 5), date(2026, 3, 6))
    lost.status, lost.attempts, lost.created_at, lost.started_at = "running", 1, long_ago, long_ago
    spent.status, spent.attempts, spent.created_at = "running", 3, long_ago
    spent.started_at = long_ago
    db_session.flush()
    assert recompute_jobs.requeue_stale() == [str(lost.id)]
    assert lost.status == "queued"
    assert (spent.status, spent.error["code"]) == ("failed", "recompute.too_many_attempts")
    assert (fresh.status, fresh.attempts) == ("queued", 0)
    # The beat's task queues the lost one again; eagerly it runs to the end.
    assert requeue_stale_recomputes() == 1
    db_session.refresh(lost)
    assert (lost.status, lost.attempts) == ("done", 2)
