"""GeoJSON shapes (RFC 7946) for the spec: a room's map answers are documented with typed
properties by subclassing these, so generated clients parse features, not untyped dicts.

They document what the views already build (often as text straight from PostGIS); they are
never used to dump. Unknown members are allowed, as RFC 7946 allows foreign members.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from gridsvc.geo.crs import OUTPUT_DATUMS

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
GEOJSON = "application/geo+json"


class _Open(Schema):
    class Meta:
        unknown = INCLUDE


class Geometry(_Open):
    type = fields.String(required=True, validate=validate.OneOf(GEOMETRY_TYPES))
    coordinates = fields.List(
        fields.Raw(), metadata={"description": "positions: [lon, lat] in EPSG:4326, nested"}
    )


class Feature(_Open):
    """A Feature; subclasses replace ``properties`` (and ``id``) with their typed members."""

    type = fields.String(required=True, validate=validate.OneOf(("Feature",)))
    id = fields.Raw(allow_none=True, metadata={"description": "the feature's id or code"})
    geometry = fields.Nested(Geometry, required=True, allow_none=True)
    properties = fields.Dict(required=True, allow_none=True)


class FeatureCollection(_Open):
    """A page of features; subclasses replace ``features`` with their typed Feature."""

    type = fields.String(required=True, validate=validate.OneOf(("FeatureCollection",)))
    features = fields.List(fields.Nested(Feature), required=True)
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "pass as cursor for the next page; null: last"}
    )


class OutDatumArgs(Schema):
    """The ``crs`` query parameter of a GeoJSON read: AMap/Tencent and Baidu SDK apps draw on
    GCJ-02 and BD-09 maps and need the geometries in that datum (absent: WGS 84, as stored)."""

    crs = fields.String(
        validate=validate.OneOf(OUTPUT_DATUMS),
        metadata={"description": "geometries in GCJ02 (AMap, Tencent) or BD09 (Baidu)"},
    )
