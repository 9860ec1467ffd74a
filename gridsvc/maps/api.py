"""Maps endpoints: vector tiles and their TileJSON documents, boundary downloads."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView

from gridsvc.accounts import current_scope, policy, roles_required
from gridsvc.boundaries import get_upload, merge_draft
from gridsvc.geojson import FeatureCollection
from gridsvc.http import Blueprint, documents
from gridsvc.jsonio import dumps_bytes
from gridsvc.maps import delivery, downloads, findings, tiles
from gridsvc.maps.schemas import CurrentDownloadArgs, DownloadArgs, FindingsArgs, TileArgs
from gridsvc.maps.tilejson import tilejson

blp = Blueprint("maps", __name__, description="Vector tiles (MVT) and TileJSON")
BINARY = {"type": "string", "format": "binary"}
# A layer as a file, in the media type of the format asked for.
FILE_RESPONSES = {
    200: {
        "description": "the layer as a file",
        "content": {
            media: {"schema": FeatureCollection if fmt == "geojson" else BINARY}
            for fmt, (_, _, media) in downloads.FORMATS.items()
        },
    }
}
TILE_JSON = {
    "type": "object",
    "required": ["tilejson", "tiles"],
    "properties": {
        "tilejson": {"type": "string"},
        "name": {"type": "string"},
        "tiles": {"type": "array", "items": {"type": "string"}},
        "minzoom": {"type": "integer"},
        "maxzoom": {"type": "integer"},
        "bounds": {"type": "array", "items": {"type": "number"}},
        "vector_layers": {"type": "array", "items": {"type": "object"}},
    },
}
TILE_RESPONSES = {
    200: {
        "description": "the tile",
        "content": {delivery.MVT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
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
    @documents(200, TILE_JSON)
    def get(self, args, layer):
        """TileJSON 3.0.0 of a layer: tile URL, bounds in the caller's county, zooms, fields."""
        return tilejson(current_scope(), _layer(layer), args, request.host_url)


def _file(body: bytes, filename: str, media: str) -> Response:
    return Response(
        body,
        mimetype=media,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )


@blp.route("/generations/<int:generation_id>/download")
class GenerationDownload(MethodView):
    @roles_required()
    @blp.arguments(DownloadArgs, location="query")
    @blp.doc(responses=FILE_RESPONSES)
    def get(self, args, generation_id):
        """A published generation's layer as it stood then: GPKG, zipped Shapefile, GeoJSON, KML."""
        scope = current_scope()
        generation = downloads.published_generation(scope, generation_id)
        return _file(
            *downloads.layer_file(
                scope,
                level=generation.level,
                layer=generation.layer,
                number=generation.number,
                fmt=args["format"],
                crs=args["crs"],
                limit=current_app.config["UPLOAD_MAX_FEATURES"],
            )
        )


@blp.route("/grid-merges/<uuid:merge_id>/download")
class MergeDraftDownload(MethodView):
    @roles_required()
    @blp.arguments(DownloadArgs, location="query")
    @blp.doc(responses=FILE_RESPONSES)
    def get(self, args, merge_id):
        """A merge's unified layer as it staged it (a draft, or published since) as a file to fix
        in QGIS and upload back (``POST /grid-merges/{id}/edits``); read as the merge itself."""
        scope = current_scope()
        draft = merge_draft(scope, merge_id)  # the boundary editors' policy
        return _file(
            *downloads.layer_file(
                scope,
                level="grid",
                layer=draft.layer,
                number=None,
                fmt=args["format"],
                crs=args["crs"],
                limit=current_app.config["UPLOAD_MAX_FEATURES"],
                draft=draft,
            )
        )


@blp.route("/generations/current/download")
class CurrentDownload(MethodView):
    @roles_required()
    @blp.arguments(CurrentDownloadArgs, location="query")
    @blp.doc(responses=FILE_RESPONSES)
    def get(self, args):
        """The current townships, villages or grids (``layer=`` for a specialist layer) as a file."""
        return _file(
            *downloads.layer_file(
                current_scope(),
                level=args["level"],
                layer=downloads.current_layer_name(args["level"], args.get("layer")),
                number=None,
                fmt=args["format"],
                crs=args["crs"],
                limit=current_app.config["UPLOAD_MAX_FEATURES"],
            )
        )


@blp.route("/boundary-uploads/<uuid:upload_id>/findings")
class UploadFindings(MethodView):
    @roles_required()
    @blp.arguments(FindingsArgs, location="query")
    @blp.doc(
        responses={
            200: {
                "description": "the findings layer",
                "content": {
                    "application/geo+json": {"schema": FeatureCollection},
                    downloads.FORMATS["gpkg"][2]: {"schema": BINARY},
                },
            }
        }
    )
    def get(self, args, upload_id):
        """An upload's validation findings as a layer: GeoJSON (default) or GeoPackage."""
        upload = get_upload(current_scope(), upload_id)  # the boundary editors' policy
        collection = findings.findings_collection(upload.report)
        if args["format"] == "gpkg":
            name = f"findings-{upload.id}"
            return _file(
                findings.findings_gpkg(collection, name),
                f"{name}.gpkg",
                downloads.FORMATS["gpkg"][2],
            )
        return Response(dumps_bytes(collection), mimetype="application/geo+json")
