"""One locate-index build per host and generation, shared by every worker through its files.

After a publish every worker process sees the new generation within a second or two. Each used to
build its own index (all parts of the layer read, packed and written): on a 2-core host two
builds at once took the cores the lookups needed. Here the first worker to take the generation's
lock file (``fcntl.flock``) builds; the others wait on the lock and then map the arrays the first
one wrote. The folder is built under a temporary name and renamed into place only when every file
is written and fsynced, so a folder under its final name is always whole. The lock is held by an
open file: when a builder dies the system releases it, and the next waiter finds no folder and
builds itself. Folders and locks of older generations are removed once a newer one is in place
(a worker still mapping an old folder keeps its pages: unlinking does not unmap).

No Flask, no database: lookup_index.py hands in the generation and the function that builds.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from gridsvc.boundaries.index_build import META

log = logging.getLogger(__name__)

BUILDING_PREFIX = ".building-"
POLL_SECONDS = 0.05
_NAME = re.compile(r"^(?P<layer>[\w.]+)-(?P<number>\d+)-(?P<id>\d+)(?P<lock>\.lock)?$")


def folder_of(root: str, layer: str, generation_id: int, number: int) -> str:
    return os.path.join(root, f"{layer}-{number}-{generation_id}")


def obtain(
    root: str,
    layer: str,
    generation_id: int,
    number: int,
    build: Callable[[str], None],
    *,
    wait_seconds: float,
) -> tuple[dict, str | None]:
    """(meta, folder) of the index at this generation, built here only if nobody has.

    ``build(folder)`` fills a fresh folder (arrays, then ``meta.json`` naming the generation it
    really saw, which may be newer than the one asked for). ``folder`` is None when the database
    had no generation at all. A lock held longer than ``wait_seconds`` (a hung builder) is not
    waited for beyond that: this process then builds too.
    """
    os.makedirs(root, exist_ok=True)
    final = folder_of(root, layer, generation_id, number)
    if not _whole(final):
        with _locked(final + ".lock", wait_seconds):
            if not _whole(final):  # else the lock's holder before us built it
                final = _build_into_place(root, layer, build)
    if final is None:
        return {"id": None, "number": None}, None
    meta = _meta(final)
    remove_older(root, layer, meta["number"])
    return meta, final


def _build_into_place(root: str, layer: str, build: Callable[[str], None]) -> str | None:
    building = tempfile.mkdtemp(prefix=BUILDING_PREFIX, dir=root)
    try:
        build(building)
        meta = _meta(building)
        if meta["number"] is None:
            return None
        final = folder_of(root, layer, meta["id"], meta["number"])
        try:
            os.rename(building, final)  # atomic: the folder appears whole or not at all
        except OSError:  # a newer generation's folder another worker already put in place
            if not _whole(final):
                raise
        _fsync_folder(root)
        return final
    finally:
        shutil.rmtree(building, ignore_errors=True)  # gone after a rename; else what is left


@contextmanager
def _locked(path: str, wait_seconds: float) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``, released on exit or by the system if we die.

    Polled rather than blocking so that a hung holder delays us at most ``wait_seconds``.
    """
    with open(path, "a") as lock:
        deadline = time.monotonic() + wait_seconds
        held = False
        while not held:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    log.warning("the locate index lock is still held; building anyway")
                    break
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            if held:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def remove_older(root: str, layer: str, number: int) -> None:
    """Remove the folders and locks of ``layer``'s generations before ``number``, and building
    folders left by builders that died (older than a day: a live build takes minutes)."""
    for entry in os.scandir(root):
        if _older(entry.name, layer, number) or (
            entry.name.startswith(BUILDING_PREFIX) and _age(entry.path) > 86_400
        ):
            _remove(entry.path)


def _older(name: str, layer: str, number: int) -> bool:
    parts = _NAME.match(name)
    return bool(parts) and parts["layer"] == layer and int(parts["number"]) < number


def _remove(path: str) -> None:
    try:
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:  # another worker removed it first
        pass


def _age(path: str) -> float:
    try:
        return time.time() - os.stat(path).st_mtime
    except FileNotFoundError:
        return 0.0


def _whole(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, META))


def _meta(folder: str) -> dict:
    with open(os.path.join(folder, META)) as meta_file:
        return json.load(meta_file)


def _fsync_folder(path: str) -> None:
    """Make the rename itself durable (the files were fsynced by the builder)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
