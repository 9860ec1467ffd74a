"""The access line (gridsvc/logs.py): written straight to the handler's descriptor when our handler
alone would write it, through :mod:`logging` otherwise, the same bytes either way."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gridsvc import logs
from gridsvc.logs import JsonLineFormatter, JsonLineHandler, log_access, timestamps

ROOT = Path(__file__).resolve().parent.parent
TS = re.compile(rb'"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"')


@pytest.mark.parametrize(
    "ts",
    [
        0.0,
        1.0,
        1764736813.0,
        1764736813.0005,  # a tie in milliseconds: cut, not rounded
        1764736813.9995,
        1764736813.9999995,  # rounds up into the next second, as datetime does
        1764736813.0000005,
        1764736813.999999,
        -1.25,  # before 1970: the fraction counts down
        -0.0000004,
        4102444799.9999996,  # carries into 2100-01-01
    ],
)
def test_timestamps_are_what_datetime_writes(ts):
    assert timestamps.iso(ts) == datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def test_timestamps_hold_for_many_times_around_now():
    rng = random.Random(13)
    now = time.time()
    for _ in range(20_000):
        ts = now + rng.uniform(-86_400, 86_400)
        ts = math.nextafter(ts, math.inf) if rng.random() < 0.1 else ts
        expected = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
        assert timestamps.iso(ts) == expected, ts


@pytest.fixture
def access(monkeypatch, tmp_path):
    """A gridsvc.access logger of the test's own, outside logging's registry (pytest attaches its
    capturing handlers to every registered logger that does not propagate), with one
    JsonLineHandler on a file, at a fixed clock: the logger, the handler and the file."""
    logger = logging.Logger(logs.ACCESS, logging.INFO)  # no parent: its handlers are all
    monkeypatch.setattr(logs, "_access", logger)
    stream = (tmp_path / "access.log").open("w", encoding="utf-8")
    handler = JsonLineHandler(stream)
    logger.addHandler(handler)
    monkeypatch.setattr(time, "time", lambda: FIXED)
    monkeypatch.setattr(time, "time_ns", lambda: int(FIXED * 1e9))
    yield logger, handler, tmp_path / "access.log"
    stream.close()


FIXED = 1764736813.4567  # the clock of the ``access`` fixture
ARGS = ("abc-123", "GET", "/api/v1/tiles/grids/16/1/2.mvt", 304, 0.05, 7)


def _records(monkeypatch) -> list[str]:
    """Names of the records logging makes from now on."""
    made: list[str] = []
    original = logging.Logger.makeRecord

    def counting(self, name, *args, **kwargs):
        made.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(logging.Logger, "makeRecord", counting)
    return made


def test_the_direct_line_is_the_line_logging_writes(access, monkeypatch, tmp_path):
    logger, handler, path = access
    made = _records(monkeypatch)
    log_access(*ARGS)
    assert made == []  # no LogRecord: written straight to the descriptor
    # A second handler: now logging must write it, to both.
    other_stream = (tmp_path / "other.log").open("w", encoding="utf-8")
    other = JsonLineHandler(other_stream)
    logger.addHandler(other)
    log_access(*ARGS)
    handler.flush(), other_stream.flush()
    assert made == [logs.ACCESS]
    direct, through_logging = path.read_bytes().splitlines(keepends=True)
    assert direct == through_logging == (tmp_path / "other.log").read_bytes()
    assert TS.search(direct)
    assert list(json.loads(direct)) == [
        *("ts", "level", "logger", "msg", "request_id", "method", "path", "status", "ms", "user")
    ]
    ts = datetime.fromtimestamp(FIXED, UTC).isoformat(timespec="milliseconds")
    assert direct.startswith(b'{"ts":"%s","level":"info"' % ts.encode())
    other_stream.close()


def test_without_a_request_id_the_key_is_left_out_either_way(access, monkeypatch):
    _logger, handler, path = access
    log_access(None, "GET", "/healthz", 200, None, None)
    monkeypatch.setattr(logging, "_logRecordFactory", _Factory())  # forces logging's way
    log_access("", "GET", "/healthz", 200, None, None)
    handler.flush()
    direct, through_logging = path.read_bytes().splitlines()
    assert direct == through_logging
    assert b"request_id" not in direct


class _Factory:
    """A record factory that makes plain records: enough to make logging's way the one taken."""

    def __call__(self, *args, **kwargs):
        return logging.LogRecord(*args, **kwargs)


