"""The lean path for tiles of callers this process knows: 304s and 200s without Flask.

A map asks for hundreds of tiles a minute, nearly all of them tiles of a published generation it
has seen before (304) or that this process has rendered already; the rest are one statement each.
Through Flask, flask-smorest, webargs and flask-jwt-extended each costs about a millisecond of
CPU besides the statement, most of it machinery; this WSGI middleware answers in ~50 µs
(bench/cached_tile.py, README "Performance") and hands everything else to the app unchanged.

It answers only what the full path has already decided, with the same policy:

* **The token.** Only a bearer JWT that the full path accepted for a boundary tile (any signed-in
  role may read boundaries, county-wide) is known here: ``delivery.boundary_tile`` remembers it with
  the caller's county, its expiry, and the ``accounts`` version read *before* the full path
  checked it (:mod:`gridsvc.caching`). So the signature is verified once per token per process;
  an expired token, or any change to accounts (a logout, a revocation, an edited or deactivated
  user: the same version the full path's own token cache obeys) sends the request back through
  the full path, which answers 401 as before. API tokens (QGIS) always take the full path.
* **The tile.** A 304 when ``If-None-Match`` holds the tile's strong ETag, else the tile from
  this process's cache or rendered into it (one prepared statement, in the request's only
  transaction); the ETag, the cache headers, the key and the renderer are ``delivery``'s own.
  The current generation number must be cached (the full path caches it); a render that fails
  is handed to the full path, which answers the problem.
* **The request.** Only a GET of exactly ``/api/v1/tiles/{townships|villages|grids}/z/x/y.mvt``
  with nothing but ``generation``/``layer`` in a well-formed query, z/x/y in range and heads within
  the app's limits. Anything else, including every error, is the full path's to answer.

**Incident tiles** are private and change with every report, so they are never cached; what the
lean path saves is Flask's machinery. It renders them with ``delivery``'s renderer (the incidents
room's visibility condition, the same statement) only for a token the full path has accepted *for
incidents* (its role may read them: a boundary token is not enough), remembering the caller's
``Scope`` as the full path resolved it from the user's row, so any change to accounts sends the
caller back through the full path. Filters: only what :mod:`gridsvc.maps.fast_incidents` allows.

Answers carry ``X-Request-ID`` and write the access-log line, as every answer does.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from flask import Flask, current_app, g, has_app_context
from marshmallow import ValidationError

from gridsvc.accounts import Scope
from gridsvc.boundaries import LAYER_NAME
from gridsvc.caching import versions_of
from gridsvc.maps import delivery, tiles
from gridsvc.maps.fast_incidents import incident_request

TILE_PATH = re.compile(
    r"/api/v1/tiles/(townships|villages|grids|incidents)/(\d{1,2})/(\d{1,7})/(\d{1,7})\.mvt"
)
QUERY_KEYS = frozenset({"generation", "layer"})
MAX_GENERATION = 2**31 - 1
MAX_KNOWN_TOKENS = 10_000
ACCOUNTS = ("accounts",)
EXTENSION = "gridsvc.fast_tiles"
access = logging.getLogger("gridsvc.access")
log = logging.getLogger(__name__)

StartResponse = Callable[[str, list[tuple[str, str]]], object]


@dataclass(frozen=True)
class KnownToken:
    scope: Scope  # the caller, as the full path resolved it (Scope.of the user: accounts data)
    expires: float  # the token's ``exp`` (epoch seconds)
    accounts_version: tuple[int, ...]  # read before the full path accepted the token

    @property
    def county(self) -> str | None:
        return self.scope.county_code


class FastTiles:
    """WSGI middleware in front of the Flask app (see the module docstring)."""

    def __init__(self, app: Flask, wrapped: Callable) -> None:
        self.app = app
        self.wrapped = wrapped
        # (kind, token) -> caller; kind "boundary" (any signed-in role) or "incidents" (a
        # role the full path let read incident tiles).
        self.known: dict[tuple[str, str], KnownToken] = {}
        self.lock = threading.Lock()
        self.served = 0  # answers given here (tests and operators read it)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            match = TILE_PATH.fullmatch(environ.get("PATH_INFO", ""))
            if match is not None:
                try:
                    answer = self._answer(environ, match)
                except Exception:  # the database, say: the full path answers its 503
                    log.warning("lean tile path failed; handing over", exc_info=True)
                    answer = None
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
        return self.wrapped(environ, start_response)

    def _answer(self, environ: dict, match: re.Match) -> tuple | None:
        token = _bearer_jwt(environ.get("HTTP_AUTHORIZATION", ""))
        if token is None:
            return None
        kind = "incidents" if match.group(1) == "incidents" else "boundary"
        if kind == "incidents":
            request = incident_request(match, environ.get("QUERY_STRING", ""))
        else:
            request = _tile_request(environ, match)
        if request is None or not _heads_within_limits(environ, self.app.config):
            return None
        started = time.perf_counter()
        with self._app_context():
            known = self.known.get((kind, token))
            version = versions_of(ACCOUNTS)
            if known is None or known.accounts_version != version or known.expires <= time.time():
                self._offer_to_remember(environ, (kind, token), version)
                return None
            if kind == "incidents":
                answer = _incident_answer(known.scope, *request)
            else:
                answer = self._tile_answer(environ, known, *request)
            if answer is not None:
                self.served += 1
                g.request_id = _request_id(environ)
                answer[1].append(("X-Request-ID", g.request_id))
                access.info(
                    "request",
                    extra={
                        "method": "GET",
                        "path": environ["PATH_INFO"],
                        "status": int(answer[0][:3]),
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "user": known.scope.user_id,
                    },
                )
            return answer

    def _app_context(self) -> AbstractContextManager:
        """A context of our app, reusing the current one as Flask's own requests do (a test's
        context holds the session bound to its transaction)."""
        if has_app_context() and current_app._get_current_object() is self.app:  # type: ignore[attr-defined]
            return nullcontext()
        return self.app.app_context()

    def _tile_answer(self, environ, known: KnownToken, layer, z, x, y, explicit, requested):
        number = delivery.current_generation_if_cached()
        if number is None or (explicit and explicit > number):
            return None  # nothing published, not cached, or a 404: the full path says which
        grid_layer = tiles.grid_layer_name(tiles.LAYERS[layer], requested)
        key = delivery.tile_key(layer, grid_layer, explicit or number, known.county, z, x, y)
        headers = delivery.tile_headers(key, explicit=bool(explicit))
        if delivery.not_modified(headers["ETag"], environ.get("HTTP_IF_NONE_MATCH")):
            return "304 NOT MODIFIED", list(headers.items()), b""
        # A failure propagates: our app context's teardown ends the session, and __call__ hands
        # the request to the full path, which tries again and answers the problem.
        body = delivery.rendered_tile(key)
        if not body:
            return "204 NO CONTENT", [*headers.items(), ("Content-Type", delivery.EMPTY_TYPE)], b""
        listed = [
            ("Content-Type", delivery.MVT_TYPE),
            ("Content-Length", str(len(body))),
            *headers.items(),
        ]
        return "200 OK", listed, body

    def _offer_to_remember(self, environ: dict, key: tuple[str, str], version: tuple) -> None:
        """Let the full path, once it has accepted the token (``key``: kind, token), make it
        known here."""

        def remember(scope: Scope, claims: dict) -> None:
            if claims.get("type") != "access" or "exp" not in claims:
                return  # API tokens and anything unusual keep taking the full path
            with self.lock:
                if len(self.known) >= MAX_KNOWN_TOKENS:
                    self.known.clear()
                self.known[key] = KnownToken(scope, claims["exp"], version)

        environ[delivery.REMEMBER_CALLER] = remember


def _incident_answer(scope: Scope, z: int, x: int, y: int, filters: dict) -> tuple:
    """The caller's incidents tile, rendered as the full path renders it, with its headers."""
    body = delivery.incident_body(scope, z, x, y, filters)
    headers = list(delivery.incident_headers().items())
    if not body:
        return "204 NO CONTENT", [*headers, ("Content-Type", delivery.EMPTY_TYPE)], b""
    return (
        "200 OK",
        [("Content-Type", delivery.MVT_TYPE), ("Content-Length", str(len(body))), *headers],
        body,
    )


