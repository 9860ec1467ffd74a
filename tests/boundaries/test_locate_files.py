"""One locate-index build per host and generation: a lock, files renamed whole, mapped arrays."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from gridsvc.boundaries import index_files, lookup_index
from tests.boundaries.conftest import COMMITTED_COUNTY

LAYER = "unified"


def _fake_build(generation_id: int, number: int, seconds: float = 0.0, log: str | None = None):
    """A build that writes a meta.json naming the generation (and notes who built, in ``log``)."""

    def build(folder: str) -> None:
        if log:
            with open(log, "a") as out:
                out.write(f"{os.getpid()}\n")
        time.sleep(seconds)
        with open(os.path.join(folder, "meta.json"), "w") as meta:
            json.dump({"id": generation_id, "number": number}, meta)

    return build


def _obtain_in_a_process(root: str, log: str, answers) -> None:
    meta, folder = index_files.obtain(
        root, LAYER, 7, 3, _fake_build(7, 3, seconds=1.0, log=log), wait_seconds=60
    )
    answers.put((os.getpid(), meta["number"], folder))


def test_two_processes_build_a_generation_once(tmp_path):
    root, log = str(tmp_path / "index"), str(tmp_path / "builds.log")
    fork = multiprocessing.get_context("fork")
    answers = fork.Queue()
    processes = [
        fork.Process(target=_obtain_in_a_process, args=(root, log, answers)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    got = [answers.get(timeout=5) for _ in processes]
    with open(log) as builds:  # one build: the other process waited and loaded
        assert len(builds.read().split()) == 1
    assert {(number, folder) for _pid, number, folder in got} == {
        (3, index_files.folder_of(root, LAYER, 7, 3))
    }
    assert not [name for name in os.listdir(root) if name.startswith(".building-")]


def _hold_the_lock(path: str) -> subprocess.Popen:
    holder = subprocess.Popen(  # noqa: S603 (this interpreter)
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a');"
            " fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(120)",
            path,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_killed_builder_does_not_block_the_next(tmp_path):
    root = str(tmp_path / "index")
    os.makedirs(root)
    holder = _hold_the_lock(index_files.folder_of(root, LAYER, 7, 3) + ".lock")
    holder.kill()  # a builder dying mid-build: the system releases its lock
    holder.wait()
    started = time.monotonic()
    meta, folder = index_files.obtain(root, LAYER, 7, 3, _fake_build(7, 3), wait_seconds=60)
    assert time.monotonic() - started < 5
    assert meta["number"] == 3
    assert os.path.isdir(folder)


def test_a_hung_builder_is_waited_for_only_so_long(tmp_path):
    root = str(tmp_path / "index")
    os.makedirs(root)
    holder = _hold_the_lock(index_files.folder_of(root, LAYER, 7, 3) + ".lock")
    try:
        started = time.monotonic()
        meta, _folder = index_files.obtain(root, LAYER, 7, 3, _fake_build(7, 3), wait_seconds=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        assert meta["number"] == 3
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_build_leaves_nothing_half_written_and_the_next_one_builds(tmp_path):
    root = str(tmp_path / "index")

    def broken(folder: str) -> None:
        with open(os.path.join(folder, "xy.npy"), "w") as half:
            half.write("half")
        raise RuntimeError("index build failed: the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        index_files.obtain(root, LAYER, 7, 3, broken, wait_seconds=60)
    assert [name for name in os.listdir(root) if not name.endswith(".lock")] == []
    started = time.monotonic()
    meta, _folder = index_files.obtain(root, LAYER, 7, 3, _fake_build(7, 3), wait_seconds=60)
    assert meta["number"] == 3
    assert time.monotonic() - started < 5


def test_older_generations_files_are_removed(tmp_path):
    root = str(tmp_path / "index")
    index_files.obtain(root, LAYER, 7, 3, _fake_build(7, 3), wait_seconds=60)
    os.makedirs(os.path.join(root, "other-2-5"))  # another layer's index stays
    dead = os.path.join(root, ".building-dead")  # a builder that died two days ago
    fresh = os.path.join(root, ".building-live")  # one building now
    for folder in (dead, fresh):
        os.makedirs(folder)
    os.utime(dead, (time.time() - 2 * 86_400,) * 2)
    _meta, folder = index_files.obtain(root, LAYER, 9, 4, _fake_build(9, 4), wait_seconds=60)
    assert sorted(os.listdir(root)) == sorted(
        [".building-live", "other-2-5", f"{LAYER}-4-9", f"{LAYER}-4-9.lock"]
    )
    assert folder == index_files.folder_of(root, LAYER, 9, 4)


def test_a_build_that_saw_a_newer_generation_is_named_by_it(tmp_path):
    root = str(tmp_path / "index")
    meta, folder = index_files.obtain(root, LAYER, 7, 3, _fake_build(9, 4), wait_seconds=60)
    assert meta["number"] == 4
    assert folder == index_files.folder_of(root, LAYER, 9, 4)


def test_the_second_load_maps_the_first_ones_files(
    app, committed_generation, monkeypatch, tmp_path
):
    """Two workers of one host (two loads sharing the folder): one child build, one set of
    files, both mapped; the mapped index answers as an in-process build and shapely do."""
    monkeypatch.setitem(app.config, "LOCATE_INDEX_DIR", str(tmp_path / "index"))
    builds = []
    real = index_files._build_into_place

    def counted(*args, **kwargs):
        builds.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(index_files, "_build_into_place", counted)
    first = lookup_index._load_in_another_process(LAYER)
    second = lookup_index._load_in_another_process(LAYER)
    assert len(builds) == 1
    assert first.number == second.number == committed_generation
    assert isinstance(second.parts.xy.base, np.memmap)
    assert second.parts.xy.base.filename == first.parts.xy.base.filename
    folder = os.path.dirname(second.parts.xy.base.filename)
    with open(os.path.join(folder, "meta.json")) as meta:
        # The child ran at LOCATE_INDEX_NICE above this process (the system caps it at 19).
        assert json.load(meta)["nice"] == min(19, os.nice(0) + app.config["LOCATE_INDEX_NICE"])

    fresh = lookup_index._load(LAYER, 1.0)  # in this process, from the same rows
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(99.9, 101.1, 2_000), rng.uniform(19.9, 21.1, 2_000)
    triangle = Polygon(COMMITTED_COUNTY)
    expected = [
        (int(k), "county", "990001", "测试县")
        for k in np.flatnonzero(shapely.contains_xy(triangle, xs, ys))
    ]
    assert len(expected) > 300
    assert second.lookup(xs, ys) == fresh.lookup(xs, ys) == expected


def test_the_settings_come_from_the_environment(tmp_path):
    env = {**os.environ, "LOCATE_INDEX_DIR": str(tmp_path / "x"), "LOCATE_INDEX_NICE": "19"}
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gridsvc.config import Config; print(Config.LOCATE_INDEX_DIR, Config.LOCATE_INDEX_NICE)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.split() == [str(tmp_path / "x"), "19"]
