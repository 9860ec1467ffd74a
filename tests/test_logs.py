"""The access log goes through a queue to one writer thread per process (gridsvc/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import textwrap
import threading

from gridsvc.logs import BackgroundHandler, JsonLineFormatter


def _handler() -> tuple[BackgroundHandler, io.StringIO]:
    out = io.StringIO()
    stream = logging.StreamHandler(out)
    stream.setFormatter(JsonLineFormatter())
    return BackgroundHandler(stream), out


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.handlers = [handler]
    return logger


def test_a_burst_from_many_threads_loses_no_line():
    handler, out = _handler()
    logger = _logger(handler, "gridsvc.test_logs.burst")
    threads, per_thread = 8, 500

    def burst(t: int) -> None:
        for i in range(per_thread):
            logger.info("request", extra={"t": t, "i": i})

    workers = [threading.Thread(target=burst, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    handler.stop()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sorted((e["t"], e["i"]) for e in lines) == [
        (t, i) for t in range(threads) for i in range(per_thread)
    ]


def test_the_line_is_the_one_the_formatter_writes_directly(app):
    handler, out = _handler()
    logger = _logger(handler, "gridsvc.test_logs.format")
    with app.test_request_context("/x"):
        from flask import g

        g.request_id = "abc-123"
        logger.info("hello %s", "world", extra={"path": "/x", "status": 200, "user": None})
        handler.stop()
        record = logging.makeLogRecord(
            {"name": logger.name, "msg": "hello world", "levelname": "INFO", "levelno": 20}
        )
        record.__dict__.update(path="/x", status=200, user=None)
        direct = json.loads(JsonLineFormatter().format(record))
    queued = json.loads(out.getvalue())
    assert (
        list(queued)
        == list(direct)
        == [*("ts", "level", "logger", "msg", "request_id", "path", "status", "user")]
    )
    assert {k: v for k, v in queued.items() if k != "ts"} == {
        k: v for k, v in direct.items() if k != "ts"
    }
    assert queued["request_id"] == "abc-123"  # stamped in the request's thread, not the writer's


def test_no_request_id_key_outside_a_request():
    handler, out = _handler()
    _logger(handler, "gridsvc.test_logs.plain").warning("plain")
    handler.stop()
    line = json.loads(out.getvalue())
    assert "request_id" not in line
    assert (line["level"], line["msg"]) == ("warning", "plain")


def test_a_record_after_stop_is_written_directly():
    handler, out = _handler()
    logger = _logger(handler, "gridsvc.test_logs.late")
    logger.info("before")
    handler.stop()
    logger.info("after")  # e.g. another atexit hook logging during shutdown
    assert [json.loads(x)["msg"] for x in out.getvalue().splitlines()] == ["before", "after"]


def test_exceptions_are_formatted_by_the_writer():
    handler, out = _handler()
    logger = _logger(handler, "gridsvc.test_logs.exc")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    handler.stop()
    line = json.loads(out.getvalue())
    assert line["level"] == "error"
    assert "ValueError: boom" in line["exc"]


_EXITING = textwrap.dedent(
    """
    import logging, os, sys, threading
    from gridsvc.logs import configure_logging
    configure_logging("INFO")
    log = logging.getLogger("gridsvc.access")
    def burst(t):
        for i in range(2000):
            log.info("request", extra={"t": t, "i": i})
    threads = [threading.Thread(target=burst, args=(t,)) for t in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    if os.fork() == 0:  # a worker forked after the parent's thread started logs on its own
        log.info("child")
        sys.exit(0)
    os.wait()
    """
)


def test_a_clean_exit_flushes_every_queued_line():
    done = subprocess.run(  # noqa: S603 (this interpreter, our own script)
        [sys.executable, "-c", _EXITING], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(x) for x in done.stderr.splitlines()]
    assert sorted((e["t"], e["i"]) for e in lines if "t" in e) == [
        (t, i) for t in range(4) for i in range(2000)
    ]
    assert [e["msg"] for e in lines if "t" not in e] == ["child"]  # once: not the parent's too


def test_caplog_still_sees_access_records(client, caplog):
    caplog.set_level("INFO", logger="gridsvc.access")
    client.get("/healthz", headers={"X-Request-ID": "seen-by-caplog"})
    access = [r for r in caplog.records if r.name == "gridsvc.access"]
    assert access
    assert (access[-1].path, access[-1].status) == ("/healthz", 200)
    assert access[-1].request_id == "seen-by-caplog"
