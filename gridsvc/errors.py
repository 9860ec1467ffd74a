"""Domain errors and RFC 9457 problem+json responses.

Every error that leaves the service — ours, werkzeug's, webargs' validation, JWT failures, rate limits,
unexpected exceptions — is rendered by :func:`problem` with a stable dotted ``code`` clients can switch on.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg2
from flask import Flask, Response, current_app, g
from marshmallow import ValidationError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from gridsvc.dblimits import QUERY_CANCELED
from gridsvc.geo.errors import GeoInputError
from gridsvc.i18n import localize_problem

log = logging.getLogger("gridsvc.errors")

PROBLEM_TYPE_BASE = "https://gridsvc.example/problems/"

HTTP_CODES = {
    400: "request.bad_request",
    401: "auth.unauthorized",
    403: "auth.forbidden",
    404: "not_found",
    405: "request.method_not_allowed",
    406: "request.not_acceptable",
    409: "conflict",
    412: "request.precondition_failed",
    413: "request.too_large",
    414: "request.uri_too_long",
    415: "request.unsupported_media_type",
    422: "request.validation_failed",
    428: "request.precondition_required",
    429: "request.rate_limited",
    431: "request.headers_too_large",
    500: "server.internal_error",
    503: "server.unavailable",
}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    431: "Request header fields too large",
    500: "Internal server error",
    503: "Service unavailable",
}


class DomainError(Exception):
    """Base of every expected failure; carries its HTTP status and a stable code."""

    status = 400
    code = "request.bad_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: dict | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.errors = errors
        self.extra = extra


class NotFound(DomainError):
    """Also what out-of-scope rows raise: existence is not disclosed across scopes."""

    status = 404
    code = "not_found"


class Unauthorized(DomainError):
    status = 401
    code = "auth.unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "auth.forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    status = 422
    code = "request.validation_failed"


class PreconditionRequired(DomainError):
    status = 428
    code = "request.precondition_required"


class PreconditionFailed(DomainError):
    status = 412
    code = "request.precondition_failed"


class TooLarge(DomainError):
    status = 413
    code = "request.too_large"


def problem(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: dict | None = None,
    headers: dict | None = None,
    **extra: Any,
) -> Response:
    """Build an ``application/problem+json`` response (RFC 9457)."""
    body = problem_body(status, code, detail, title=title, errors=errors, **extra)
    request_id = g.get("request_id") if g else None
    if request_id:
        body["request_id"] = request_id
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _webargs_errors(error: HTTPException) -> dict | None:
    """webargs puts field messages under data['messages'][location]; flatten the location level."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    flat: dict = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            flat.update(location_errors)
    return flat or messages


def http_exception_to_problem(error: HTTPException) -> Response:
    status = error.code or 500
    code = getattr(error, "problem_code", None) or HTTP_CODES.get(status, f"http.{status}")
    detail = error.description if isinstance(error.description, str) else None
    data = getattr(error, "data", None) or {}
    if isinstance(data.get("message"), str) and not detail:
        detail = data["message"]
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        headers.update(dict(error.get_headers()) if hasattr(error, "get_headers") else {})
        headers.pop("Content-Type", None)
        detail = f"Rate limit exceeded ({error.description}). Try again later."
    if status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        detail = f"The request body exceeds the limit of {limit} bytes."
    return problem(status, code, detail, errors=_webargs_errors(error), headers=headers)


# What a database outage raises: connection refused, a connection the server closed (restart,
# pg_terminate_backend), SQLSTATE class 08 and the 57P0x shutdowns; also the transient
# operational errors (deadlock; a cancelled statement, 57014, gets a code of its own). SQLAlchemy wraps what it runs; the bulk
# paths (COPY, execute_values) raise psycopg2's own.
DATABASE_ERRORS = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)
_SHUTDOWN_CODES = {"57P01", "57P02", "57P03"}


def _sqlstate(error: Exception) -> str | None:
    return getattr(getattr(error, "orig", error), "pgcode", None)


