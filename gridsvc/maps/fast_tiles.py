"""The lean path for tiles of callers this process knows: 304s and 200s without Flask.

A map asks for hundreds of tiles a minute, nearly all of them tiles of a published generation it
has seen before (304) or that this process has rendered already; the rest are one statement each.
Through Flask, flask-smorest, webargs and flask-jwt-extended each costs about a millisecond of
CPU besides the statement, most of it machinery; this WSGI middleware answers in ~50 µs
(bench/cached_tile.py, README "Performance") and hands everything else to the app unchanged.

It answers only what the full path has already decided, with the same policy:

* **The token.** Only a bearer JWT that a full path accepted (any signed-in role may read
  boundaries, county-wide; ``delivery.boundary_tile`` and the locate view offer it) is known here,
  through the one memory of :mod:`gridsvc.lean`, which holds the policy: expiry, the ``accounts``
  version, API tokens always to the full path.
* **The tile.** A 304 when ``If-None-Match`` holds the tile's strong ETag, else the tile from
  this process's cache or rendered into it (one prepared statement, in the request's only
  transaction); the ETag, the cache headers, the key and the renderer are ``delivery``'s own.
  The current generation number must be cached (the full path caches it); a render that fails
  is handed to the full path, which answers the problem.
* **The request.** Only a GET of exactly ``/api/v1/tiles/{townships|villages|grids}/z/x/y.mvt``
  with nothing but ``generation``/``layer`` in a well-formed query, z/x/y in range and heads within
  the app's limits. Anything else, including every error, is the full path's to answer.

**Incident tiles** are private and change with every report, so they are never cached; what the
lean path saves is Flask's machinery. They are rendered with ``delivery``'s renderer (the incidents
room's visibility condition, the same statement) only for a token known for the ``incidents``
kind: the full path's incidents view grants it after its role check (a boundary token is not
enough), with the caller's ``Scope`` as it resolved it, so any change to accounts sends the
caller back through the full path. Filters: only what :mod:`gridsvc.maps.fast_incidents` allows.

The middleware itself (X-Request-ID, the access-log line, handing over) is :mod:`gridsvc.lean`.
"""

from __future__ import annotations

import re

from flask import Flask

from gridsvc.boundaries import is_layer_name
from gridsvc.lean import ANY, Answer, KnownToken, add_lean_handler, query_pairs
from gridsvc.maps import delivery, tiles
from gridsvc.maps.fast_incidents import incident_request

TILE_PATH = re.compile(
    r"/api/v1/tiles/(townships|villages|grids|incidents)/(\d{1,2})/(\d{1,7})/(\d{1,7})\.mvt"
)
INCIDENTS = "incidents"  # the layer, and the kind of read its tokens must be known for
QUERY_KEYS = frozenset({"generation", "layer"})
MAX_GENERATION = 2**31 - 1
EXTENSION = "gridsvc.fast_tiles"


class FastTiles:
    """The boundary-tile handler of the lean path (see the module docstring)."""

    def __init__(self) -> None:
        self.served = 0  # answers given here (tests and operators read it)

    def parse(self, path: str, environ: dict) -> tuple | None:
        """(layer, z, x, y, generation or None, layer= or None) for a boundary tile, or
        ("incidents", z, x, y, filters), when the request is one the full path would accept as
        it stands; None sends it there."""
        match = TILE_PATH.fullmatch(path)
        if match is None:
            return None
        layer = match.group(1)
        if layer == INCIDENTS:
            wanted = incident_request(match, environ.get("QUERY_STRING", ""))
            return None if wanted is None else (INCIDENTS, *wanted)
        z, x, y = int(match.group(2)), int(match.group(3)), int(match.group(4))
        spec = tiles.LAYERS[layer]
        if not (spec.minzoom <= z <= spec.maxzoom and x < 2**z and y < 2**z):
            return None
        pairs = query_pairs(environ, QUERY_KEYS)
        if pairs is None:
            return None
        explicit = requested = None
        if "generation" in pairs:
            value = pairs["generation"]
            if not (value.isdigit() and value.isascii()):
                return None
            explicit = int(value)
            if not 1 <= explicit <= MAX_GENERATION:
                return None
        if "layer" in pairs:
            requested = pairs["layer"]
            if not is_layer_name(requested):
                return None
        return layer, z, x, y, explicit, requested

    def kind(self, parsed: tuple) -> str:
        return INCIDENTS if parsed[0] == INCIDENTS else ANY

    def answer(self, environ: dict, parsed: tuple, caller: KnownToken) -> Answer | None:
        if parsed[0] == INCIDENTS:
            return _incident_answer(caller.scope, *parsed[1:])
        layer, z, x, y, explicit, requested = parsed
        number = delivery.current_generation_if_cached()
        if number is None or (explicit and explicit > number):
            return None  # nothing published, not cached, or a 404: the full path says which
        grid_layer = tiles.grid_layer_name(tiles.LAYERS[layer], requested)
        key = delivery.tile_key(layer, grid_layer, explicit or number, caller.county, z, x, y)
        headers = delivery.tile_headers(key, explicit=bool(explicit))
        if delivery.not_modified(headers["ETag"], environ.get("HTTP_IF_NONE_MATCH")):
            return "304 NOT MODIFIED", list(headers.items()), b""
        # A failure propagates: our app context's teardown ends the session, and the lean path
        # hands the request to the full path, which tries again and answers the problem.
        body = delivery.rendered_tile(key)
        if not body:
            return "204 NO CONTENT", [*headers.items(), ("Content-Type", delivery.EMPTY_TYPE)], b""
        listed = [
            ("Content-Type", delivery.MVT_TYPE),
            ("Content-Length", str(len(body))),
            *headers.items(),
        ]
        return "200 OK", listed, body


def _incident_answer(scope, z: int, x: int, y: int, filters: dict) -> Answer:
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
    """Register the tile handler on the lean path (the app factory calls this)."""
    if not app.config["TILE_FAST_PATH"]:
        return
    fast = FastTiles()
    add_lean_handler(app, fast)
    app.extensions[EXTENSION] = fast
