"""The lean path for ``GET /api/v1/locate`` of callers this process knows: the answer without Flask.

A phone locates itself often, and the lookup itself is in-process (the packed index of
:mod:`gridsvc.boundaries.lookup_index`, no database): through Flask, flask-smorest, webargs,
marshmallow and flask-jwt-extended a locate costs several times the lookup. This handler of
:mod:`gridsvc.lean` (which holds the token policy and the one memory of known tokens) answers
what the full path would answer, with the same function (``queries.located_in``), the same
JSON bytes and the same headers:

* **The caller.** Any signed-in caller may locate (the full path's ``roles_required()``), and the
  full path scopes nothing: a point is located the same for every caller. The locate view offers
  the token to the lean path once it has accepted it.
* **The request.** ``lon`` and ``lat`` as plain decimals, optionally ``crs`` (WGS84, CGCS2000,
  GCJ-02 or BD-09: the conversions are pure functions of :mod:`gridsvc.geo.crs`) and ``layer``,
  each once, nothing encoded. ``at=``/``generation=`` (a database read), projected ``crs``,
  anything else, a point the full path would refuse, a point outside the coverage (its 404
  names the nearest grid, from the database) and an index not built yet or out of date all take
  the full path.
"""

from __future__ import annotations

import re

from flask import Flask

from gridsvc.boundaries.fields import is_layer_name
from gridsvc.boundaries.lookup_index import warm_index
from gridsvc.boundaries.models import UNIFIED_LAYER
from gridsvc.boundaries.queries import located_in
from gridsvc.geo.crs import BD09, CGCS2000, GCJ02, WGS84, normalize_crs, point_to_wgs84
from gridsvc.jsonio import dumps_bytes
from gridsvc.lean import ANY, Answer, KnownToken, add_lean_handler, query_pairs

PATH = "/api/v1/locate"
QUERY_KEYS = frozenset({"lon", "lat", "crs", "layer"})
# Plain decimals, which marshmallow's Float (float()) reads the same; exponents, "nan", "1_0",
# spaces and the like take the full path.
DECIMAL = re.compile(r"-?\d{1,4}(?:\.\d{1,17})?")
PLAIN_CRS = re.compile(r"[A-Za-z0-9:_-]{1,32}")
LEAN_CRS = frozenset({WGS84, CGCS2000, GCJ02, BD09})
JSON_HEADERS = (("Content-Type", "application/json"),)
EXTENSION = "gridsvc.fast_locate"


class FastLocate:
    """The locate handler of the lean path (see the module docstring)."""

    def __init__(self) -> None:
        self.served = 0  # answers given here (tests and operators read it)

    def parse(self, path: str, environ: dict) -> tuple[float, float, str | None, str] | None:
        if path != PATH:
            return None
        pairs = query_pairs(environ, QUERY_KEYS)
        if pairs is None or "lon" not in pairs or "lat" not in pairs:
            return None
        lon, lat = pairs["lon"], pairs["lat"]
        if DECIMAL.fullmatch(lon) is None or DECIMAL.fullmatch(lat) is None:
            return None
        crs = pairs.get("crs")
        if crs is not None:
            if PLAIN_CRS.fullmatch(crs) is None:
                return None
            try:
                crs = normalize_crs(crs)
            except ValueError:  # crs.unknown (GeoInputError): the full path's 422
                return None
            if crs not in LEAN_CRS:
                return None  # projected: pyproj, and its own refusals, on the full path
        layer = pairs.get("layer")
        if layer is not None and not is_layer_name(layer):
            return None
        return float(lon), float(lat), crs, layer or UNIFIED_LAYER

    def kind(self, parsed: tuple) -> str:
        return ANY  # every signed-in caller may locate (the full path scopes nothing)

    def answer(self, environ: dict, parsed: tuple, caller: KnownToken) -> Answer | None:
        lon, lat, crs, layer = parsed
        try:
            lon, lat = point_to_wgs84(lon, lat, crs)
        except ValueError:  # GeoInputError
            return None  # swapped or out of range: the full path's 422
        # The full path's index when it is built and current (the full path builds it).
        index = warm_index(layer)
        if index is None:
            return None
        location = located_in(index, lon, lat)
        if location is None:
            return None  # outside: the 404 names the nearest grid, from the database
        body = dumps_bytes(location) + b"\n"  # as Flask's JSON provider answers
        return "200 OK", [*JSON_HEADERS, ("Content-Length", str(len(body)))], body


def install_fast_locate(app: Flask) -> None:
    """Register the locate handler on the lean path (the app factory calls this)."""
    if not app.config["LOCATE_FAST_PATH"]:
        return
    fast = FastLocate()
    add_lean_handler(app, fast)
    app.extensions[EXTENSION] = fast
