"""Opaque keyset cursors: stable under inserts, cheap at any depth (no OFFSET)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson
from flask import current_app
from sqlalchemy import ColumnElement, Select, tuple_

from gridsvc.errors import DomainError
from gridsvc.extensions import db
from gridsvc.inputs import text_problem


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps(list(values), default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *kinds: type) -> list[Any]:
    """The values of a cursor minted by :func:`encode_cursor`, one per kind, each checked.

    A cursor travels through the client, so it may be forged: it must hold exactly one value per
    kind, each of that kind (``int``, ``str``, ``datetime``, ``UUID``; the last two as text),
    before any of it reaches SQL, where a string compared with a timestamp or a list bound as an
    array is a database error (a 500), not a bad request.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise _invalid() from exc
    if not isinstance(values, list) or len(values) != len(kinds):
        raise _invalid()
    return [_as(kind, value) for kind, value in zip(kinds, values, strict=True)]


# Cursor values bound as bigint must fit one.
_BIGINT = 2**63 - 1


def _as(kind: type, value: Any) -> Any:
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _BIGINT:
            return value
        raise _invalid()
    if not isinstance(value, str) or text_problem(value):
        raise _invalid()
    if kind is str:
        return value
    try:
        if kind is datetime:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:  # we mint cursors from timestamptz columns only
                raise ValueError(value)
            return parsed
        if kind is uuid.UUID:
            return uuid.UUID(value)
        if kind is date:
            return date.fromisoformat(value)
    except ValueError as exc:
        raise _invalid() from exc
    raise TypeError(f"a cursor cannot hold a {kind.__name__}")


def _invalid() -> DomainError:
    return DomainError("The cursor is not valid.", code="request.invalid_cursor")


def _kind_of(column: ColumnElement) -> type:
    """What a keyset column's cursor value must be (its type's Python type)."""
    return column.type.python_type


def clamp_limit(limit: int | None) -> int:
    default = current_app.config["PAGE_LIMIT_DEFAULT"]
    return max(1, min(limit or default, current_app.config["PAGE_LIMIT_MAX"]))


def keyset_page(
    stmt: Select, keys: Sequence[ColumnElement], cursor: str | None, limit: int | None
) -> tuple[Select, int]:
    """Order ``stmt`` by ``keys`` (ascending), continue after ``cursor``, fetch one extra row."""
    size = clamp_limit(limit)
    if cursor:
        after = decode_cursor(cursor, *(_kind_of(k) for k in keys))
        stmt = stmt.where(tuple_(*keys) > tuple_(*after))
    return stmt.order_by(*keys).limit(size + 1), size


def split_page(rows: list, size: int, key_of) -> tuple[list, str | None]:
    """Drop the probe row and mint the next cursor from the last row kept."""
    if len(rows) > size:
        rows = rows[:size]
        return rows, encode_cursor(key_of(rows[-1]))
    return rows, None


def newest_first(stmt: Select, id_col: ColumnElement, cursor: str | None, limit: int | None):
    """A page of ``stmt`` by descending id (inboxes, lists where the latest matters most).

    Returns (rows, next_cursor); a cursor whose value is not an integer id is refused.
    """

    size = clamp_limit(limit)
    if cursor:
        (after,) = decode_cursor(cursor, int)
        stmt = stmt.where(id_col < after)
    rows = list(db.session.scalars(stmt.order_by(id_col.desc()).limit(size + 1)))
    if len(rows) > size:
        rows = rows[:size]
        return rows, encode_cursor([getattr(rows[-1], id_col.key)])
    return rows, None
