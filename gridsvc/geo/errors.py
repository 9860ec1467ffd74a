"""The one exception geometry input raises; the web layer renders it as problem+json (RFC 9457).

``gridsvc.geo`` knows nothing of Flask, so the HTTP status travels with the error: the code that
detects a problem knows best whether it is a bad request (400), too large (413), an unsupported
format (415) or well-formed but unusable input (422).
"""

from __future__ import annotations


class GeoInputError(ValueError):
    """Bad geometry input.

    Attributes:
        code: stable dotted identifier clients can branch on (``upload.zip_traversal``).
        detail: one English sentence for people, saying what to do about it where possible.
        status: HTTP status: 400, 413, 415 or 422.
        extra: additional problem members (e.g. ``{"columns": [...]}``), JSON-serialisable.
    """

    def __init__(self, code: str, detail: str, status: int = 422, extra: dict | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.extra = extra or {}

    def __repr__(self) -> str:
        return f"GeoInputError({self.code!r}, {self.detail!r}, status={self.status})"
