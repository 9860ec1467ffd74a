"""Background work of the boundaries room. Each task is an entry point: it commits."""

from __future__ import annotations

from collections.abc import Callable

from gridsvc.boundaries import merge_jobs, publish_jobs, uploads
from gridsvc.extensions import db
from gridsvc.jobs import celery


def _requeue(find_stale: Callable[[], list[str]], task) -> int:
    """Beat: queue again what a lost worker left behind (``find_stale`` marks the rows)."""
    requeued = find_stale()
    db.session.commit()  # before queueing: the worker must find them queued
    for row_id in requeued:
        task.delay(row_id)
    return len(requeued)


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
    return _requeue(uploads.requeue_stale, process_upload)


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
    return _requeue(merge_jobs.requeue_stale, run_merge)


@celery.task(name="boundaries.run_publish", bind=True, max_retries=3)
def run_publish(self, publish_id: str) -> str | None:
    """Publish a draft as the new generation (idempotent; see publish_jobs.py)."""
    # The attempt is committed first; the publish and ``done`` then commit together.
    job = publish_jobs.run(publish_id, progress=db.session.commit)
    db.session.commit()
    return job.status if job else None


@celery.task(name="boundaries.requeue_stale_publishes")
def requeue_stale_publishes() -> int:
    """Beat: give publishes a lost worker left behind another try."""
    return _requeue(publish_jobs.requeue_stale, run_publish)
