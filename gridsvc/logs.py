"""JSON-lines logging with a request id on every line, so one report can be followed through the logs."""

from __future__ import annotations

import atexit
import contextlib
import copy
import itertools
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener
from queue import SimpleQueue

import orjson
from flask import Flask, g, request

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class _RequestIds:
    """Request ids: 32 hex characters, unique, not secret.

    A random prefix per process and a counter, instead of ``uuid4`` per request, which reads the
    kernel's random source every time (a tenth of a locate's time in the app, bench/README.md).
    A forked child draws its own prefix, so workers forked from one parent never share ids.
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = os.urandom(8).hex()
        self.counter = itertools.count()

    def new(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"


request_ids = _RequestIds()


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        # Stamped by the queue handler in the request's thread; read from the context otherwise.
        request_id = record.__dict__.get("request_id") or _current_request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def _current_request_id() -> str | None:
    try:
        return g.get("request_id")
    except RuntimeError:  # outside an app context (CLI, Celery, the log's own thread)
        return None


class BackgroundHandler(QueueHandler):
    """Request threads only put the record on a queue; one thread per process formats and writes.

    With one locked stderr handler, Granian's threads queued behind each other's writes: py-spy
    put the access line at 56 % of a lean locate's Python time, 38 % waiting on that lock.
    The listener thread starts on the first record in each process (Granian's and gunicorn's
    workers are processes; a thread started before a fork would not exist in the child) and
    is drained at exit, so a clean shutdown loses no line.
    """

    def __init__(self, target: logging.Handler) -> None:
        super().__init__(SimpleQueue())
        self.target = target
        self._start_lock = threading.Lock()
        self._listener: QueueListener | None = None
        self._stopped = False
        os.register_at_fork(after_in_child=self._forget_parent)
        atexit.register(self.stop)

    def _forget_parent(self) -> None:
        # The parent's queued records are the parent's to write; its thread is not ours.
        self.queue = SimpleQueue()
        self._start_lock = threading.Lock()
        self._listener = None

    def _start(self) -> None:
        with self._start_lock:
            if self._listener is None:
                listener = QueueListener(self.queue, self.target, respect_handler_level=True)
                listener.start()
                self._listener = listener

    def stop(self) -> None:
        """Write what is queued and stop the thread; later records are written directly."""
        self._stopped = True
        with self._start_lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()  # enqueues a sentinel and joins: every earlier record is written
        # The stream may be closed already (pytest's capture); logging.shutdown allows it too.
        with contextlib.suppress(OSError, ValueError):
            self.target.flush()

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: the queue is thread-safe, and that lock is what threads queued on.
        accepted = bool(self.filter(record))
        if accepted:
            self.emit(record)
        return accepted

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._stopped:  # at exit, after the thread: write in the caller, lose nothing
                self.target.handle(self.prepare(record))
                return
            if self._listener is None:
                self._start()
            self.queue.put_nowait(self.prepare(record))
        except Exception:  # noqa: BLE001  (as logging's handlers do: a log line never fails a request)
            self.handleError(record)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """What must be read in the caller's thread: its request id, and %-args that may change.

        Formatting (the costly part) is left to the listener. Other handlers (pytest's caplog)
        see the same record, so it is copied rather than changed when its message is resolved.
        """
        if record.args:
            record = copy.copy(record)
            record.msg, record.args = record.getMessage(), None
        if "request_id" not in record.__dict__:
            request_id = _current_request_id()
            if request_id:
                record.request_id = request_id
        return record

    def close(self) -> None:
        self.stop()  # logging.shutdown() closes handlers at exit too
        super().close()


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(isinstance(h, BackgroundHandler) for h in root.handlers):
        return
    stream = logging.StreamHandler(sys.stderr)
    stream.setFormatter(JsonLineFormatter())
    root.addHandler(BackgroundHandler(stream))
    root.setLevel(level)


def install_request_logging(app: Flask) -> None:
    access = logging.getLogger("gridsvc.access")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a client's id only when it is short and printable, else mint one.
        ok = 0 < len(incoming) <= 64 and incoming.isprintable()
        g.request_id = incoming if ok else request_ids.new()
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        started = g.get("started")
        access.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                "user": g.get("user_id"),
            },
        )
        return response