def install_fast_tiles(app: Flask) -> None:
    """Put the lean path in front of the app's WSGI callable (the app factory calls this)."""
    if not app.config["TILE_FAST_PATH"]:
        return
    fast = FastTiles(app, app.wsgi_app)
    app.wsgi_app = fast
    app.extensions[EXTENSION] = fast


def _bearer_jwt(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme != "Bearer" or not value or value.startswith("gst_") or " " in value:
        return None
    return value


def _tile_request(environ: dict, match: re.Match) -> tuple | None:
    """(layer, z, x, y, generation or None, layer= or None) when the request is one the full
    path would accept as it stands; None sends it there."""
    layer = match.group(1)
    z, x, y = int(match.group(2)), int(match.group(3)), int(match.group(4))
    spec = tiles.LAYERS[layer]
    if not (spec.minzoom <= z <= spec.maxzoom and x < 2**z and y < 2**z):
        return None
    explicit = requested = None
    query = environ.get("QUERY_STRING", "")
    for pair in query.split("&") if query else ():
        name, equals, value = pair.partition("=")
        if not equals or name not in QUERY_KEYS:
            return None
        if name == "generation" and explicit is None and value.isdigit() and value.isascii():
            explicit = int(value)
            if not 1 <= explicit <= MAX_GENERATION:
                return None
        elif name == "layer" and requested is None and _valid_layer_name(value):
            requested = value
        else:
            return None  # repeated, empty or malformed
    return layer, z, x, y, explicit, requested


def _valid_layer_name(value: str) -> bool:
    if not value or "%" in value or "+" in value:
        return False  # encoded: the full path decodes it
    try:
        LAYER_NAME(value)
    except ValidationError:
        return False
    return True


def _heads_within_limits(environ: dict, config) -> bool:
    """The app refuses oversized heads (gridsvc/inputs.py, 414/431): those take the full path."""
    raw = environ.get("RAW_URI")
    target = (
        len(raw) if raw else len(environ["PATH_INFO"]) + 1 + len(environ.get("QUERY_STRING", ""))
    )
    if target > config["MAX_URL_BYTES"]:
        return False
    count = longest = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            count += 1
            longest = max(longest, len(key) - 3 + len(value))
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            count += 1
    return count <= config["MAX_HEADER_COUNT"] and longest <= config["MAX_HEADER_BYTES"]


def _request_id(environ: dict) -> str:
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    return incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
