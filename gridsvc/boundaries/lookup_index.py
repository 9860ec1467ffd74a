"""An in-process index of the current generation's subdivided parts, for fast locate.

One GiST probe per point caps SQL bulk lookups near 20,000 points/s on this hardware; an
in-process index over the same ``area_parts`` rows answers far more. The index is packed into
flat arrays (:mod:`gridsvc.boundaries.packed_parts`, ~30 MB at 100,000 grids where a shapely
STRtree took ~200 MB) and kept while the database's ``generations`` version holds
(gridsvc/caching.py): a publish in any process makes every worker rebuild it. Older generations
are always answered by SQL.

A rebuild does not stall lookups. With ``build_in_background`` (production) the stale index keeps
answering — for the generation it was built for, which its answers name — while the new one is
built, and the new index replaces the old in one assignment. The build runs in a child process
(``LOCATE_INDEX_BUILD=process``, :mod:`gridsvc.boundaries.index_build`): in a thread it would
share the GIL with the request threads, which take it back after every socket and database
call. One worker per host builds a generation and the others map its files
(:mod:`gridsvc.boundaries.index_files`); the child runs niced (``LOCATE_INDEX_NICE``). The thread mode (tests: it sees the caller's transaction) builds in chunks and holds the GIL
for at most ``BACKGROUND_SHARE`` of the time. Without a warm index at all, single lookups fall
back to the GiST table and bulk ones build it in the request.
"""

from __future__ import annotations

import ctypes
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy.engine import make_url

from gridsvc.boundaries import index_build, index_files
from gridsvc.boundaries.index_build import CHUNK_ROWS, NEWEST_SQL, PARTS_SQL
from gridsvc.boundaries.packed_parts import PackedParts, pack_rows
from gridsvc.caching import VersionedCache
from gridsvc.extensions import db

log = logging.getLogger(__name__)

# Rows read and packed at a time: a chunk holds the GIL for a few milliseconds. A background
# build then sleeps BACKGROUND_SHARE⁻¹ - 1 times as long as the chunk took, so it holds the GIL
# for at most that share of the time: request threads of the same process, which take the GIL
# back after every socket and database call, then rarely find it held (measured without this:
# lookups of 1-5 s while a 100,000-grid index was rebuilt on a loaded machine).
BACKGROUND_SHARE = 0.2
BUILD_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class PartsIndex:
    key: tuple
    number: int
    parts: PackedParts

    def lookup(self, lons: np.ndarray, lats: np.ndarray) -> list[tuple[int, str, str, str]]:
        """(point index, level, code, name) for every area containing a point."""
        return self.parts.lookup(lons, lats)


# layer -> its index (None: no published generation yet). A publish in any process bumps the
# ``generations`` version; every process then rebuilds.
_indexes: VersionedCache[PartsIndex | None] = VersionedCache("generations", max_entries=16)
# layer -> the last index built, current or not: what answers while its successor is built.
_latest: dict[str, PartsIndex] = {}
_build_lock = threading.Lock()
_building: set[str] = set()


def warm_index(layer: str, *, build_in_background: bool = False) -> PartsIndex | None:
    """The index when it is built and current; None when the caller should use SQL.

    With ``build_in_background`` a missing or stale index is rebuilt in a thread, and until it is
    ready the stale one (if any) is answered: the generation before the publish, named as such.
    """
    index = _indexes.peek(layer)
    if index is not None or not build_in_background:
        return index
    if layer not in _building:
        _building.add(layer)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_build_in_background, args=(app, layer), daemon=True).start()
    return _latest.get(layer)


def building(layer: str) -> bool:
    """Whether a background build of ``layer`` is under way (tests and benchmarks wait on it)."""
    return layer in _building


def _build_in_background(app, layer: str) -> None:
    started = time.perf_counter()
    try:
        with app.app_context():
            index = current_index(layer, share=BACKGROUND_SHARE)
            db.session.remove()
        # Operators (and bench/edge.py's warm-up) see when a worker answers from the index.
        log.info(
            "locate index built",
            extra={
                "layer": layer,
                "generation": index.number if index else None,
                "seconds": round(time.perf_counter() - started, 2),
            },
        )
    except Exception:
        log.exception("building the locate index failed", extra={"layer": layer})
    finally:
        _building.discard(layer)


