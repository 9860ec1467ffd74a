"""Track retention: summarise, archive (optional), detach and drop the expired monthly partitions.

At province scale (100,000 workers, a point every 30 s) ``track_points`` grows by ~96 M rows a
day, so raw points are kept ``TRACK_RETENTION_MONTHS`` Asia/Shanghai months (the current one
included) and whole months go at once: dropping a partition is instant and leaves no bloat,
where a ``DELETE`` would rewrite the table. Before a month goes, every day of it whose summary
may still change is summarised again (the reports then answer from ``patrol_days``), and with
``TRACK_ARCHIVE_DIR`` set the partition is copied to a Parquet file first.

Safe to run anywhere, any time: one runner at a time (a transaction-level advisory lock, tried,
not waited for; one partition per transaction), the current month never expires,
nor a month a late upload may still reach (``TRACK_MAX_AGE_DAYS``), and a second run finds
nothing left to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.workers import summarise
from gridsvc.workers.partitions import PARENT, list_partitions

RUNNER_KEY = 0x7472_6B72  # "trkr": one retention run at a time
NAME = re.compile(rf"^{PARENT}_p(\d{{4}})(\d{{2}})$")
# DETACH needs ACCESS EXCLUSIVE on the parent: rather fail (and retry next run) than queue behind
# a long report and make every upload queue behind us.
LOCK_TIMEOUT = "5s"


def _month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def oldest_kept_month(now: datetime) -> tuple[int, int]:
    """The first month to keep: ``TRACK_RETENTION_MONTHS`` back including the current month,
    and never a month that an upload may still reach (``TRACK_MAX_AGE_DAYS`` plus a day)."""
    cfg = current_app.config
    local = now.astimezone(SHANGHAI)
    months = max(1, int(cfg["TRACK_RETENTION_MONTHS"]))
    by_setting = _add_months(local.year, local.month, -(months - 1))
    reachable = local - timedelta(days=cfg["TRACK_MAX_AGE_DAYS"] + 1)
    return min(by_setting, (reachable.year, reachable.month))


def expired_partitions(now: datetime) -> list[tuple[str, int, int]]:
    """(name, year, month) of the attached monthly partitions older than the kept months."""
    keep_from = oldest_kept_month(now)
    expired = []
    for name in list_partitions():
        match = NAME.match(name)
        if match and (int(match[1]), int(match[2])) < keep_from:
            expired.append((name, int(match[1]), int(match[2])))
    return expired


def expired_steps(now: datetime) -> Iterator[dict]:
    """Each expired partition summarised, archived and dropped in turn, oldest first.

    The caller may end the transaction between steps: the task and the CLI commit after each, so
    a month is summarised and gone together, or not at all. A step holding ``skipped`` (another
    run holds the lock) is the last.
    """
    while (step := drop_oldest_expired(now)) is not None:
        yield step
        if "skipped" in step:
            return


def tally(steps: Iterable[dict]) -> dict:
    """What a run did: the partitions dropped and archived, the days summarised."""
    totals: dict = {"dropped": [], "archived": [], "days_summarised": 0}
    for step in steps:
        if "skipped" in step:
            return {**totals, **step}
        totals["dropped"].append(step["dropped"])
        if step["archived"]:
            totals["archived"].append(step["archived"])
        totals["days_summarised"] += step["days_summarised"]
    return totals


def drop_expired(now: datetime) -> dict:
    """Every expired partition dropped in the caller's transaction."""
    return tally(expired_steps(now))


def drop_oldest_expired(now: datetime) -> dict | None:
    """Summarise, archive and drop the oldest expired partition in the caller's transaction;
    None when nothing has expired."""
    got = db.session.execute(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RUNNER_KEY}
    ).scalar()
    if not got:
        return {"skipped": "another retention run holds the lock"}
    expired = expired_partitions(now)
    if not expired:
        return None
    name, year, month = expired[0]
    days = _summarise_month(year, month, now)
    archive_dir = current_app.config.get("TRACK_ARCHIVE_DIR")
    archived = None
    if archive_dir:
        from gridsvc.workers.archive import archive_partition  # pyarrow only when it is used

        archived = str(archive_partition(name, archive_dir))
    _detach_and_drop(name)
    return {"dropped": name, "days_summarised": days, "archived": archived}


def _summarise_month(year: int, month: int, now: datetime) -> int:
    """Summarise the month's days whose summary is missing or was taken before it was final."""
    first = _month_start(year, month)
    ny, nm = _add_months(year, month, 1)
    last = _month_start(ny, nm) - timedelta(days=1)
    # Every summary not known final is redone now (no once-a-day throttle: the points go).
    due = summarise.days_due(first, last, now, throttle=timedelta(0))
    for day in due:
        summarise.summarise(day)
    return len(due)


def _detach_and_drop(name: str) -> None:
    # Names come from the catalogue and matched NAME above, never from input.
    # No need to take the partition creators' lock: they create months an upload can still
    # reach, which never expire; taking it after reading the parent could deadlock with them.
    db.session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    db.session.execute(text(f"ALTER TABLE {PARENT} DETACH PARTITION {name}"))
    db.session.execute(text(f"DROP TABLE {name}"))
