"""Opaque keyset cursors: stable under inserts, cheap at any depth (no OFFSET)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import orjson
from flask import current_app
from sqlalchemy import ColumnElement, Select, tuple_

from gridsvc.errors import DomainError
from gridsvc.extensions import db


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps(list(values), default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise DomainError("The cursor is not valid.", code="request.invalid_cursor") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise DomainError("The cursor is not valid.", code="request.invalid_cursor")
    return values


def clamp_limit(limit: int | None) -> int:
    default = current_app.config["PAGE_LIMIT_DEFAULT"]
    return max(1, min(limit or default, current_app.config["PAGE_LIMIT_MAX"]))


def keyset_page(
    stmt: Select, keys: Sequence[ColumnElement], cursor: str | None, limit: int | None
) -> tuple[Select, int]:
    """Order ``stmt`` by ``keys`` (ascending), continue after ``cursor``, fetch one extra row."""
    size = clamp_limit(limit)
    if cursor:
        after = decode_cursor(cursor, len(keys))
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
        (after,) = decode_cursor(cursor, 1)
        if not isinstance(after, int) or isinstance(after, bool):
            raise DomainError("The cursor is not valid.", code="request.invalid_cursor")
        stmt = stmt.where(id_col < after)
    rows = list(db.session.scalars(stmt.order_by(id_col.desc()).limit(size + 1)))
    if len(rows) > size:
        rows = rows[:size]
        return rows, encode_cursor([getattr(rows[-1], id_col.key)])
    return rows, None
