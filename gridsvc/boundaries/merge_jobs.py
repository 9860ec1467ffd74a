"""A merge's background run: ``queued`` -> ``running`` -> ``done`` | ``failed``.

Deriving a county takes seconds to tens of seconds, too long for a request, so the view records
the merge (``merges.create_merge``) and the task ``boundaries.run_merge`` runs it here. As with
uploads, the task commits the attempt first (a killed worker has used it up; Celery redelivers
the unacknowledged task), then the draft, the report, the crosswalk and ``done`` together — or
``failed`` with a problem, the request kept in ``params`` so nothing the caller sent is lost.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from gridsvc import job_rows
from gridsvc.accounts import Scope, User
from gridsvc.boundaries import merges
from gridsvc.boundaries.models import GridMerge
from gridsvc.errors import DomainError, as_problem, problem_body
from gridsvc.extensions import db
from gridsvc.geo.errors import GeoInputError
from gridsvc.job_rows import MAX_ATTEMPTS

log = logging.getLogger(__name__)


def creator_scope(merge: GridMerge) -> Scope:
    """The scope the job runs with: its creator's, as it is now (a demoted creator's merge
    fails rather than reaching further than its hands)."""
    creator = db.session.get(User, merge.created_by) if merge.created_by else None
    if creator is None:
        return Scope(user_id=None, role="gis_staff", county_code=merge.county_code)
    return Scope.of(creator)


def _nothing() -> None:
    """The default ``progress``: nothing becomes durable before the caller commits."""


def run(merge_id: str, *, progress: Callable[[], None] = _nothing) -> GridMerge | None:
    """Run a queued merge. Safe to run again: a finished merge is left as it is."""
    merge = db.session.get(GridMerge, uuid.UUID(merge_id), with_for_update=True)
    if merge is None or merge.status not in ("queued", "running"):
        return merge  # gone, or finished by an earlier delivery
    if merge.attempts >= MAX_ATTEMPTS:
        return _fail(merge, problem_body(500, "merge.too_many_attempts", "The merge kept failing."))
    merge.status, merge.attempts = "running", merge.attempts + 1
    merge.started_at, merge.error = datetime.now(UTC), None
    db.session.flush()
    progress()
    try:
        # A savepoint: a failure drops this attempt's draft rows but keeps the merge row usable.
        with db.session.begin_nested():
            merges.compute(creator_scope(merge), merge)
    except (DomainError, GeoInputError) as exc:
        # The layers changed since the request was checked, or the creator lost the right.
        return _fail(merge, as_problem(exc))
    except Exception as exc:  # every failure ends the merge; logged as ours
        log.error("merge failed", exc_info=exc, extra={"merge": merge_id})
        return _fail(merge, problem_body(500, "merge.processing_error", "The merge failed."))
    merge.status, merge.finished_at = "done", datetime.now(UTC)
    db.session.flush()
    return merge


def _fail(merge: GridMerge, problem: dict) -> GridMerge:
    db.session.refresh(merge)  # the savepoint's rollback expired what compute() had set
    merge.status, merge.finished_at, merge.error = "failed", datetime.now(UTC), problem
    db.session.flush()
    return merge


def requeue_stale(now: datetime | None = None) -> list[str]:
    """Merges a lost worker left queued or running: queued again, or failed after the attempts."""
    return job_rows.requeue_stale(GridMerge, _give_up, now)


def _give_up(merge: GridMerge) -> None:
    _fail(merge, problem_body(500, "merge.too_many_attempts", "The merge kept failing."))