def current_index(layer: str, *, share: float = 1.0) -> PartsIndex | None:
    """The index for ``layer`` (plus the admin levels) at the newest generation; None if empty."""
    index = _indexes.peek(layer)
    if index is not None:
        return index
    with _build_lock:  # one build at a time: a build holds a chunk of GEOS geometries in memory
        index = _indexes.get(layer, lambda: _load(layer, share))
    if index is not None:
        _latest[layer] = index  # the swap: one assignment, seen whole by every thread
    else:
        _latest.pop(layer, None)
    return index


def _load(layer: str, share: float) -> PartsIndex | None:
    if current_app.config["LOCATE_INDEX_BUILD"] == "process":
        # A bulk request's build too: the host's other workers then map its files, not build.
        return _load_in_another_process(layer)
    newest = db.session.execute(NEWEST_SQL).first()
    if newest is None:
        return None
    result = db.session.execute(
        PARTS_SQL, {"layer": layer}, execution_options={"stream_results": True}
    )
    started = time.perf_counter()

    def give_the_gil_back() -> None:  # see BACKGROUND_SHARE
        nonlocal started
        if share < 1.0:
            time.sleep((time.perf_counter() - started) * (1 / share - 1))
        started = time.perf_counter()

    parts = pack_rows(result.partitions(CHUNK_ROWS), give_the_gil_back)
    _return_freed_memory()
    return PartsIndex(key=(newest.id, newest.number, layer), number=newest.number, parts=parts)


def _load_in_another_process(layer: str) -> PartsIndex | None:
    """Map the index one process of this host built for the newest generation (index_files.py).

    The build runs in a child process (no GIL shared with the requests) at LOCATE_INDEX_NICE;
    this thread only waits for it (or for another worker's build) with the GIL free, then maps
    the arrays: no copy, and the pages are shared with the host's other workers.
    """
    config = current_app.config
    newest = db.session.execute(NEWEST_SQL).first()
    if newest is None:
        return None
    database = config["SQLALCHEMY_DATABASE_URI"]

    def build(folder: str) -> None:
        env = {
            **os.environ,
            index_build.DATABASE_ENV: database,
            index_build.NICE_ENV: str(config["LOCATE_INDEX_NICE"]),
        }
        done = subprocess.run(  # noqa: S603 (this interpreter, our own module)
            [sys.executable, "-m", "gridsvc.boundaries.index_build", layer, folder],
            env=env,
            capture_output=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"index build failed: {done.stderr[-2000:].decode(errors='replace')}"
            )

    meta, folder = index_files.obtain(
        _files_root(config["LOCATE_INDEX_DIR"], database),
        layer,
        newest.id,
        newest.number,
        build,
        wait_seconds=BUILD_TIMEOUT_SECONDS + 60,
    )
    if folder is None:
        return None
    parts = PackedParts.load(folder)
    return PartsIndex(key=(meta["id"], meta["number"], layer), number=meta["number"], parts=parts)


def _files_root(directory: str, database_uri: str) -> str:
    """A folder per database: hosts that serve two databases (tests, benches) keep them apart."""
    url = make_url(database_uri)
    return os.path.join(directory, f"{url.host or 'local'}-{url.port or ''}-{url.database}")


def _return_freed_memory() -> None:
    """Hand the build's freed heap back to the system (glibc keeps it otherwise).

    The rows, WKB and GEOS geometries of the chunks are freed by now, but glibc's allocator keeps
    freed small blocks for reuse: without the trim a worker's RSS stays ~40 MB above the index.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc: nothing to trim
    _malloc_trim = None


def drop_all() -> None:
    """Forget every built index (benchmarks measure a cold start with it)."""
    _indexes.clear()
    _latest.clear()
