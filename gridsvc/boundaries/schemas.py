"""Request and response shapes of the boundaries room."""

from __future__ import annotations

import math

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from gridsvc.boundaries.fields import LAYER_NAME, BBox
from gridsvc.boundaries.models import LEVELS, MERGE_STATUSES, PUBLISH_STATUSES, UPLOAD_STATUSES
from gridsvc.geo.crs import OUTPUT_DATUMS
from gridsvc.geojson import Feature, FeatureCollection
from gridsvc.i18n import localize_findings, localize_report

CRS_HELP = "EPSG:4326 (default), EPSG:4490 (CGCS2000), any EPSG code, GCJ02 or BD09"


class UploadForm(Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    layer = fields.String(
        validate=LAYER_NAME, metadata={"description": "grid layer; unified by default"}
    )
    crs = fields.String(validate=validate.Length(max=32), metadata={"description": CRS_HELP})
    encoding = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_\-]{2,20}$"))
    code_field = fields.String(validate=validate.Length(max=64))
    name_field = fields.String(validate=validate.Length(max=64))
    parent_field = fields.String(validate=validate.Length(max=64))
    layer_name = fields.String(
        validate=validate.Length(max=64), metadata={"description": "GeoPackage layer"}
    )
    repair = fields.Boolean(load_default=False)


class EditForm(UploadForm):
    """An edit of a merge's draft: always the unified grid layer, so no level or layer."""

    class Meta:
        exclude = ("level", "layer")


class UploadFile(Schema):
    file = Upload(required=True)


class UploadOut(Schema):
    id = fields.UUID()
    status = fields.String()
    progress = fields.Float()
    level = fields.String()
    layer = fields.String()
    filename = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    options = fields.Dict()
    report = fields.Dict(allow_none=True)
    error = fields.Dict(allow_none=True)
    generation_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    @post_dump
    def _in_the_readers_language(self, data: dict, **_kwargs) -> dict:
        """Finding and error details are stored in English; each reader gets theirs."""
        return localize_report(data)


class InspectForm(Schema):
    """What an upload would be told about the file; all optional (the file decides the rest)."""

    crs = fields.String(validate=validate.Length(max=32), metadata={"description": CRS_HELP})
    encoding = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_\-]{2,20}$"))
    layer_name = fields.String(
        validate=validate.Length(max=64), metadata={"description": "GeoPackage / KML layer"}
    )


class InspectColumn(Schema):
    name = fields.String()
    samples = fields.List(fields.String(), metadata={"description": "up to 3 non-empty values"})


class InspectOut(Schema):
    """A file's columns before it is uploaded (nothing is stored)."""

    format = fields.String(metadata={"description": "geojson, shp, gpkg or kml"})
    driver = fields.String()
    layers = fields.List(fields.String())
    features = fields.Integer()
    crs = fields.String(metadata={"description": "the CRS the file would be read in"})
    columns = fields.List(fields.Nested(InspectColumn))
    detected = fields.Dict(
        keys=fields.String(),
        values=fields.String(allow_none=True),
        metadata={"description": "role (code, name, parent_code …) -> the column an upload picks"},
    )
    notes = fields.List(fields.Dict())

    @post_dump
    def _in_the_readers_language(self, data: dict, **_kwargs) -> dict:
        data["notes"] = localize_findings(data.get("notes") or [])
        return data


class UploadListArgs(Schema):
    status = fields.String(validate=validate.OneOf(UPLOAD_STATUSES))
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class UploadSummary(UploadOut):
    class Meta:
        exclude = ("report",)


class UploadPage(Schema):
    items = fields.List(fields.Nested(UploadSummary))
    next_cursor = fields.String(allow_none=True)


class PublishIn(Schema):
    effective_from = fields.Date()
    description = fields.String(validate=validate.Length(max=500))


class GenerationOut(Schema):
    id = fields.Integer()
    number = fields.Integer(allow_none=True)
    status = fields.String()
    level = fields.String()
    layer = fields.String()
    county_code = fields.String(allow_none=True)
    source = fields.String()
    description = fields.String(allow_none=True)
    summary = fields.Dict()
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)


class PublishOut(Schema):
    """A publish job: poll it (``Location`` of the 202) until ``status`` is done or failed."""

    id = fields.UUID()
    status = fields.String(
        validate=validate.OneOf(PUBLISH_STATUSES),
        metadata={"description": "queued, running, done, or failed (see error)"},
    )
    upload_id = fields.UUID(allow_none=True)
    merge_id = fields.UUID(allow_none=True)
    draft_id = fields.Integer(metadata={"description": "the draft generation it publishes"})
    effective_from = fields.Date(allow_none=True)
    description = fields.String(allow_none=True)
    attempts = fields.Integer()
    error = fields.Dict(
        allow_none=True, metadata={"description": "why it failed, as an RFC 9457 problem"}
    )
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    generation = fields.Nested(
        GenerationOut, allow_none=True, metadata={"description": "once done: what was published"}
    )


