"""The lean WSGI path: a few hot GETs of callers this process knows, answered without Flask.

Through Flask, flask-smorest, webargs and flask-jwt-extended a request costs about a millisecond
of CPU besides its work, most of it machinery. For a handful of hot reads (boundary tiles, single
locates) whose answer needs nothing but a known caller, this middleware answers in tens of
microseconds and hands everything else to the app unchanged. Each room that owns such a path
registers a :class:`LeanHandler` (``maps.fast_tiles``, ``boundaries.fast_locate``); this module
holds what they share, so there is one policy and **one memory of known tokens**:

* **The token.** Only a bearer JWT that a full-path view accepted (and offered here through
  :func:`remember_accepted_caller`) is known, with the caller's county, its expiry and the
  ``accounts`` version read *before* the full path checked it (:mod:`gridsvc.caching`). An
  expired token, or any change to accounts (a logout, a revocation, an edited or deactivated
  user: the version the full path's own token checks obey) sends the request back through the
  full path, which answers 401 as before. API tokens (QGIS) always take the full path.
* **The kind of read.** A token is known *for a kind*: ``"any"`` for reads that any signed-in
  caller may make, scoped by county at most (boundary tiles, locate), or a narrower kind that a
  view grants only after its own role check, with the caller's scope as that view resolved it
  (``"incidents"``: incident tiles, offered only by the view that let the role read incidents).
  A handler says which kind a request needs; a token known for another kind takes the full path.
* **The request.** A handler answers only what it parses as a request the full path would accept
  as it stands, with heads within the app's limits; anything else, any error and any exception
  is the full path's to answer.

Answers carry ``X-Request-ID`` and write the access-log line, as every answer does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app, has_app_context, request
from flask_jwt_extended import get_jwt

from gridsvc.caching import versions_of
from gridsvc.dblimits import QUERY_CANCELED
from gridsvc.logs import log_access, request_ids

EXTENSION = "gridsvc.lean"
# Set on a request the lean path hands on: called with the caller's county and verified claims
# once a full-path view has accepted the token (remember_accepted_caller).
REMEMBER_CALLER = "gridsvc.lean.remember_caller"
# Set on a request the lean path hands on after the server cancelled its statement.
CANCELLED = "gridsvc.lean.cancelled"
MAX_KNOWN_TOKENS = 10_000
ACCOUNTS = ("accounts",)
log = logging.getLogger(__name__)

StartResponse = Callable[[str, list[tuple[str, str]]], object]
Answer = tuple[str, list[tuple[str, str]], bytes]


ANY = "any"  # the kind of read every signed-in caller may make


@dataclass(frozen=True)
class KnownToken:
    county: str | None
    user_id: int
    expires: float  # the token's ``exp`` (epoch seconds)
    accounts_version: tuple[int, ...]  # read before the full path accepted the token
    scope: Any = None  # for narrower kinds: the caller's scope as the granting view resolved it


class LeanHandler(Protocol):
    """One hot path. ``parse`` runs outside any context and must be cheap (None: not mine, or
    not as the full path would accept it); ``kind`` is the kind of read the parsed request needs
    the token to be known for; ``answer`` runs in an app context for a known caller (None, or an
    exception: the full path answers). ``served`` counts the answers given here."""

    served: int

    def parse(self, path: str, environ: dict) -> Any | None: ...

    def kind(self, parsed: Any) -> str: ...

    def answer(self, environ: dict, parsed: Any, caller: KnownToken) -> Answer | None: ...


class KnownTokens:
    """Tokens the full path accepted, by their text (a phone sends one token for its lifetime)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], KnownToken] = {}  # (kind, token) -> caller
        self._lock = threading.Lock()

    def current(
        self, kind: str, token: str, accounts_version: tuple[int, ...]
    ) -> KnownToken | None:
        known = self._known.get((kind, token))
        if (
            known is None
            or known.accounts_version != accounts_version
            or known.expires <= time.time()
        ):
            return None
        return known

    def offer(self, environ: dict, token: str, accounts_version: tuple[int, ...]) -> None:
        """Let a full-path view, once it has accepted ``token``, make it known here."""

        def remember(county: str | None, claims: dict, kind: str, scope: Any) -> None:
            if claims.get("type") != "access" or "exp" not in claims:
                return  # API tokens and anything unusual keep taking the full path
            known = KnownToken(county, int(claims["sub"]), claims["exp"], accounts_version, scope)
            with self._lock:
                if len(self._known) >= MAX_KNOWN_TOKENS:
                    self._known.clear()
                self._known[(kind, token)] = known

        environ[REMEMBER_CALLER] = remember


def remember_accepted_caller(county: str | None, kind: str = ANY, scope: Any = None) -> None:
    """Called by a lean path's full-path view once it accepted a JWT caller: the lean path may
    answer this token's next requests of ``kind`` (the handlers of a kind share the policy
    above). A view grants a narrower kind only after its own role check, with ``scope``."""
    remember = request.environ.get(REMEMBER_CALLER)
    if remember is not None:
        remember(county, get_jwt(), kind, scope)


