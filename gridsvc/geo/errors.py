"""The one exception geometry input raises; the web layer renders it as problem+json."""

from __future__ import annotations


class GeoInputError(ValueError):
    """Bad geometry input: a stable dotted ``code``, a sentence for people, an HTTP status."""

    def __init__(self, code: str, detail: str, status: int = 422, extra: dict | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.extra = extra or {}