class GenerationArgs(Schema):
    status = fields.String(validate=validate.OneOf(("draft", "published", "retired")))


AT_DOC = "read the boundaries in force at this time; not together with generation (422)"
GENERATION_DOC = "read this generation's boundaries; not together with at (422)"


class _AtArgs(Schema):
    at = fields.AwareDateTime(metadata={"description": AT_DOC})
    generation = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": GENERATION_DOC}
    )

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if "at" in data and "generation" in data:
            raise ValidationError("give at or generation, not both", "at")


class _OutDatum(Schema):
    crs = fields.String(
        validate=validate.OneOf(OUTPUT_DATUMS),
        metadata={"description": "geometries in GCJ02 (AMap, Tencent) or BD09 (Baidu)"},
    )


class AreaListArgs(_AtArgs, _OutDatum):
    level = fields.String(validate=validate.OneOf(("county", "township", "village")))
    parent = fields.String(validate=validate.Regexp(r"^\d{6,12}$"))
    bbox = BBox()
    geometry = fields.Boolean(load_default=True)
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class GridListArgs(_AtArgs, _OutDatum):
    layer = fields.String(validate=LAYER_NAME)
    village = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    township = fields.String(validate=validate.Regexp(r"^\d{9}$"))
    bbox = BBox()
    geometry = fields.Boolean(load_default=True)
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class ChangeArgs(_OutDatum):
    geometry = fields.Boolean(load_default=True)
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class ItemArgs(_AtArgs, _OutDatum):
    layer = fields.String(validate=LAYER_NAME)


class LocateArgs(_AtArgs):
    lon = fields.Float(required=True, allow_nan=False)
    lat = fields.Float(required=True, allow_nan=False)
    crs = fields.String(load_default=None, validate=validate.Length(max=32))
    layer = fields.String(validate=LAYER_NAME)


class PointList(fields.Field):
    """``[{"lon", "lat", "id"?}, …]`` checked in one tight loop.

    A Nested schema per point costs more than locating it; bulk requests carry up to 10,000.
    """

    MAX = 10_000

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list) or not 1 <= len(value) <= self.MAX:
            raise ValidationError(f"a list of 1 to {self.MAX} points")
        errors, points = {}, []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or not {"lon", "lat"} <= item.keys() <= {
                "lon",
                "lat",
                "id",
            }:
                errors[i] = ["an object with lon, lat and an optional id"]
                continue
            lon, lat, ident = item["lon"], item["lat"], item.get("id")
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
                errors[i] = ["lon and lat must be numbers"]
            elif not (math.isfinite(lon) and math.isfinite(lat)):
                errors[i] = ["lon and lat must be finite"]
            elif ident is not None and (not isinstance(ident, str) or len(ident) > 64):
                errors[i] = ["id must be a string of at most 64 characters"]
            else:
                points.append(item)
        if errors:
            raise ValidationError(dict(list(errors.items())[:20]))
        return points


class LocateManyIn(_AtArgs):
    points = PointList(
        required=True,
        metadata={"description": "[{lon, lat, id?}] — up to 10,000 points"},
    )
    crs = fields.String(load_default=None, validate=validate.Length(max=32))
    layer = fields.String(validate=LAYER_NAME)


class MergeIn(Schema):
    client_id = fields.UUID(
        metadata={
            "description": "a UUID the client makes for this merge: resending the same request "
            "with it answers the first merge and queues nothing (as Idempotency-Key does)"
        }
    )
    layers = fields.List(
        fields.String(validate=LAYER_NAME), required=True, validate=validate.Length(2, 10)
    )
    townships = fields.List(
        fields.String(validate=validate.Regexp(r"^\d{9}$")),
        required=True,
        validate=validate.Length(1, 100),
    )
    proposed_layer = fields.String(validate=LAYER_NAME)
    method = fields.String(
        load_default="aggregate",
        validate=validate.OneOf(["aggregate", "overlay"]),
        metadata={
            "description": "aggregate: overlay pieces grouped into grids of a households target "
            "inside each village (the default); overlay: every overlay piece is a grid"
        },
    )
    sliver_max_m2 = fields.Float(load_default=200.0, validate=validate.Range(0, 100_000))
    streets = fields.Dict(
        metadata={
            "description": "GeoJSON (Multi)LineString or GeometryCollection of road / street "
            "lines: cuts prefer them (街巷定界); up to 2,000,000 vertices"
        }
    )
    household_points = fields.Dict(
        metadata={
            "description": "GeoJSON MultiPoint of households or buildings: counted per grid "
            "instead of the layers' totals; up to 500,000 points"
        }
    )
    crs = fields.String(
        load_default=None,
        validate=validate.Length(max=32),
        metadata={"description": "CRS of streets and household_points (default EPSG:4326)"},
    )
    size_rules = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^((street|town|township):)?(urban|rural)$")),
        values=fields.Dict(
            keys=fields.String(
                validate=validate.OneOf(["min_households", "max_households", "max_area_km2"])
            ),
            values=fields.Float(validate=validate.Range(0, 1_000_000)),
        ),
        metadata={
            "description": "households range per grid (and area cap) by village kind, "
            'optionally per township type, e.g. {"urban": {"min_households": 300, '
            '"max_households": 500}, "town:rural": {"max_area_km2": 5}}'
        },
    )


