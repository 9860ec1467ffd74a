"""Background work of the boundaries room. Each task is an entry point: it commits."""

from __future__ import annotations

from gridsvc.boundaries import merge_jobs, uploads
from gridsvc.extensions import db
from gridsvc.jobs import celery


@celery.task(name="boundaries.process_upload", bind=True, max_retries=3)
def process_upload(self, upload_id: str) -> str | None:
    """Read and validate an uploaded file into a draft generation (idempotent; see uploads.py)."""
    # Committing each step makes the attempt count and the progress visible while the rest runs.
    upload = uploads.process(upload_id, progress=db.session.commit)
    db.session.commit()
    return upload.status if upload else None


@celery.task(name="boundaries.requeue_stale_uploads")
def requeue_stale_uploads() -> int:
    """Beat: give uploads a lost worker left behind another try (see uploads.requeue_stale)."""
    requeued = uploads.requeue_stale()
    db.session.commit()  # before queueing: the worker must find them queued
    for upload_id in requeued:
        process_upload.delay(upload_id)
    return len(requeued)


@celery.task(name="boundaries.run_merge", bind=True, max_retries=3)
def run_merge(self, merge_id: str) -> str | None:
    """Derive a merge's unified layer, crosswalk and draft (idempotent; see merge_jobs.py)."""
    # The attempt is committed first, so a worker killed mid-derivation has used it up.
    merge = merge_jobs.run(merge_id, progress=db.session.commit)
    db.session.commit()
    return merge.status if merge else None


@celery.task(name="boundaries.requeue_stale_merges")
def requeue_stale_merges() -> int:
    """Beat: give merges a lost worker left behind another try (see merge_jobs.requeue_stale)."""
    requeued = merge_jobs.requeue_stale()
    db.session.commit()  # before queueing: the worker must find them queued
    for merge_id in requeued:
        run_merge.delay(merge_id)
    return len(requeued)
