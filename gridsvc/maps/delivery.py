"""Serving tiles: which generation, the cache, and the HTTP caching headers.

A tile of a published generation never changes: its strong ETag names the generation, the
caller's county (boundaries are read county-wide), the layer and z/x/y, so a revalidation is
answered with 304 before anything is rendered, and a rendered tile is kept in a per-process
:class:`gridsvc.caching.VersionedCache` (keyed by the same facts; a publish bumps the
``generations`` version and so starts it afresh). A tile asked for by ``?generation=`` is
immutable for a year; one of "the current generation" must be revalidated, since the next
publish changes it (TileJSON hands out URLs with the generation in them, so maps get the former).
Incident tiles change with every report: private, a few seconds, never cached here.
"""

from __future__ import annotations

from flask import Response, current_app, request

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import store
from gridsvc.caching import VersionedCache
from gridsvc.errors import NotFound
from gridsvc.incidents import INCIDENT_READERS
from gridsvc.maps import incident_tiles, tiles

MVT_TYPE = "application/vnd.mapbox-vector-tile"
TILE_FORMAT = 1  # bump when the attributes or the simplification change: every ETag changes
IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"
INCIDENTS_MAX_AGE = "private, max-age=10"

_current_number: VersionedCache[int | None] = VersionedCache("generations", max_entries=1)
_rendered: VersionedCache[bytes] | None = None


def _tile_cache() -> VersionedCache[bytes]:
    global _rendered
    if _rendered is None:
        _rendered = VersionedCache(
            "generations", max_entries=current_app.config["TILE_CACHE_ENTRIES"]
        )
    return _rendered


def current_generation() -> int | None:
    """The newest published generation number, read once per cache check, not per tile."""
    return _current_number.get("current", store.current_generation_number)


def boundary_tile(scope: Scope, layer_name: str, z: int, x: int, y: int, args: dict) -> Response:
    layer = tiles.LAYERS[layer_name]
    explicit = args.get("generation")
    number = current_generation()
    if explicit:
        if number is None or explicit > number:
            raise NotFound(f"generation {explicit} does not exist", code="generation.not_found")
        number = explicit
    grid_layer = tiles.grid_layer_name(layer, args.get("layer"))
    county = scope.county_code or "all"
    tag = f'"tile{TILE_FORMAT}-{layer.name}-{grid_layer}-g{number}-{county}-{z}-{x}-{y}"'
    headers = {
        "ETag": tag,
        "Cache-Control": IMMUTABLE if explicit else REVALIDATE,
        "Vary": "Authorization",
    }
    if tag in {value.strip() for value in request.headers.get("If-None-Match", "").split(",")}:
        return Response(status=304, headers=headers)
    if number is None:  # nothing published yet
        return Response(status=204, headers=headers)
    key = (layer.name, grid_layer, number, county, z, x, y)
    body = _tile_cache().get(
        key,
        lambda: tiles.area_tile(scope, layer, z, x, y, number=number, grid_layer=grid_layer),
    )
    return _tile_response(body, headers)


def incidents_tile(scope: Scope, z: int, x: int, y: int, args: dict) -> Response:
    policy.require_role(scope, INCIDENT_READERS)  # GIS staff read boundaries, not cases
    incident_tiles.check_team_filter(scope, args.get("team"))
    body = incident_tiles.incident_tile(
        scope, z, x, y, args, current_app.config["TILE_MAX_FEATURES"]
    )
    return _tile_response(body, {"Cache-Control": INCIDENTS_MAX_AGE, "Vary": "Authorization"})


def _tile_response(body: bytes, headers: dict) -> Response:
    if not body:
        return Response(status=204, headers=headers)
    return Response(body, status=200, mimetype=MVT_TYPE, headers=headers)