class CrosswalkArgs(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


class MergeEditOut(Schema):
    """One edit of a merge's draft: the upload that carried it (its page has the whole report)."""

    upload_id = fields.UUID()
    status = fields.String(
        metadata={"description": "validated: the draft is the edited layer; invalid: it is not"}
    )
    filename = fields.String()
    created_by = fields.Integer(allow_none=True)
    created_by_username = fields.String(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    summary = fields.Dict(allow_none=True)
    findings = fields.List(fields.Dict(), metadata={"description": "the first 50 findings"})
    error = fields.Dict(allow_none=True)


class MergeOut(Schema):
    id = fields.UUID()
    client_id = fields.UUID(allow_none=True)
    status = fields.String(
        validate=validate.OneOf(MERGE_STATUSES),
        metadata={"description": "queued, running, done, or failed (see error)"},
    )
    error = fields.Dict(
        allow_none=True, metadata={"description": "why it failed, as an RFC 9457 problem"}
    )
    attempts = fields.Integer()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    county_code = fields.String(allow_none=True)
    township_codes = fields.List(fields.String())
    layers = fields.List(fields.String())
    proposed_layer = fields.String(allow_none=True)
    crosswalk = fields.List(fields.Dict())
    report = fields.Dict()
    generation_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    edits = fields.List(
        fields.Nested(MergeEditOut),
        metadata={"description": "edited layers uploaded as this merge's draft, oldest first"},
    )

    @post_dump
    def _in_the_readers_language(self, data: dict, **_kwargs) -> dict:
        for edit in data.get("edits") or []:
            edit["findings"] = localize_findings(edit["findings"])
        return localize_report(data)


# --- documented answers the views build themselves (gridsvc.http.documents) ------------------


class AreaProperties(Schema):
    code = fields.String()
    name = fields.String()
    level = fields.String(validate=validate.OneOf(LEVELS))
    layer = fields.String()
    parent_code = fields.String(allow_none=True)
    county_code = fields.String(allow_none=True)
    township_code = fields.String(allow_none=True)
    village_code = fields.String(allow_none=True)
    households = fields.Integer(allow_none=True)
    population = fields.Integer(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    generation_from = fields.Integer(allow_none=True)
    generation_to = fields.Integer(allow_none=True)


class AreaFeature(Feature):
    id = fields.String(metadata={"description": "the area's or grid's code"})
    properties = fields.Nested(AreaProperties, required=True)


class AreaFeatureCollection(FeatureCollection):
    features = fields.List(fields.Nested(AreaFeature), required=True)
    generation = fields.Integer(allow_none=True)


class ChangeProperties(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    level = fields.String(validate=validate.OneOf(LEVELS))
    layer = fields.String()
    parent_code = fields.String(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    change = fields.String(validate=validate.OneOf(("added", "removed", "changed")))
    side = fields.String(validate=validate.OneOf(("before", "after")))
    changed = fields.List(
        fields.String(validate=validate.OneOf(("geometry", "name", "parent_code"))),
        metadata={"description": "what differs between the sides of a changed area"},
    )


class ChangeFeature(Feature):
    id = fields.String(metadata={"description": "code:side"})
    properties = fields.Nested(ChangeProperties, required=True)


class ChangeFeatureCollection(FeatureCollection):
    features = fields.List(fields.Nested(ChangeFeature), required=True)
    generation = fields.Integer()


class PlaceOut(Schema):
    code = fields.String()
    name = fields.String()


class LocationOut(Schema):
    county = fields.Nested(PlaceOut, allow_none=True)
    township = fields.Nested(PlaceOut, allow_none=True)
    village = fields.Nested(PlaceOut, allow_none=True)
    grid = fields.Nested(PlaceOut, allow_none=True)
    generation = fields.Integer(allow_none=True)
    id = fields.Raw(metadata={"description": "the point's id, when it had one (POST)"})


class LocateManyOut(Schema):
    results = fields.List(fields.Nested(LocationOut))
