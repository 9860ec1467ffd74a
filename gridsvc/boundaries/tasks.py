"""Background work of the boundaries room."""

from __future__ import annotations

from gridsvc.boundaries import uploads
from gridsvc.jobs import celery


@celery.task(name="boundaries.process_upload", bind=True, max_retries=3)
def process_upload(self, upload_id: str) -> str | None:
    """Read and validate an uploaded file into a draft generation (idempotent; see uploads.py)."""
    upload = uploads.process(upload_id)
    return upload.status if upload else None


@celery.task(name="boundaries.requeue_stale_uploads")
def requeue_stale_uploads() -> int:
    """Beat: give uploads a lost worker left behind another try (see uploads.requeue_stale)."""
    return len(uploads.requeue_stale())
