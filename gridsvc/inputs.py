"""Hostile input refused at the door, once for every endpoint.

Three kinds of value pass a schema yet break what lies behind it:

* text PostgreSQL cannot store: a NUL character (psycopg2 refuses it, a 500) or a lone UTF-16
  surrogate such as ``"\\ud800"`` (not encodable as UTF-8, a 500);
* numbers no field can hold: beyond ±2**53 a JSON number is no longer exact in any client, and a
  400-digit integer overflows the float a coordinate field turns it into;
* nesting no payload needs: our deepest body (a zone's MultiPolygon) is 6 levels, while a
  document 20,000 levels deep exhausts any recursive consumer.

JSON bodies are checked by :func:`gridsvc.jsonio.loads_request` with :func:`find_problem`; query
strings and path values by the request hook :func:`install_input_checks`; form fields by the
argument parser in :mod:`gridsvc.http`. Each refusal is a 422 naming the field (400 for nesting).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, request

from gridsvc.errors import DomainError, Invalid

# I-JSON (RFC 7493 §2.2): integers outside ±(2**53 - 1) cannot be exchanged exactly.
MAX_SAFE_NUMBER = 2**53 - 1


class InvalidText(DomainError):
    status = 422
    code = "request.invalid_text"


class NumberOutOfRange(DomainError):
    status = 422
    code = "request.number_out_of_range"


class TooDeep(DomainError):
    status = 400
    code = "request.too_deep"


class Oversized:
    """An integer literal too long to convert: kept as text so the walk can name its field."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "must not contain a NUL character (U+0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain a lone surrogate (U+D800 to U+DFFF)"
    return None


def number_problem(value: Any) -> str | None:
    if isinstance(value, Oversized):
        return f"is out of range (at most ±{MAX_SAFE_NUMBER})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    if not -MAX_SAFE_NUMBER <= value <= MAX_SAFE_NUMBER:
        return f"is out of range (at most ±{MAX_SAFE_NUMBER})"
    return None


def is_clean(doc: Any, max_depth: int, *, nul_possible: bool) -> bool:
    """Whether orjson's parse of a body holds nothing to refuse: the fast pass every body takes.

    Only what orjson can return is looked at (its strings are valid UTF-8, its floats finite);
    strings only when the raw body had an escaped NUL (``nul_possible``). No paths are kept: a
    refused body is walked again by :func:`find_problem`, which names the field.
    """
    if not isinstance(doc, dict | list):
        return find_problem(doc, max_depth) is None
    stack = [(doc, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        container, depth = pop()
        if depth > max_depth:
            return False
        if type(container) is dict:
            if nul_possible and any("\x00" in key for key in container):
                return False
            values = container.values()
        else:
            values = container
        for value in values:
            kind = type(value)
            if kind is float or kind is int:
                if not -MAX_SAFE_NUMBER <= value <= MAX_SAFE_NUMBER:
                    return False
            elif kind is str:
                if nul_possible and "\x00" in value:
                    return False
            elif kind is dict or kind is list:
                push((value, depth + 1))
    return True


def find_problem(doc: Any, max_depth: int) -> DomainError | None:
    """The first value in a parsed JSON document that must be refused, naming where it is.

    Iterative, so a deep document costs no stack; ``max_depth`` counts containers (``[]`` is 1).
    """
    stack: list[tuple[Any, tuple, int]] = [(doc, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth + 1 > max_depth:
                return too_deep(max_depth)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in items:
                if isinstance(key, str) and (why := text_problem(key)):
                    return _at(InvalidText, (*path, key), f"has a name that {why}")
                stack.append((child, (*path, key), depth + 1))
        elif isinstance(value, str):
            if why := text_problem(value):
                return _at(InvalidText, path, why)
        elif why := number_problem(value):
            return _at(NumberOutOfRange, path, why)
    return None


def check_fields(pairs: Iterable[tuple[str, str]], location: str) -> None:
    """Refuse a query string, form or path value (or name) that cannot be stored as text."""
    for name, value in pairs:
        for text in (name, value):
            if isinstance(text, str) and (why := text_problem(text)):
                subject = "value" if text is value else "name"
                label = _printable(name)
                raise InvalidText(
                    f"The {location} parameter {label} {why}.",
                    errors={label: [f"The {subject} {why}."]},
                    location=location,
                )


# PostgreSQL keeps UTC offsets up to 15:59; Python parses up to 23:59 ("…T02:02:50-21:10").
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def check_times(data: Any, path: tuple = ()) -> None:
    """Refuse parsed date-times whose UTC offset the database cannot store (a 422, not a 500)."""
    if isinstance(data, dict):
        for key, value in data.items():
            check_times(value, (*path, key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            check_times(value, (*path, index))
    elif isinstance(data, datetime) and abs(data.utcoffset() or timedelta()) > MAX_UTC_OFFSET:
        name = ".".join(str(p) for p in path) or "_schema"
        raise Invalid(
            f"The time in {name} has a UTC offset beyond ±15:59.",
            errors={name: ["The UTC offset must be within ±15:59."]},
        )


def too_deep(max_depth: int) -> TooDeep:
    return TooDeep(
        f"The JSON body is nested more than {max_depth} levels deep.", max_depth=max_depth
    )


def check_head_sizes(config: Any) -> None:
    """414 / 431 as problem+json, below the server's own limits (gridsvc/serving.py, nginx), which
    would answer in HTML: the app's limits are the smaller, so clients meet these first."""
    target = request.environ.get("RAW_URI") or request.full_path
    if len(target) > config["MAX_URL_BYTES"]:
        raise DomainError(
            f"The URL is longer than {config['MAX_URL_BYTES']} bytes; send filters in a body.",
            status=414,
            code="request.uri_too_long",
            limit_bytes=config["MAX_URL_BYTES"],
        )
    headers = request.headers
    longest = max((len(k) + len(v) + 2 for k, v in headers.items()), default=0)
    if len(headers) > config["MAX_HEADER_COUNT"] or longest > config["MAX_HEADER_BYTES"]:
        raise DomainError(
            f"Send at most {config['MAX_HEADER_COUNT']} header fields of at most "
            f"{config['MAX_HEADER_BYTES']} bytes each.",
            status=431,
            code="request.headers_too_large",
        )


def install_input_checks(app: Flask) -> None:
    """Query strings and path values of every request, before any view or schema reads them."""

    @app.before_request
    def _refuse_oversized_heads() -> None:
        check_head_sizes(app.config)

    @app.before_request
    def _refuse_unstorable_text() -> None:
        check_fields(request.args.items(multi=True), "query")
        check_fields(
            ((k, v) for k, v in (request.view_args or {}).items() if isinstance(v, str)), "path"
        )


def _at(kind: type[DomainError], path: tuple, why: str) -> DomainError:
    """The error for a value at ``path`` in the body: a JSON Pointer (RFC 6901) to it, and
    ``errors`` nested as marshmallow nests them, so clients read both kinds of 422 alike."""
    path = tuple(_printable(p) if isinstance(p, str) else p for p in path)
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    errors: Any = [f"The value {why}."]
    for key in reversed(path):
        errors = {key: errors}
    if not path:
        errors = {"_schema": errors}
    return kind(f"The value at {pointer or '/'} {why}.", errors=errors, pointer=pointer)


def _printable(name: str) -> str:
    """``name`` safe to echo in the answer: a NUL or lone surrogate written as its escape."""
    if not text_problem(name):
        return name
    return "".join(
        f"\\u{ord(c):04x}" if c == "\x00" or 0xD800 <= ord(c) <= 0xDFFF else c for c in name
    )
