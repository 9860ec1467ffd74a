"""HTTP conventions shared by every room: ETag / If-Match for updates."""

from __future__ import annotations

from functools import wraps

from flask import current_app, request

from gridsvc.errors import PreconditionFailed, PreconditionRequired, TooLarge


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


def body_limit(config_key: str, *, extra: int = 0):
    """Refuse a request body larger than ``app.config[config_key]`` (+ ``extra``) with 413.

    The global MAX_CONTENT_LENGTH is sized for boundary uploads; endpoints phones call take far
    less, and saying so early keeps a runaway client from tying up a worker.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            limit = current_app.config[config_key] + extra
            if request.content_length is not None and request.content_length > limit:
                raise TooLarge(
                    f"The request body exceeds the limit of {limit} bytes for this endpoint.",
                    code="request.too_large",
                    limit_bytes=limit,
                )
            request.max_content_length = limit  # also bounds chunked bodies of unknown length
            return view(*args, **kwargs)

        return wrapper

    return decorator
