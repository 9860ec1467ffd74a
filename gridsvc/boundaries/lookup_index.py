"""An in-process index of the current generation's subdivided parts, for fast locate.

One GiST probe per point caps SQL bulk lookups near 20,000 points/s on this hardware; an
in-process index over the same ``area_parts`` rows answers far more. The index is packed into
flat arrays (:mod:`gridsvc.boundaries.packed_parts`, ~30 MB at 100,000 grids where a shapely
STRtree took ~200 MB) and kept while the database's ``generations`` version holds
(gridsvc/caching.py): a publish in any process makes every worker rebuild it. Older generations
are always answered by SQL.

A rebuild never stalls lookups. With ``build_in_background`` (production) the stale index keeps
answering — for the generation it was built for, which its answers name — while a thread builds
the new one in chunks, yielding between them; the new index replaces the old in one assignment.
Without a warm index at all, single lookups fall back to the GiST table and bulk ones build it.
"""

from __future__ import annotations

import ctypes
import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy import text

from gridsvc.boundaries.packed_parts import LEVEL_NAMES, PackedBuilder, PackedParts
from gridsvc.caching import VersionedCache
from gridsvc.extensions import db

log = logging.getLogger(__name__)

NEWEST_SQL = text(
    "SELECT id, number FROM generations WHERE number = (SELECT max(number) FROM generations)"
)
PARTS_SQL = text(
    "SELECT ST_AsBinary(p.geom) AS wkb, a.id, a.level, a.code, a.name"
    " FROM area_parts p JOIN areas a ON a.id = p.area_id"
    " WHERE p.gen_to IS NULL AND p.layer IN ('admin', :layer)"
)
# Rows read and packed at a time: a chunk holds the GIL for a few milliseconds. A background
# build then sleeps BACKGROUND_SHARE⁻¹ - 1 times as long as the chunk took, so it holds the GIL
# for at most that share of the time: request threads of the same process, which take the GIL
# back after every socket and database call, then rarely find it held (measured without this:
# lookups of 1-5 s while a 100,000-grid index was rebuilt on a loaded machine).
CHUNK_ROWS = 1_000
BACKGROUND_SHARE = 0.2
LEVEL_NUMBER = {name: i for i, name in enumerate(LEVEL_NAMES)}


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
    try:
        with app.app_context():
            current_index(layer, share=BACKGROUND_SHARE)
            db.session.remove()
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
    newest = db.session.execute(NEWEST_SQL).first()
    if newest is None:
        return None
    builder = PackedBuilder()
    area_of: dict[int, int] = {}  # area id -> its index in the columns below
    levels: list[int] = []
    codes: list[str] = []
    names: list[str | None] = []
    result = db.session.execute(
        PARTS_SQL, {"layer": layer}, execution_options={"stream_results": True}
    )
    started = time.perf_counter()
    for rows in result.partitions(CHUNK_ROWS):
        index = np.empty(len(rows), dtype=np.int32)
        for k, row in enumerate(rows):
            position = area_of.get(row.id)
            if position is None:
                position = area_of[row.id] = len(codes)
                levels.append(LEVEL_NUMBER[row.level])
                codes.append(row.code)
                names.append(row.name)
            index[k] = position
        builder.add([bytes(r.wkb) for r in rows], index)
        if share < 1.0:  # give the GIL back for a while (see BACKGROUND_SHARE)
            time.sleep((time.perf_counter() - started) * (1 / share - 1))
        started = time.perf_counter()
    index = PartsIndex(
        key=(newest.id, newest.number, layer),
        number=newest.number,
        parts=builder.build(np.array(levels, dtype=np.int8), codes, names),
    )
    del builder, area_of, codes, names
    _return_freed_memory()
    return index


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
