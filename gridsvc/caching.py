"""The one way to cache in a process: an entry is good while the database's version of its source holds.

Hot paths (every request's token check, every report's category, grids and routing inputs, every
locate) read data that changes a few times a day. Each process keeps what it read, tagged with the
versions of the *sources* it came from (``accounts``, ``categories``, ``assignments``,
``directory``, ``generations``). The database keeps those versions in ``cache_versions``: a statement-level
trigger on every table of a source bumps its version, from a sequence, inside the writer's own
transaction (see :data:`SOURCES` and the migration that installs the triggers). So

- no writer has to remember to invalidate anything: a plain ``UPDATE`` in ``psql`` counts too;
- a bump rolled back with its transaction is never reused (sequence values are not transactional),
  so an entry read inside a transaction that later rolled back can never look current;
- a process re-reads all versions in one query at most every ``CACHE_CHECK_SECONDS`` (tests: 0,
  every read), and after it commits a write to a watched table (ORM flushes), at once.

An entry's version is read *before* its value is loaded: a write that commits in between makes the
entry look stale at the next check, never the other way round. The bump is an ``UPDATE`` of the
source's row, so it holds that row until commit: versions then grow in commit order, which a
version log written without locks would not guarantee (a lower version could commit after a higher
one was read, and its data would never be seen).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import current_app
from sqlalchemy import BigInteger, String, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from gridsvc.extensions import db

V = TypeVar("V")

# Source -> the tables whose writes change it; each table feeds exactly one source, so a statement
# bumps (and locks until commit) one ``cache_versions`` row. A cache depends on one or more sources.
# The migration installs one trigger per table; tests/test_caching.py checks they match this.
SOURCES: dict[str, tuple[str, ...]] = {
    "accounts": ("users", "revoked_tokens", "api_tokens"),
    "categories": ("categories",),
    "assignments": ("grid_assignments",),
    "directory": (
        "teams",
        "team_townships",
        "responsibility_entries",
        "routing_zones",
        "webhook_subscriptions",
        "power_items",
        "item_delegations",
    ),
    "generations": ("generations",),
}
WATCHED_TABLES = frozenset(table for tables in SOURCES.values() for table in tables)
VERSIONS_SQL = text("SELECT name, version FROM cache_versions")


class CacheVersion(db.Model):
    """The current version of one cached source (bumped by triggers, read by every process)."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class _Versions:
    """This process's last reading of ``cache_versions``."""

    def __init__(self) -> None:
        self.read_at = float("-inf")
        self.values: dict[str, int] = {}

    def current(self) -> dict[str, int]:
        """All versions in one query, at most every CACHE_CHECK_SECONDS."""
        now = time.monotonic()
        if now - self.read_at >= current_app.config["CACHE_CHECK_SECONDS"]:
            self.values = dict(db.session.execute(VERSIONS_SQL).all())
            self.read_at = now
        return self.values

    def expire(self) -> None:
        self.read_at = float("-inf")


_versions = _Versions()


def _check_sources(sources: tuple[str, ...]) -> None:
    unknown = set(sources) - SOURCES.keys()
    if unknown or not sources:
        raise KeyError(f"unknown cache sources {sorted(unknown)!r}")


def versions_of(sources: tuple[str, ...]) -> tuple[int, ...]:
    """The versions of ``sources`` this process believes current (re-read when due)."""
    current = _versions.current()
    return tuple(current.get(source, 0) for source in sources)


def bump(*sources: str) -> None:
    """Move the versions of ``sources`` (all when none) in the caller's transaction.

    For writes that bypass the triggers (``SET session_replication_role = replica`` clean-ups).
    """
    names = list(sources or SOURCES)
    _check_sources(tuple(names))
    db.session.execute(
        text(
            "UPDATE cache_versions SET version = nextval('cache_version_seq') WHERE name = ANY(:n)"
        ),
        {"n": names},
    )
    _versions.expire()


class VersionedCache(Generic[V]):
    """A bounded per-process map whose entries are valid while their source's version holds."""

    def __init__(self, *sources: str, max_entries: int = 10_000) -> None:
        _check_sources(sources)
        self.sources = sources
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[tuple[int, ...], V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value for ``key``, or ``load()`` (stored with the version read before it)."""
        version = versions_of(self.sources)
        hit = self._entries.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = load()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (version, value)
        return value

    def peek(self, key: Hashable) -> V | None:
        """The value when it is cached and current; None otherwise (nothing is loaded)."""
        hit = self._entries.get(key)
        if hit is not None and hit[0] == versions_of(self.sources):
            return hit[1]
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# A process sees its own committed writes at once: a flush that touched a watched table marks the
# session, and its commit makes the next read re-check the versions. (Raw SQL writes are caught by
# the triggers all the same, within CACHE_CHECK_SECONDS.)
_WROTE_WATCHED = "gridsvc.caching.wrote_watched"


@event.listens_for(Session, "after_flush")
def _note_watched_writes(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in WATCHED_TABLES:
            session.info[_WROTE_WATCHED] = True
            return


@event.listens_for(Session, "after_commit")
def _expire_after_watched_commit(session: Session) -> None:
    if session.info.pop(_WROTE_WATCHED, False):
        _versions.expire()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_writes(session: Session) -> None:
    session.info.pop(_WROTE_WATCHED, None)
