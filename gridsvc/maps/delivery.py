"""Serving tiles: which generation, the cache, and the HTTP caching headers.

A tile of a published generation never changes: its strong ETag names the generation, the
caller's county (boundaries are read county-wide), the layer and z/x/y, so a revalidation is
answered with 304 before anything is rendered, and a rendered tile is kept in a per-process
:class:`gridsvc.caching.VersionedCache` (keyed by the same facts; a publish bumps the
``generations`` version and so starts it afresh). A tile asked for by ``?generation=`` is
immutable for a year; one of "the current generation" must be revalidated, since the next
publish changes it (TileJSON hands out URLs with the generation in them, so maps get the former).
Incident tiles change with every report: private, a few seconds, never cached here; the lean
path renders them too, for callers the full path has accepted (gridsvc/maps/fast_tiles.py).
"""

from __future__ import annotations

from flask import Response, current_app, request

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import store
from gridsvc.caching import VersionedCache
from gridsvc.errors import NotFound
from gridsvc.incidents import INCIDENT_READERS
from gridsvc.lean import remember_accepted_caller
from gridsvc.maps import incident_tiles, tiles

MVT_TYPE = "application/vnd.mapbox-vector-tile"
TILE_FORMAT = 1  # bump when the attributes or the simplification change: every ETag changes
IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"
INCIDENTS_MAX_AGE = "private, max-age=10"
# What werkzeug's Response puts on the full path's bodiless 204: the lean path says the same.
EMPTY_TYPE = "text/html; charset=utf-8"

_current_number: VersionedCache[int | None] = VersionedCache("generations", max_entries=1)
_rendered: VersionedCache[bytes] | None = None


def _cache_entries() -> int:
    return current_app.config["TILE_CACHE_ENTRIES"]


def _tile_cache() -> VersionedCache[bytes]:
    global _rendered
    if _rendered is None:
        _rendered = VersionedCache("generations", max_entries=max(_cache_entries(), 1))
    return _rendered


def current_generation() -> int | None:
    """The newest published generation number, read once per cache check, not per tile."""
    return _current_number.get("current", store.current_generation_number)


def current_generation_if_cached() -> int | None:
    """The current generation number when this process holds it (None: not cached, or none)."""
    return _current_number.peek("current")


def boundary_tile(scope: Scope, layer_name: str, z: int, x: int, y: int, args: dict) -> Response:
    layer = tiles.LAYERS[layer_name]
    explicit = args.get("generation")
    number = current_generation()
    if explicit:
        if number is None or explicit > number:
            raise NotFound(f"generation {explicit} does not exist", code="generation.not_found")
        number = explicit
    grid_layer = tiles.grid_layer_name(layer, args.get("layer"))
    key = tile_key(layer.name, grid_layer, number, scope.county_code, z, x, y)
    headers = tile_headers(key, explicit=bool(explicit))
    remember_accepted_caller(scope.county_code)  # the lean path may answer its next requests
    if not_modified(headers["ETag"], request.headers.get("If-None-Match")):
        return Response(status=304, headers=headers)
    if number is None:  # nothing published yet
        return Response(status=204, headers=headers)
    return _tile_response(rendered_tile(key), headers)


def tile_key(
    layer: str, grid_layer: str, number: int | None, county: str | None, z: int, x: int, y: int
) -> tuple:
    """What a published boundary tile depends on (the cache key; the ETag names the same)."""
    return (layer, grid_layer, number, county or "all", z, x, y)


def tile_headers(key: tuple, *, explicit: bool) -> dict[str, str]:
    layer, grid_layer, number, county, z, x, y = key
    return {
        "ETag": f'"tile{TILE_FORMAT}-{layer}-{grid_layer}-g{number}-{county}-{z}-{x}-{y}"',
        "Cache-Control": IMMUTABLE if explicit else REVALIDATE,
        "Vary": "Authorization",
    }


def not_modified(tag: str, if_none_match: str | None) -> bool:
    return bool(if_none_match) and tag in {v.strip() for v in if_none_match.split(",")}


def rendered_tile(key: tuple) -> bytes:
    """The tile named by ``key`` (:func:`tile_key`), from the cache or rendered into it."""
    layer, grid_layer, number, county, z, x, y = key

    def render() -> bytes:
        caller_county = None if county == "all" else county
        spec = tiles.LAYERS[layer]
        return tiles.area_tile(caller_county, spec, z, x, y, number=number, grid_layer=grid_layer)

    # TILE_CACHE_ENTRIES=0 renders every request (bench/tiles.py times rendering that way).
    return _tile_cache().get(key, render) if _cache_entries() else render()


def incidents_tile(scope: Scope, z: int, x: int, y: int, args: dict) -> Response:
    policy.require_role(scope, INCIDENT_READERS)  # GIS staff read boundaries, not cases
    # The role may read incidents: the lean path may render this caller's next incident tiles.
    remember_accepted_caller(scope.county_code, kind="incidents", scope=scope)
    incident_tiles.check_team_filter(scope, args.get("team"))
    return _tile_response(incident_body(scope, z, x, y, args), incident_headers())


def incident_body(scope: Scope, z: int, x: int, y: int, filters: dict) -> bytes:
    """The caller's incidents tile (the full path and the lean one render it alike)."""
    limit = current_app.config["TILE_MAX_FEATURES"]
    return incident_tiles.incident_tile(scope, z, x, y, filters, limit)


def incident_headers() -> dict[str, str]:
    return {"Cache-Control": INCIDENTS_MAX_AGE, "Vary": "Authorization"}


def _tile_response(body: bytes, headers: dict) -> Response:
    if not body:
        return Response(status=204, headers=headers)
    return Response(body, status=200, mimetype=MVT_TYPE, headers=headers)
