"""A publish does not stall lookups: the old index answers until the new one replaces it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from gridsvc.boundaries import lookup_index
from tests.boundaries.conftest import grids_of
from tests.conftest import bearer

POINT = "/api/v1/locate?lon=112.845&lat=27.87"


@pytest.fixture
def reader(make_user):
    return bearer(make_user(role="grid_worker", township_code="430302001"))


@pytest.fixture
def gated_build(monkeypatch):
    """Background builds wait at a gate the test opens, so a lookup that waited for one would
    hang. (The gate stands before the build's first query: the tests' one connection is then
    used by one thread at a time.)"""
    gate = threading.Event()
    real_build = lookup_index.current_index

    def gated(layer, **kwargs):
        assert gate.wait(timeout=60), "the test never opened the gate"
        return real_build(layer, **kwargs)

    # Only the background thread looks the name up in the module; requests call their own import.
    monkeypatch.setattr(lookup_index, "current_index", gated)
    yield gate
    gate.set()


def _wait_for_the_build(layer: str) -> None:
    deadline = time.monotonic() + 60
    while lookup_index.building(layer):
        assert time.monotonic() < deadline, "the background build never finished"
        time.sleep(0.01)


def test_lookups_answer_from_the_old_index_while_the_new_one_is_built(
    app, client, hierarchy, publish, reader, gated_build, monkeypatch
):
    # A bulk request builds the index in the request, as a warm worker has it.
    client.post("/api/v1/locate", json={"points": [{"lon": 112.81, "lat": 27.86}]}, headers=reader)
    old = client.get(POINT, headers=reader).get_json()
    assert old["grid"]["code"] == "430302001001002"
    # Production's mode: a stale index is rebuilt in the background.
    monkeypatch.setitem(app.config, "LOCATE_INDEX_BACKGROUND", True)
    publish("grid", grids_of("430302001001", n=3))  # the new generation: three strips, not two

    for _ in range(5):  # none of these waits for the build held at the gate
        started = time.perf_counter()
        answer = client.get(POINT, headers=reader).get_json()
        assert time.perf_counter() - started < 2.0
        assert answer == old  # the old generation's answer, naming the old generation
    bulk = client.post(
        "/api/v1/locate", json={"points": [{"lon": 112.845, "lat": 27.87}]}, headers=reader
    )
    assert bulk.get_json()["results"][0]["generation"] == old["generation"]
    assert lookup_index.building("unified")

    gated_build.set()
    _wait_for_the_build("unified")
    new = client.get(POINT, headers=reader).get_json()
    assert new["grid"]["code"] == "430302001001003"
    assert new["generation"] == old["generation"] + 1


def test_without_a_warm_index_a_lookup_uses_sql_while_the_first_build_runs(
    app, client, hierarchy, reader, gated_build, monkeypatch, caplog
):
    caplog.set_level("INFO", logger=lookup_index.log.name)
    lookup_index.drop_all()
    monkeypatch.setitem(app.config, "LOCATE_INDEX_BACKGROUND", True)
    answer = client.get(POINT, headers=reader).get_json()  # the GiST table answers
    assert answer["grid"]["code"] == "430302001001002"
    assert lookup_index.building("unified")
    gated_build.set()
    _wait_for_the_build("unified")
    assert lookup_index.warm_index("unified").number == answer["generation"]
    # Operators and bench/edge.py's warm-up read when a worker has its index.
    built = [r for r in caplog.records if r.getMessage() == "locate index built"]
    assert [(r.layer, r.generation) for r in built] == [("unified", answer["generation"])]


def test_a_build_in_another_process_reads_what_another_process_committed(app, committed_generation):
    """Production's background build: a child process (no GIL shared with the requests) reads
    the committed generation and hands the arrays back."""
    index = lookup_index._load_in_another_process("unified")
    assert index.number == committed_generation
    assert index.lookup(np.array([100.5, 102.0]), np.array([20.5, 20.5])) == [
        (0, "county", "990001", "测试县")
    ]


def test_a_failed_build_in_another_process_says_why(app, committed_generation, monkeypatch):
    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "postgresql://nobody@127.0.0.1:1/x")
    with pytest.raises(RuntimeError, match="index build failed"):
        lookup_index._load_in_another_process("unified")
