"""HTTP conventions shared by every room: ETag / If-Match for updates."""

from __future__ import annotations

from flask import request

from gridsvc.errors import PreconditionFailed, PreconditionRequired


def etag(kind: str, ident: object, version: int) -> str:
    """A strong ETag from a row's optimistic-lock version."""
    return f'"{kind}-{ident}-v{version}"'


def require_if_match(current: str) -> None:
    """Refuse an update that does not prove it saw the current version (lost-update guard)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "This update needs an If-Match header with the ETag from your last read.",
            code="request.if_match_required",
        )
    candidates = {value.strip() for value in header.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed(
        "The resource changed since you read it; read it again and retry.",
        code="request.etag_mismatch",
        current_etag=current,
    )
