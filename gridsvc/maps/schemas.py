"""Request shapes of the maps room."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridsvc.boundaries import LAYER_NAME
from gridsvc.incidents import STATUSES


class TileArgs(Schema):
    """Boundary layers read ``generation`` and ``layer``; the incidents layer its filters."""

    generation = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "a published generation (default: the current one)"},
    )
    layer = fields.String(
        validate=LAYER_NAME,
        metadata={"description": "grids: the grid layer (default unified; or a specialist layer)"},
    )
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        validate=validate.Length(max=len(STATUSES)),
        metadata={"description": "incidents: any of these statuses (repeat the parameter)"},
    )
    category = fields.String(validate=validate.Regexp(r"^\d{4}$"))
    team = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    overdue = fields.Boolean()


class DownloadArgs(Schema):
    format = fields.String(
        load_default="gpkg", validate=validate.OneOf(("gpkg", "shp", "geojson", "kml"))
    )
    crs = fields.String(
        load_default="EPSG:4490",
        validate=validate.OneOf(("EPSG:4490", "EPSG:4326")),
        metadata={"description": "CGCS2000 (default) or WGS 84; KML is always WGS 84"},
    )


class CurrentDownloadArgs(DownloadArgs):
    level = fields.String(
        required=True, validate=validate.OneOf(("county", "township", "village", "grid"))
    )
    layer = fields.String(validate=LAYER_NAME)


class FindingsArgs(Schema):
    format = fields.String(load_default="geojson", validate=validate.OneOf(("geojson", "gpkg")))