def database_problem(error: Exception) -> Response:
    """503 with Retry-After: the request may be repeated as it is once the database answers.

    Without a SQLSTATE (refused, closed) or with class 08 / 57P0x the database is unreachable;
    any other operational error (a deadlock, no memory) is transient too but says the database
    is busy, not gone; a cancelled statement (57014, the statement timeout) says so itself.
    """
    state = _sqlstate(error)
    if state == QUERY_CANCELED:
        return _timeout_problem(error)
    down = state is None or state.startswith("08") or state in _SHUTDOWN_CODES
    code = "server.database_unavailable" if down else "server.database_busy"
    if down:
        # Never hand the dead connection back to the pool, nor roll back on it when the request
        # ends (that would raise after this answer): psycopg2's own errors, from the bulk
        # paths, reach us without SQLAlchemy having noticed that the connection is gone.
        try:
            current_app.extensions["sqlalchemy"].session().invalidate()
        except (sa_exc.SQLAlchemyError, psycopg2.Error):  # the answer stays a 503
            log.warning("could not discard the session's connection", exc_info=True)
    log.warning(
        "database error answered 503",
        extra={"error_type": type(error).__name__, "sqlstate": state, "problem": code},
    )
    return problem(
        503,
        code,
        "The database is not answering; retry after the delay given in Retry-After."
        if down
        else "The database could not finish the request now; retry after the delay given.",
        headers={"Retry-After": str(current_app.config.get("DATABASE_RETRY_AFTER", 5))},
    )


def _timeout_problem(error: Exception) -> Response:
    """A statement the server cancelled (statement_timeout, gridsvc/dblimits.py): 503 as well.

    The connection is fine (only the transaction is aborted, and the request's end rolls it
    back). Logged with the statement's text (never its parameters) so that an operator can
    find the slow query; the request log line carries the path and the request id.
    """
    statement = getattr(error, "statement", None)
    log.warning(
        "database statement cancelled, answered 503",
        extra={
            "error_type": type(error).__name__,
            "sqlstate": QUERY_CANCELED,
            "problem": "server.database_timeout",
            "statement_timeout_ms": current_app.config.get("DB_STATEMENT_TIMEOUT_MS"),
            "statement": statement[:500] if isinstance(statement, str) else None,
        },
    )
    return problem(
        503,
        "server.database_timeout",
        "A database statement took longer than the limit and was cancelled; retry after the"
        " delay given in Retry-After.",
        headers={"Retry-After": str(current_app.config.get("DATABASE_RETRY_AFTER", 5))},
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return problem(error.status, error.code, error.detail, errors=error.errors, **error.extra)

    @app.errorhandler(GeoInputError)
    def _geo(error: GeoInputError) -> Response:
        return problem(error.status, error.code, error.detail, **(error.extra or {}))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_exception_to_problem(error)

    for kind in DATABASE_ERRORS:
        app.register_error_handler(kind, database_problem)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem(500, "server.internal_error", "An unexpected error occurred; it was logged.")


def problem_body(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: dict | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The RFC 9457 members of a problem, as a dict: a response's body or one batch item's.

    Inside a request the texts people read follow the request's language (gridsvc.i18n).
    """
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or TITLES.get(status, "Error"),
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    # title, detail and errors in the caller's language (Accept-Language); the code never changes.
    return localize_problem(body)


def as_problem(exc: Exception) -> dict[str, Any]:
    """The problem for one failed item of a batch (it sits inside a 200, so no Response).

    Offline sync answers each report and each track point with the same members a single request
    would get, whichever room the item went through.
    """
    if isinstance(exc, DomainError):
        return problem_body(
            exc.status, exc.code, exc.detail, errors=exc.errors, **(exc.extra or {})
        )
    if isinstance(exc, GeoInputError):
        return problem_body(exc.status, exc.code, exc.detail, **(exc.extra or {}))
    if isinstance(exc, ValidationError):
        messages = exc.messages if isinstance(exc.messages, dict) else {"_item": exc.messages}
        return problem_body(
            422, "request.validation_failed", "The item is not valid.", errors=messages
        )
    raise TypeError(f"no problem shape for {type(exc).__name__}")
