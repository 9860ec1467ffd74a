"""JSON-lines logging with a request id on every line, so one report can be followed through the logs.

Every answer writes one access line (:func:`log_access`: the full path's ``after_request`` and the
lean path of :mod:`gridsvc.lean`). Through :mod:`logging` that line cost about half of a lean
304's time in the app (a ``LogRecord``, the caller's frame looked up, the handler's lock, a
``datetime`` per line, the text stream and its flush): when the only handler that would see the
line is the one :func:`configure_logging` installed, the line is formatted here into the very
bytes that handler would write and handed to its file descriptor with one ``write``; with any
other handler, filter or record factory in play (pytest's ``caplog``, an operator's extra
handler) it goes through :mod:`logging` as before. No thread, no queue: nothing a forked worker
could inherit half-held (a queued log with a writer thread hung a forked test, issue 13).
"""

from __future__ import annotations

import codecs
import itertools
import logging
import math
import os
import sys
import time
from datetime import UTC, datetime

import orjson
from flask import Flask, g, request

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
ACCESS = "gridsvc.access"


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


class _Timestamps:
    """``datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")``, with the date and
    time of day formatted once per second instead of once per line.

    The microseconds are rounded as ``datetime`` rounds them (half to even, carrying into the
    second), then cut to milliseconds as ``isoformat`` cuts them; tests/test_logs.py holds the
    two equal.
    """

    def __init__(self) -> None:
        self._second: tuple[int, str] = (0, datetime.fromtimestamp(0, UTC).isoformat()[:-6])

    def iso(self, ts: float) -> str:
        fraction, whole = math.modf(ts)
        micro = round(fraction * 1e6)
        if micro >= 1_000_000:
            whole, micro = whole + 1, micro - 1_000_000
        elif micro < 0:
            whole, micro = whole - 1, micro + 1_000_000
        second = int(whole)
        cached = self._second  # one tuple, replaced whole: safe for threads without a lock
        if cached[0] != second:
            cached = (second, datetime.fromtimestamp(second, UTC).isoformat()[:-6])
            self._second = cached
        return f"{cached[1]}.{micro // 1000:03d}+00:00"


timestamps = _Timestamps()


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": timestamps.iso(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        try:
            request_id = g.get("request_id")
        except RuntimeError:  # outside an app context (CLI, Celery)
            request_id = None
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class JsonLineHandler(logging.StreamHandler):
    """The handler :func:`configure_logging` installs: JSON lines on a stream (stderr).

    It also tells :func:`log_access` the file descriptor under its stream, when writing bytes
    there is what writing text to the stream would do (UTF-8, no newline translation, a real
    descriptor): None otherwise, and the access line takes the :mod:`logging` way.
    """

    def __init__(self, stream=None) -> None:
        super().__init__(stream)
        self.setFormatter(JsonLineFormatter())
        self._fd_of: tuple[object, int | None] = (None, None)

    def direct_fd(self) -> int | None:
        stream = self.stream
        known = self._fd_of
        if known[0] is not stream:
            known = (stream, _utf8_descriptor(stream))
            self._fd_of = known
        return known[1]


def _utf8_descriptor(stream) -> int | None:
    try:
        encoding = codecs.lookup(stream.encoding).name
        fd = stream.fileno()
    except (AttributeError, LookupError, OSError, TypeError, ValueError):
        return None  # io.UnsupportedOperation is an OSError and a ValueError
    if encoding != "utf-8" or os.linesep != "\n":
        return None
    return fd


def _direct_target(logger: logging.Logger) -> JsonLineHandler | None:
    """Our handler, when it alone would write ``logger``'s INFO line, formatted by our formatter,
    with nothing else looking, to a descriptor it knows (None: the line takes :mod:`logging`)."""
    if (
        logger.disabled
        or logger.filters
        or not logger.isEnabledFor(logging.INFO)
        or logging.getLogRecordFactory() is not logging.LogRecord
    ):
        return None
    target = None
    current: logging.Logger | None = logger
    while current is not None:  # the walk Logger.callHandlers makes
        if current.handlers:
            if target is not None or len(current.handlers) != 1:
                return None
            target = current.handlers[0]
        if not current.propagate:
            break
        current = current.parent
    if (
        type(target) is not JsonLineHandler
        or target.filters
        or target.level > logging.INFO
        or type(target.formatter) is not JsonLineFormatter
        or target.terminator != "\n"
        or target.direct_fd() is None
    ):
        return None
    return target


_access = logging.getLogger(ACCESS)
_PLAIN_LOGGER = type(_access) is logging.Logger  # a subclass may make its records otherwise


def log_access(
    request_id: str | None, method: str, path: str, status: int, ms: float | None, user
) -> None:
    """The access line of one answer: the same fields, in the same order, either way."""
    extra = {"method": method, "path": path, "status": status, "ms": ms, "user": user}
    if request_id:  # where the formatter puts g.request_id: right after "msg"
        extra = {"request_id": request_id, **extra}
    target = _direct_target(_access) if _PLAIN_LOGGER else None
    if target is not None and _write_line(target, extra):
        return
    _access.info("request", extra=extra)


def _write_line(target: JsonLineHandler, extra: dict) -> bool:
    """Write the line the formatter would make of this record; False: not written (an encoding
    error, a closed descriptor), and :mod:`logging` tries and reports it as it always did."""
    entry = {"ts": timestamps.iso(time.time()), "level": "info", "logger": ACCESS}
    entry["msg"] = "request"
    entry.update(extra)
    try:
        line = orjson.dumps(entry, default=str) + b"\n"
    except orjson.JSONEncodeError:
        return False
    fd = target.direct_fd()
    # The handler's lock, as its own writes take it: a long line the stream writes in pieces
    # is never cut by ours. Held for the write() only, not for formatting as logging holds it.
    with target.lock:
        try:
            while line:  # one write() in practice; a short one (a signal) writes the rest
                line = line[os.write(fd, line) :]
        except OSError:
            return False
    return True


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonLineFormatter) for h in root.handlers):
        return
    root.addHandler(JsonLineHandler(sys.stderr))
    root.setLevel(level)


def install_request_logging(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a client's id only when it is short and printable, else mint one.
        ok = 0 < len(incoming) <= 64 and incoming.isprintable()
        g.request_id = incoming if ok else request_ids.new()
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        request_id = g.get("request_id", "")
        response.headers["X-Request-ID"] = request_id
        started = g.get("started")
        log_access(
            request_id,
            request.method,
            request.path,
            response.status_code,
            round((time.perf_counter() - started) * 1000, 2) if started else None,
            g.get("user_id"),
        )
        return response
