"""Recomputing settled days as a background job: ``queued`` -> ``running`` -> ``done`` | ``failed``.

Settling a county's days again reads every case of the range; a year of a large county outlasts
the web's ``statement_timeout`` (gridsvc/dblimits.py), and the request then answered 503 having
done nothing. So the view checks the request at once (a county admin, ``from <= to``, at most
``MAX_DAYS`` days: it is still one transaction), records a job and answers 202; the task
``assessment.run_recompute`` settles the days in the jobs' process, which has no statement
timeout. As with publishes, the task commits the attempt first (a killed worker has used it up),
then the settlement and ``done`` in one transaction — or ``failed`` with the problem, the stored
figures left as they were.

Two recomputes of one county never run at once: each takes a transaction-level advisory lock
keyed on its county before it deletes anything, and holds it to its commit. The lock is per
county, not per range: a county's recompute also settles any day newly due (``daily.settle``
covers the whole county), so even two disjoint ranges would insert the same newly due days.
A lock rather than a rule refusing a second job: an admin's second correction is meant to run
after the first, not to be refused, and a lock leaves nothing to clean up when a worker dies.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import text

from gridsvc import job_rows
from gridsvc.accounts import Scope
from gridsvc.assessment import daily
from gridsvc.assessment.models import IndicatorRecompute
from gridsvc.errors import DomainError, NotFound, as_problem, problem_body
from gridsvc.extensions import db

log = logging.getLogger(__name__)

# One transaction deletes and settles the range again: a year is the most an admin corrects.
MAX_DAYS = 366
# The advisory lock space of recomputes (the two-key form never meets single-key locks).
LOCK_CLASS = 0x7265_636D  # "recm"
LOCK_SQL = text("SELECT pg_advisory_xact_lock(:space, hashtext(:county))")


def create(scope: Scope, county: str, first: date, last: date) -> IndicatorRecompute:
    """A queued job for the caller to commit and then queue (the view checked the range)."""
    job = IndicatorRecompute(
        county_code=county, first_day=first, last_day=last, created_by=scope.user_id
    )
    db.session.add(job)
    db.session.flush()
    return job


def get(scope: Scope, job_id: uuid.UUID) -> IndicatorRecompute:
    """A job, seen by the admins of its county (and the global admin); anyone else gets 404."""
    job = db.session.get(IndicatorRecompute, job_id)
    if job is None or scope.township_code or not scope.in_county(job.county_code):
        raise NotFound("recompute not found", code="recompute.not_found")
    return job


def _nothing() -> None:
    """The default ``progress``: nothing becomes durable before the caller commits."""


def run(job_id: str, *, progress: Callable[[], None] = _nothing, now: datetime | None = None):
    """Run a queued recompute. Safe to run again: a finished job is left as it is."""
    job = db.session.get(IndicatorRecompute, uuid.UUID(job_id), with_for_update=True)
    if job is None or job.status not in ("queued", "running"):
        return job  # gone, or finished by an earlier delivery
    if job.attempts >= job_rows.MAX_ATTEMPTS:
        return _give_up(job)
    job.status, job.attempts = "running", job.attempts + 1
    job.started_at, job.error = datetime.now(UTC), None
    db.session.flush()
    progress()
    # Held until the commit that stores the figures and ``done``: another recompute of the
    # county waits here, before it has deleted anything.
    db.session.execute(LOCK_SQL, {"space": LOCK_CLASS, "county": job.county_code})
    try:
        # A savepoint: a failed settlement leaves the stored figures and the job row usable.
        with db.session.begin_nested():
            counts = daily.recompute(
                job.county_code, job.first_day, job.last_day, now or datetime.now(UTC)
            )
    except DomainError as exc:
        return _fail(job, as_problem(exc))
    except Exception as exc:  # every failure ends the job; logged as ours
        log.error("recompute failed", exc_info=exc, extra={"recompute": job_id})
        return _fail(job, problem_body(500, "recompute.processing_error", "Recomputing failed."))
    job.days, job.cases = counts["days"], counts["cases"]
    job.status, job.finished_at = "done", datetime.now(UTC)
    db.session.flush()
    return job


def _fail(job: IndicatorRecompute, problem: dict) -> IndicatorRecompute:
    db.session.refresh(job)  # the savepoint's rollback expired what was set inside it
    job.status, job.finished_at, job.error = "failed", datetime.now(UTC), problem
    db.session.flush()
    return job


def _give_up(job: IndicatorRecompute) -> IndicatorRecompute:
    return _fail(job, problem_body(500, "recompute.too_many_attempts", "Recomputing kept failing."))


def requeue_stale(now: datetime | None = None) -> list[str]:
    """Jobs a lost worker left queued or running: queued again, or failed after the attempts."""
    return job_rows.requeue_stale(IndicatorRecompute, _give_up, now)
