"""Per-item problems for batch results: the same RFC 9457 members a single request would get."""

from __future__ import annotations

from marshmallow import ValidationError

from gridsvc.errors import PROBLEM_TYPE_BASE, TITLES, DomainError
from gridsvc.geo.errors import GeoInputError


def as_problem(exc: Exception) -> dict:
    """A problem+json object for one failed item (no Response: it sits inside a 200 batch)."""
    if isinstance(exc, DomainError):
        status, code, detail = exc.status, exc.code, exc.detail
        errors, extra = exc.errors, exc.extra
    elif isinstance(exc, GeoInputError):
        status, code, detail, errors, extra = exc.status, exc.code, exc.detail, None, exc.extra
    elif isinstance(exc, ValidationError):
        status, code, detail = 422, "request.validation_failed", "The item is not valid."
        errors = exc.messages if isinstance(exc.messages, dict) else {"_item": exc.messages}
        extra = {}
    else:  # pragma: no cover - callers pass only the three kinds above
        raise TypeError(type(exc).__name__)
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in (extra or {}).items() if v is not None})
    return body
