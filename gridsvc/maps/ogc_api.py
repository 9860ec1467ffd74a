"""OGC API - Features, Part 1 Core (GeoJSON, OpenAPI 3.0) under /api/v1/ogc: what QGIS, GDAL
and OWSLib read. Every read is the caller's, as everywhere: sign in with a personal API token."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from gridsvc.accounts import current_scope, roles_required
from gridsvc.boundaries import BBox
from gridsvc.geo.crs import OUTPUT_DATUMS, geojson_to_datum
from gridsvc.geojson import Feature as GeoFeature
from gridsvc.geojson import FeatureCollection
from gridsvc.http import Blueprint, documents
from gridsvc.jsonio import dumps_bytes
from gridsvc.maps import features
from gridsvc.paging import decode_cursor

blp = Blueprint("ogc", __name__, description="OGC API - Features (Part 1 Core, GeoJSON)")

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
JSON, GEOJSON = "application/json", "application/geo+json"
LINKS = {"type": "array", "items": {"type": "object", "required": ["href", "rel"]}}
LANDING = {"type": "object", "required": ["links"], "properties": {"links": LINKS}}
CONFORMANCE_DOC = {
    "type": "object",
    "required": ["conformsTo"],
    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
}
COLLECTION_DOC = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "links": LINKS},
}
COLLECTIONS_DOC = {
    "type": "object",
    "required": ["links", "collections"],
    "properties": {"links": LINKS, "collections": {"type": "array", "items": COLLECTION_DOC}},
}


class DatumArgs(Schema):
    crs = fields.String(
        validate=validate.OneOf(OUTPUT_DATUMS),
        metadata={"description": "GCJ02 (AMap, Tencent) or BD09 (Baidu): geometries in that datum"},
    )


class ItemsArgs(DatumArgs):
    bbox = BBox()
    limit = fields.Integer(
        validate=validate.Range(1, 1_000_000),
        metadata={
            "description": f"features per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"
        },
    )
    datetime = fields.String(validate=validate.Length(max=80))
    cursor = fields.String(validate=validate.Length(max=512))
    code = fields.String(validate=validate.Length(max=32))
    name = fields.String(validate=validate.Length(max=128))
    parent_code = fields.String(validate=validate.Length(max=32))
    township_code = fields.String(validate=validate.Length(max=9))
    village_code = fields.String(validate=validate.Length(max=12))
    grid_code = fields.String(validate=validate.Length(max=32))
    status = fields.String(validate=validate.Length(max=16))
    category = fields.String(validate=validate.Length(max=4))


def _base() -> str:
    return request.host_url.rstrip("/") + "/api/v1/ogc"


def _answer(body: dict, media: str = JSON) -> Response:
    return Response(dumps_bytes(body), mimetype=media, headers={"Vary": "Authorization"})


def _collection_doc(scope, coll: features.Collection) -> dict:
    base = f"{_base()}/collections/{coll.id}"
    bbox = features.extent(scope, coll)
    doc = {
        "id": coll.id,
        "title": coll.title,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"href": base, "rel": "self", "type": JSON, "title": coll.title},
            {"href": f"{base}/items", "rel": "items", "type": GEOJSON, "title": "Features"},
        ],
    }
    if bbox:
        doc["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    return doc


@blp.route("/ogc")
class Landing(MethodView):
    @roles_required()
    @blp.response(200)
    @documents(200, LANDING)
    def get(self):
        """Landing page: links to the API definition, the conformance and the collections."""
        base = _base()
        return _answer(
            {
                "title": "gridsvc",
                "description": "County grid management: boundaries and incidents",
                "links": [
                    {"href": base, "rel": "self", "type": JSON, "title": "This document"},
                    {
                        "href": request.host_url + "api/v1/openapi.json",
                        "rel": "service-desc",
                        "type": "application/vnd.oai.openapi+json;version=3.0",
                        "title": "The API definition",
                    },
                    {"href": f"{base}/conformance", "rel": "conformance", "type": JSON},
                    {"href": f"{base}/collections", "rel": "data", "type": JSON},
                ],
            }
        )


@blp.route("/ogc/conformance")
class Conformance(MethodView):
    @roles_required()
    @blp.response(200)
    @documents(200, CONFORMANCE_DOC)
    def get(self):
        """The conformance classes implemented."""
        return _answer({"conformsTo": CONFORMANCE})


@blp.route("/ogc/collections")
class Collections(MethodView):
    @roles_required()
    @blp.response(200)
    @documents(200, COLLECTIONS_DOC)
    def get(self):
        """Townships, villages, the unified grid, each specialist grid layer, incidents."""
        scope = current_scope()
        docs = [_collection_doc(scope, c) for c in features.collections(scope)]
        link = {"href": f"{_base()}/collections", "rel": "self", "type": JSON}
        return _answer({"links": [link], "collections": docs})


@blp.route("/ogc/collections/<string:collection_id>")
class CollectionItem(MethodView):
    @roles_required()
    @blp.response(200)
    @documents(200, COLLECTION_DOC)
    def get(self, collection_id):
        """One collection's description and extent."""
        scope = current_scope()
        return _answer(_collection_doc(scope, features.collection(scope, collection_id)))