class LeanPaths:
    """WSGI middleware in front of the Flask app (see the module docstring)."""

    def __init__(self, app: Flask, wrapped: Callable) -> None:
        self.app = app
        self.wrapped = wrapped
        self.handlers: list[LeanHandler] = []
        self.tokens = KnownTokens()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            path = environ.get("PATH_INFO", "")
            for handler in self.handlers:
                parsed = handler.parse(path, environ)
                if parsed is None:
                    continue
                try:
                    answer = self._answer(environ, handler, parsed)
                except Exception as error:  # the database, say: the full path answers its problem
                    log.warning("lean path failed; handing over", exc_info=True)
                    if _sqlstate(error) == QUERY_CANCELED:
                        environ[CANCELLED] = error  # answered, not run a second time
                    answer = None
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
                break
        return self.wrapped(environ, start_response)

    def _answer(self, environ: dict, handler: LeanHandler, parsed: Any) -> Answer | None:
        token = _bearer_jwt(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None or not heads_within_limits(environ, self.app.config):
            return None
        started = time.perf_counter()
        with self._app_context():
            version = versions_of(ACCOUNTS)
            known = self.tokens.current(handler.kind(parsed), token, version)
            if known is None:
                self.tokens.offer(environ, token, version)
                return None
            answer = handler.answer(environ, parsed, known)
            if answer is None:
                return None
            handler.served += 1
            request_id = _request_id(environ)
            answer[1].append(("X-Request-ID", request_id))
            ms = round((time.perf_counter() - started) * 1000, 2)
            log_access(
                request_id, "GET", environ["PATH_INFO"], int(answer[0][:3]), ms, known.user_id
            )
            return answer

    def _app_context(self) -> AbstractContextManager:
        """A context of our app, reusing the current one as Flask's own requests do (a test's
        context holds the session bound to its transaction)."""
        if has_app_context() and current_app._get_current_object() is self.app:  # type: ignore[attr-defined]
            return nullcontext()
        return self.app.app_context()


def add_lean_handler(app: Flask, handler: LeanHandler) -> None:
    """Register ``handler``; the middleware goes in front of the app on the first one."""
    lean = app.extensions.get(EXTENSION)
    if lean is None:
        lean = LeanPaths(app, app.wsgi_app)
        app.wsgi_app = lean  # type: ignore[method-assign]
        app.extensions[EXTENSION] = lean
        app.before_request(_answer_cancelled)
    lean.handlers.append(handler)


def _answer_cancelled() -> None:
    """A statement of the lean path that the server cancelled (the statement timeout,
    gridsvc/dblimits.py): the full path answers its problem (503 ``server.database_timeout``,
    gridsvc/errors.py) at once, instead of running the same statement again for as long."""
    error = request.environ.get(CANCELLED)
    if error is not None:
        raise error


def _sqlstate(error: Exception) -> str | None:
    return getattr(getattr(error, "orig", error), "pgcode", None)


def query_pairs(environ: dict, allowed: frozenset[str]) -> dict[str, str] | None:
    """The query as {name: value} when every name is in ``allowed``, given once, with a value
    that needs no decoding; None (the full path decodes and judges) otherwise."""
    query = environ.get("QUERY_STRING", "")
    pairs: dict[str, str] = {}
    for pair in query.split("&") if query else ():
        name, equals, value = pair.partition("=")
        if not equals or not value or name not in allowed or name in pairs:
            return None
        if "%" in value or "+" in value:
            return None
        pairs[name] = value
    return pairs


def _bearer_jwt(header: str) -> str | None:
    # The scheme is matched as flask-jwt-extended matches it (case-sensitive).
    scheme, _, value = header.partition(" ")
    if scheme != "Bearer" or not value or value.startswith("gst_") or " " in value:
        return None
    return value


# Environ names that are no request header (the server's own and, under Granian, every variable
# of the process environment: ~60 names, of which a request brings ~5 headers). Set difference in
# C skips them, instead of a Python loop over them all (~5 µs of a ~25 µs lean answer). Only
# names not starting with HTTP_ are learned, so a header is never skipped; the cap bounds the set
# should a server invent names per request.
_NOT_HEADERS: set[str] = set()
MAX_LEARNED_NAMES = 1024


def heads_within_limits(environ: dict, config) -> bool:
    """The app refuses oversized heads (gridsvc/inputs.py, 414/431): those take the full path."""
    raw = environ.get("RAW_URI")
    target = (
        len(raw) if raw else len(environ["PATH_INFO"]) + 1 + len(environ.get("QUERY_STRING", ""))
    )
    if target > config["MAX_URL_BYTES"]:
        return False
    count = longest = 0
    for key in environ.keys() - _NOT_HEADERS:
        if key.startswith("HTTP_"):
            count += 1
            longest = max(longest, len(key) - 3 + len(environ[key]))
        elif len(_NOT_HEADERS) < MAX_LEARNED_NAMES:
            _NOT_HEADERS.add(key)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            count += 1
    return count <= config["MAX_HEADER_COUNT"] and longest <= config["MAX_HEADER_BYTES"]


def _request_id(environ: dict) -> str:
    # As gridsvc.logs does for the full path.
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else request_ids.new()
