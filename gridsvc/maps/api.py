"""Maps endpoints: vector tiles and their TileJSON documents."""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from gridsvc.accounts import current_scope, policy, roles_required
from gridsvc.http import Blueprint
from gridsvc.maps import delivery, tiles
from gridsvc.maps.schemas import TileArgs
from gridsvc.maps.tilejson import tilejson

blp = Blueprint("maps", __name__, description="Vector tiles (MVT) and TileJSON")
TILE_RESPONSES = {
    200: {"description": "the tile", "content": {delivery.MVT_TYPE: {}}},
    204: {"description": "nothing in this tile"},
    304: {"description": "not modified (If-None-Match)"},
}


def _layer(name: str) -> str:
    if name not in tiles.LAYERS:
        policy.hidden("tile_layer")
    return name


@blp.route("/tiles/<string:layer>/<int:z>/<int:x>/<int:y>.mvt")
class Tile(MethodView):
    @roles_required()
    @blp.arguments(TileArgs, location="query")
    @blp.doc(responses=TILE_RESPONSES)
    def get(self, args, layer, z, x, y):
        """One vector tile of townships, villages, grids (?generation=, ?layer=) or incidents."""
        layer = _layer(layer)
        tiles.check_tile(tiles.LAYERS[layer], z, x, y)
        scope = current_scope()
        if layer == "incidents":
            return delivery.incidents_tile(scope, z, x, y, args)
        return delivery.boundary_tile(scope, layer, z, x, y, args)


@blp.route("/tiles/<string:layer>.json")
class TileJson(MethodView):
    @roles_required()
    @blp.arguments(TileArgs, location="query")
    @blp.response(200)
    def get(self, args, layer):
        """TileJSON 3.0.0 of a layer: tile URL, bounds in the caller's county, zooms, fields."""
        return tilejson(current_scope(), _layer(layer), args, request.host_url)
