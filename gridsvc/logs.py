"""JSON-lines logging with a request id on every line, so one report can be followed through the logs."""

from __future__ import annotations

import itertools
import logging
import os
import sys
import time
from datetime import UTC, datetime

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


def configure_logging(level: str) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonLineFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    root.addHandler(handler)
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
