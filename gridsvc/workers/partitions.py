"""Monthly partitions of ``track_points``, created on demand for the months a batch touches.

Months are Asia/Shanghai calendar months, so a patrol day never straddles two partitions. Creation
is idempotent and safe under concurrency: a transaction-scoped advisory lock serialises creators,
and the catalogue is read again after the lock, so two batches racing into a new month create it
once. A month is created as a plain table and then ATTACHed: attaching needs only a SHARE UPDATE
EXCLUSIVE lock on the parent, which readers and writers of other months do not conflict with
(``CREATE TABLE … PARTITION OF`` would need ACCESS EXCLUSIVE and deadlock against a batch that
read the parent before queueing for the advisory lock). There is no DEFAULT partition: every batch
creates its months before it inserts, and a DEFAULT partition would make each attach scan it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI

PARENT = "track_points"
LOCK_KEY = 0x7472_6B70  # "trkp"

# The fast path on every batch: to_regclass is a cache lookup. The cache may lag behind another
# backend's commit (taking an advisory lock does not process invalidations), so a "missing" answer
# is only a reason to take the lock and ask the catalogue itself.
MISSING_FAST_SQL = text(
    "SELECT n FROM unnest(CAST(:names AS text[])) AS n WHERE to_regclass(n) IS NULL"
)
MISSING_SQL = text(
    "SELECT n FROM unnest(CAST(:names AS text[])) AS n"
    " WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    "   WHERE i.inhparent = CAST(:parent AS regclass) AND c.relname = n)"
)


def month_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(SHANGHAI)
    return local.year, local.month


def partition_name(year: int, month: int) -> str:
    return f"{PARENT}_p{year:04d}{month:02d}"


def _bounds(year: int, month: int) -> tuple[str, str]:
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}-01 00:00:00+08", f"{nxt[0]:04d}-{nxt[1]:02d}-01 00:00:00+08"


def months_between(first: datetime, last: datetime) -> list[tuple[int, int]]:
    (y, m), end = month_of(first), month_of(last)
    months = []
    while (y, m) <= end:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def ensure_partitions(first: datetime, last: datetime) -> list[str]:
    """Create the missing monthly partitions from ``first`` to ``last``; returns those created.

    Every month in between is covered too (an empty partition costs nothing), so a batch never
    hits a month without a partition.
    """
    months = months_between(first, last)
    names = {partition_name(*m): m for m in months}
    params = {"names": list(names), "parent": PARENT}
    if not db.session.execute(MISSING_FAST_SQL, params).first():
        return []
    db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    missing = set(db.session.execute(MISSING_SQL, params).scalars())  # another creator may have won
    created = []
    for name, (year, month) in sorted(names.items()):
        if name not in missing:
            continue
        start, end = _bounds(year, month)
        # Names and bounds come from integers formatted above, never from input. The attach
        # creates the partition's copies of the parent's indexes.
        db.session.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name}"
                f" (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            )
        )
        db.session.execute(
            text(
                f"ALTER TABLE {PARENT} ATTACH PARTITION {name}"
                f" FOR VALUES FROM ('{start}') TO ('{end}')"
            )
        )
        created.append(name)
    return created


def list_partitions() -> list[str]:
    rows = db.session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = CAST(:parent AS regclass) ORDER BY c.relname"
        ),
        {"parent": PARENT},
    )
    return list(rows.scalars())