def _filtered(logger, handler):
    logger.addFilter(lambda record: True)


def _handler_filtered(logger, handler):
    handler.addFilter(lambda record: True)


def _record_factory(logger, handler):
    logging.setLogRecordFactory(_Factory())


def _plain_formatter(logger, handler):
    handler.setFormatter(type("Sub", (JsonLineFormatter,), {})())


def _text_stream(logger, handler):
    import io

    handler.setStream(io.StringIO())


@pytest.mark.parametrize(
    "change", [_filtered, _handler_filtered, _record_factory, _plain_formatter, _text_stream]
)
def test_anything_else_in_play_takes_logging_s_way(access, monkeypatch, change):
    logger, handler, _path = access
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())
    made = _records(monkeypatch)
    change(logger, handler)
    log_access(*ARGS)
    assert made == [logs.ACCESS]


def test_a_level_above_info_writes_nothing(access, monkeypatch):
    logger, handler, path = access
    logger.setLevel(logging.WARNING)
    log_access(*ARGS)
    handler.flush()
    assert path.read_bytes() == b""


def test_a_failed_write_is_reported_by_logging_as_before(access, monkeypatch, tmp_path):
    _logger, handler, _path = access
    reported = []
    monkeypatch.setattr(handler, "handleError", reported.append)
    read, write = os.pipe()
    broken = os.fdopen(write, "w", encoding="utf-8")
    handler.setStream(broken)
    os.close(read)  # a closed pipe: write() fails with EPIPE
    log_access(*ARGS)  # must not raise into the request
    assert [r.name for r in reported] == [logs.ACCESS]
    handler.stream = sys.__stdout__
    with pytest.raises(BrokenPipeError):
        broken.close()  # what logging left in its buffer cannot be written either


_PROGRAM = textwrap.dedent(
    """
    import logging, os, sys, threading
    from gridsvc.logs import configure_logging, log_access
    configure_logging("INFO")
    made = []
    original = logging.Logger.makeRecord
    def counting(self, name, *a, **k):
        made.append(name)
        return original(self, name, *a, **k)
    logging.Logger.makeRecord = counting
    def burst(t):
        for i in range(2000):
            log_access(f"{t}-{i}", "GET", "/api/v1/locate", 200, 0.1, t)
    threads = [threading.Thread(target=burst, args=(t,)) for t in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    child = os.fork()
    if child == 0:  # a worker forked from a process that logged, from several threads
        log_access("child", "GET", "/healthz", 200, 0.1, None)
        os._exit(0)
    os.waitpid(child, 0)
    logging.getLogger("gridsvc.other").info("through logging")
    assert made == ["gridsvc.other"], made
    log_access("last", "GET", "/healthz", 200, 0.1, None)
    sys.exit(0)  # no flush needed: each line was written when it was logged
    """
)


def test_a_served_process_writes_every_line_and_a_forked_child_too(tmp_path):
    out = (tmp_path / "stderr.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  (our own program)
        [sys.executable, "-c", _PROGRAM],
        cwd=ROOT,
        # UTF-8 stderr, as production's (and Python's C locale coercion) gives it.
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
        stdout=out,
        stderr=out,
        start_new_session=True,  # on a hang, the whole group (the fork too) is killed
    )
    try:
        assert process.wait(timeout=60) == 0, (tmp_path / "stderr.log").read_text()[-2000:]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail("the logging process hung")
    finally:
        out.close()
    lines = [json.loads(x) for x in (tmp_path / "stderr.log").read_bytes().splitlines()]
    ids = [e.get("request_id") for e in lines if e["logger"] == logs.ACCESS]
    assert sorted(i for i in ids if "-" in i) == sorted(
        f"{t}-{i}" for t in range(4) for i in range(2000)
    )
    assert ids.count("child") == 1
    assert ids[-1] == "last"
    assert [e["msg"] for e in lines if e["logger"] == "gridsvc.other"] == ["through logging"]
