"""Publishing as a background job: ``queued`` -> ``running`` -> ``done`` | ``failed``.

Publishing a county's grids subdivides every polygon for lookups and moves the grid assignments;
at 100,000 cells that approaches an HTTP worker's timeout. So the view checks the request at once
(a 4xx for a draft with errors, one out of the caller's scope, one still being processed), records
a job and answers 202; the task ``boundaries.run_publish`` publishes. As with merges, the task
commits the attempt first (a killed worker has used it up), then the publish and ``done`` in one
transaction — or ``failed`` with the problem, the draft left a draft.

A draft has at most one job that has not failed: asking again answers that job (its state now),
never a second publish.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gridsvc import job_rows
from gridsvc.accounts import Scope, User, policy
from gridsvc.boundaries import access, merges, uploads
from gridsvc.boundaries.models import BoundaryUpload, Generation, GenerationPublish, GridMerge
from gridsvc.errors import DomainError, NotFound, as_problem, problem_body
from gridsvc.extensions import db
from gridsvc.job_rows import MAX_ATTEMPTS

log = logging.getLogger(__name__)
Source = BoundaryUpload | GridMerge


def request_publish(
    scope: Scope, source: Source, effective_from: date | None, description: str | None
) -> tuple[GenerationPublish, bool]:
    """The job publishing ``source``'s draft: (job, created). An existing live job is answered
    as it is; a new one is ``queued`` for the caller to commit and then queue."""
    if isinstance(source, BoundaryUpload):
        uploads.check_publishable(scope, source)
    else:
        merges.check_publishable(scope, source)
    draft_id = source.generation_id
    existing = _live_job(draft_id)
    if existing is not None:
        return existing, False
    job = GenerationPublish(
        upload_id=source.id if isinstance(source, BoundaryUpload) else None,
        merge_id=source.id if isinstance(source, GridMerge) else None,
        draft_id=draft_id,
        county_code=source.county_code,
        effective_from=effective_from,
        description=description,
        created_by=scope.user_id,
    )
    if db.session.get(Generation, draft_id).status != "draft":
        # Published another way (the command line): the job records it as done, runs nothing.
        job.status, job.finished_at = "done", datetime.now(UTC)
    try:
        with db.session.begin_nested():  # two requests at once: the unique index picks one
            db.session.add(job)
    except IntegrityError:
        return _live_job(draft_id), False
    return job, job.status == "queued"


def _live_job(draft_id: int) -> GenerationPublish | None:
    return db.session.scalar(
        select(GenerationPublish).where(
            GenerationPublish.draft_id == draft_id, GenerationPublish.status != "failed"
        )
    )


def source_of(job: GenerationPublish) -> Source:
    if job.upload_id is not None:
        return db.session.get(BoundaryUpload, job.upload_id)
    return db.session.get(GridMerge, job.merge_id)


def get_publish(scope: Scope, publish_id: uuid.UUID) -> GenerationPublish:
    """A job, seen by whoever may see the upload or merge it publishes (else 404)."""
    job = db.session.get(GenerationPublish, publish_id)
    if job is None:
        raise NotFound("publish not found", code="publish.not_found")
    source = source_of(job)
    if isinstance(source, BoundaryUpload):
        townships = (access.uploader_township(source),)
        level = source.level
    else:
        townships, level = tuple(source.township_codes) or (None,), "grid"
    policy.boundary_work(
        scope, policy.READ, county=job.county_code, townships=townships, level=level, kind="publish"
    )
    return job


def publisher_scope(job: GenerationPublish) -> Scope:
    """The scope the job publishes with: its requester's, as it is now (a demoted requester's
    publish fails rather than reaching further than their hands)."""
    requester = db.session.get(User, job.created_by) if job.created_by else None
    if requester is None:
        return Scope(user_id=None, role="gis_staff", county_code=job.county_code)
    return Scope.of(requester)


def _nothing() -> None:
    """The default ``progress``: nothing becomes durable before the caller commits."""


def run(publish_id: str, *, progress: Callable[[], None] = _nothing) -> GenerationPublish | None:
    """Run a queued publish. Safe to run again: a finished job is left as it is."""
    job = db.session.get(GenerationPublish, uuid.UUID(publish_id), with_for_update=True)
    if job is None or job.status not in ("queued", "running"):
        return job  # gone, or finished by an earlier delivery
    if job.attempts >= MAX_ATTEMPTS:
        return _give_up(job)
    job.status, job.attempts = "running", job.attempts + 1
    job.started_at, job.error = datetime.now(UTC), None
    db.session.flush()
    progress()
    try:
        # A savepoint: a failed publish leaves the draft a draft and the job row usable.
        with db.session.begin_nested():
            source = source_of(job)
            publish = (
                uploads.publish_upload
                if isinstance(source, BoundaryUpload)
                else merges.publish_merge
            )
            publish(publisher_scope(job), source, job.effective_from, job.description)
    except DomainError as exc:
        # The draft or the requester's rights changed since the request was checked.
        return _fail(job, as_problem(exc))
    except Exception as exc:  # every failure ends the job; logged as ours
        log.error("publish failed", exc_info=exc, extra={"publish": publish_id})
        return _fail(job, problem_body(500, "publish.processing_error", "Publishing failed."))
    job.status, job.finished_at = "done", datetime.now(UTC)
    db.session.flush()
    return job


def _fail(job: GenerationPublish, problem: dict) -> GenerationPublish:
    db.session.refresh(job)  # the savepoint's rollback expired what was set inside it
    job.status, job.finished_at, job.error = "failed", datetime.now(UTC), problem
    db.session.flush()
    return job


def _give_up(job: GenerationPublish) -> GenerationPublish:
    return _fail(job, problem_body(500, "publish.too_many_attempts", "Publishing kept failing."))


def requeue_stale(now: datetime | None = None) -> list[str]:
    """Publishes a lost worker left queued or running: queued again, or failed after the attempts."""
    return job_rows.requeue_stale(GenerationPublish, _give_up, now)