@blp.route("/ogc/collections/<string:collection_id>/items")
class Items(MethodView):
    @roles_required()
    @blp.arguments(ItemsArgs, location="query")
    @blp.response(200)
    @documents(200, FeatureCollection, content_type=GEOJSON)
    def get(self, args, collection_id):
        """A page of features (bbox, limit, datetime for incidents, property filters), with a
        ``next`` link while more match."""
        if args.get("cursor"):
            args["after"] = decode_cursor(args["cursor"], str)[0]
        scope = current_scope()
        coll = features.collection(scope, collection_id)
        limit = min(args.get("limit") or DEFAULT_LIMIT, MAX_LIMIT)
        if args.get("datetime"):
            args["datetime"] = features.parse_datetime(args["datetime"])
        if coll.level is None:
            found, matched, nxt = features.incident_items(scope, args, limit)
        else:
            found, matched, nxt = features.area_items(scope, coll, args, limit)
        if args.get("crs"):
            for feature in found:
                feature["geometry"] = geojson_to_datum(feature["geometry"], args["crs"])
        here = f"{_base()}/collections/{coll.id}/items"
        links = [{"href": request.url, "rel": "self", "type": GEOJSON}]
        if nxt:
            query = {
                k: v for k, v in request.args.items(multi=True) if k not in ("cursor", "limit")
            }
            query.update({"limit": limit, "cursor": nxt})
            links.append({"href": f"{here}?{urlencode(query)}", "rel": "next", "type": GEOJSON})
        body = {
            "type": "FeatureCollection",
            "features": found,
            "numberMatched": matched,
            "numberReturned": len(found),
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "links": links,
        }
        return _answer(body, GEOJSON)


@blp.route("/ogc/collections/<string:collection_id>/items/<string:feature_id>")
class Feature(MethodView):
    @roles_required()
    @blp.arguments(DatumArgs, location="query")
    @blp.response(200)
    @documents(200, GeoFeature, content_type=GEOJSON)
    def get(self, args, collection_id, feature_id):
        """One feature: a boundary by its code, an incident by its id (404 outside the scope)."""
        scope = current_scope()
        coll = features.collection(scope, collection_id)
        if coll.level is None:
            feature = features.incident_item(scope, feature_id)
        else:
            feature = features.area_item(scope, coll, feature_id)
        if args.get("crs"):
            feature["geometry"] = geojson_to_datum(feature["geometry"], args["crs"])
        here = f"{_base()}/collections/{coll.id}/items/{feature_id}"
        feature["links"] = [
            {"href": here, "rel": "self", "type": GEOJSON},
            {"href": f"{_base()}/collections/{coll.id}", "rel": "collection", "type": JSON},
        ]
        return _answer(feature, GEOJSON)
