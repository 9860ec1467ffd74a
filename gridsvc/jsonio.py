"""orjson as Flask's JSON provider: faster map payloads, RFC 3339 datetimes, UUIDs and Decimals.

Request bodies are read by :func:`loads_request` (Flask's ``request.get_json`` and the argument
parser both end there): malformed JSON is a 400 ``request.malformed_json``, nesting beyond
``JSON_MAX_DEPTH`` a 400 ``request.too_deep``, and text or numbers nothing behind the schema can
hold a 422 naming the field (see :mod:`gridsvc.inputs`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

from gridsvc.errors import DomainError
from gridsvc.inputs import Oversized, find_problem, is_clean, too_deep

DEFAULT_MAX_DEPTH = 32


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "__geo_interface__"):
        return value.__geo_interface__
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_request(s, self._app.config.get("JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def dumps_bytes(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS)


class MalformedJson(DomainError):
    status = 400
    code = "request.malformed_json"


def loads_request(data: str | bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse a client's JSON, refusing what would break a consumer further on.

    orjson parses (it stops at 1024 levels, so no recursion error) and refuses lone surrogates
    and numbers beyond a double; one pass over the result checks depth, NUL characters and
    ±2**53. Together they cost about what the standard library's parse alone did. Only a
    refused body is walked again, slowly, to name the field.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _refusal(raw, max_depth, exc) from None
    # A NUL can only arrive escaped: a raw one is invalid JSON, refused above.
    if not is_clean(doc, max_depth, nul_possible=b"\\u0000" in raw):
        raise find_problem(doc, max_depth) or too_deep(max_depth)
    return doc


def _refusal(raw: bytes, max_depth: int, exc: orjson.JSONDecodeError) -> DomainError:
    """Why orjson refused ``raw``, naming the field when the JSON itself was well-formed.

    orjson stops at lone surrogates, at numbers beyond a double and at 1024 levels without
    saying where; the standard library accepts the first two, so its parse, walked, names the
    field. Only refused bodies take this slower path.
    """
    try:
        doc = json.loads(raw, parse_int=_parse_int, parse_constant=float)
    except RecursionError:
        return too_deep(max_depth)
    except ValueError:
        return MalformedJson(f"The body is not valid JSON: {exc}.")
    return find_problem(doc, max_depth) or MalformedJson(f"The body is not valid JSON: {exc}.")


def _parse_int(literal: str) -> int | Oversized:
    # Longer literals are out of range anyway; converting them costs quadratic time.
    return int(literal) if len(literal) <= 20 else Oversized(literal)
