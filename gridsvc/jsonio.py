"""orjson as Flask's JSON provider: faster map payloads, RFC 3339 datetimes, UUIDs and Decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider


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
        return orjson.loads(s)


def dumps_bytes(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default, option=orjson.OPT_NON_STR_KEYS)
