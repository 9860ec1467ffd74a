"""Request and response shapes of the incidents room (no session access here)."""

from __future__ import annotations

import shapely
from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gridsvc.boundaries import BBox
from gridsvc.geo.convert import point_from_geojson
from gridsvc.geo.crs import OUTPUT_DATUMS
from gridsvc.geo.errors import GeoInputError
from gridsvc.geojson import Feature, FeatureCollection
from gridsvc.incidents import categories
from gridsvc.incidents.models import ADDRESS_MAX, DESCRIPTION_MAX, STATUSES

CATEGORY_CODE = validate.Regexp(r"^\d{4}$", error="a 4-digit category code, e.g. 0501")
CRS_HELP = "EPSG:4326 (default), EPSG:4490 (CGCS2000), GCJ02 (AMap/Tencent) or BD09 (Baidu)"
LEVELS = ("county", "township", "village", "grid")


class GeoJSONPoint(fields.Field):
    """A GeoJSON Point object, shape-checked here; range and CRS checks need the crs (service)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            point_from_geojson(value)
        except GeoInputError as exc:
            raise ValidationError(exc.detail) from exc
        return {"type": "Point", "coordinates": list(value["coordinates"])}


class IncidentIn(Schema):
    client_id = fields.UUID(
        load_default=None,
        metadata={
            "description": "UUID made by the phone; resending it never creates a second report"
        },
    )
    category = fields.String(required=True, validate=CATEGORY_CODE)
    location = GeoJSONPoint(
        required=True, metadata={"description": "GeoJSON Point, [lon, lat] in `crs`"}
    )
    crs = fields.String(
        load_default=None, validate=validate.Length(max=32), metadata={"description": CRS_HELP}
    )
    accuracy_m = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000)
    )
    reported_at = fields.DateTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "device time (RFC 3339); without an offset it is Beijing time"},
    )
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX)
    )
    address = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=ADDRESS_MAX)
    )
    resolved_on_site = fields.Boolean(
        load_default=False,
        metadata={
            "description": "自处置: the grid worker fixed it on the spot. The case closes when "
            "a before photo (kind=report) and an after photo (kind=verification) are uploaded; "
            "only for categories the responsibility list marks fixable on site"
        },
    )


class PlaceField(fields.Field):
    """One level of the place an incident was located in: {code, name} or null."""

    def __init__(self, level: str, **kwargs):
        super().__init__(dump_only=True, **kwargs)
        self.level = level

    def _serialize(self, value, attr, obj, **kwargs):
        code = getattr(obj, f"{self.level}_code")
        if code is None:
            return None
        return {"code": code, "name": (obj.place_names or {}).get(self.level)}

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj  # the whole incident: the value spans two attributes


def _point(geom) -> dict | None:
    if geom is None:
        return None
    data = geom.data  # bytes from the ORM, hex text when the row came back from raw SQL
    point = shapely.from_wkb(data if isinstance(data, str | bytes) else bytes(data))
    return {"type": "Point", "coordinates": [round(point.x, 7), round(point.y, 7)]}


class IncidentOut(Schema):
    id = fields.Integer()
    client_id = fields.UUID()
    status = fields.String()
    category = fields.String(attribute="category_code")
    category_name = fields.Method("_category_name")
    location = fields.Method("_location")
    raw_location = fields.Method("_raw_location")
    accuracy_m = fields.Float(allow_none=True)
    reported_at = fields.DateTime()
    received_at = fields.DateTime()
    description = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    county = PlaceField("county")
    township = PlaceField("township")
    village = PlaceField("village")
    grid = PlaceField("grid")
    generation = fields.Integer(allow_none=True)
    outside_own_grids = fields.Boolean()
    probable_duplicate_of = fields.Integer(allow_none=True)
    duplicate_distance_m = fields.Float(allow_none=True)
    duplicate_of = fields.Integer(allow_none=True)
    photo_count = fields.Integer()
    reporter_id = fields.Integer()
    source = fields.String()
    routing = fields.Dict(allow_none=True)
    version = fields.Integer()
    updated_at = fields.DateTime()

    def _category_name(self, obj) -> str | None:
        # The display name from the per-process catalog cache: no query per row.
        rule = categories.rules().get(obj.category_code)
        return rule.name_zh if rule else None

    def _location(self, obj) -> dict | None:
        return _point(obj.geom)

    def _raw_location(self, obj) -> dict:
        return {"type": "Point", "coordinates": [obj.raw_lon, obj.raw_lat], "crs": obj.crs}


class StatusList(fields.Field):
    """``status=reported,accepted`` or repeated ``status=`` parameters."""

    def _deserialize(self, value, attr, data, **kwargs):
        values = [v.strip() for v in str(value).split(",") if v.strip()]
        unknown = sorted(set(values) - set(STATUSES))
        if not values or unknown:
            raise ValidationError(f"unknown status: {', '.join(unknown) or 'none given'}")
        return values


class IncidentListArgs(Schema):
    crs = fields.String(
        validate=validate.OneOf(OUTPUT_DATUMS),
        metadata={"description": "GeoJSON geometries in GCJ02 (AMap, Tencent) or BD09 (Baidu)"},
    )
    status = StatusList()
    category = fields.String(validate=CATEGORY_CODE)
    county = fields.String(
        validate=validate.Regexp(r"^\d{6}$"),
        metadata={"description": "one county (a global admin's desk works one at a time)"},
    )
    township = fields.String(validate=validate.Regexp(r"^\d{9}$"))
    grid = fields.String(validate=validate.Length(1, 32))
    bbox = BBox(metadata={"description": "minlon,minlat,maxlon,maxlat (EPSG:4326)"})
    updated_since = fields.AwareDateTime()
    mine = fields.Boolean(metadata={"description": "only my own reports"})
    flagged = fields.Boolean(metadata={"description": "only probable duplicates awaiting review"})
    format = fields.String(validate=validate.OneOf(("json", "geojson")))
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class IncidentPage(Schema):
    items = fields.List(fields.Nested(IncidentOut))
    next_cursor = fields.String(allow_none=True)


class FeedArgs(Schema):
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class FeedOut(Schema):
    items = fields.List(fields.Nested(IncidentOut))
    cursor = fields.String(metadata={"description": "send it back next time"})
    has_more = fields.Boolean(metadata={"description": "call again at once with the new cursor"})


class SyncIn(Schema):
    # Items are checked one by one in the view, so one malformed item fails alone.
    incidents = fields.List(fields.Raw(), load_default=list)
    track_points = fields.List(
        fields.Raw(),
        load_default=list,
        metadata={"description": "patrol points: t, lon, lat, accuracy_m, crs (as POST /tracks)"},
    )
    track_crs = fields.String(
        validate=validate.Length(max=64),
        metadata={"description": "crs of the track points (default EPSG:4326)"},
    )

    @validates_schema(pass_original=True)
    def _not_empty(self, _data: dict, original: object, **_kwargs) -> None:
        # A missing or empty body is a client's bug (it lost its queue), not an empty success.
        if not isinstance(original, dict) or not original.keys() & {"incidents", "track_points"}:
            raise ValidationError("Send incidents, track_points or both.", "_schema")

    @validates_schema
    def _sizes(self, data: dict, **_kwargs) -> None:
        limits = (
            ("incidents", current_app.config["SYNC_MAX_INCIDENTS"]),
            ("track_points", current_app.config["SYNC_MAX_TRACK_POINTS"]),
        )
        for key, limit in limits:
            if len(data[key]) > limit:
                raise ValidationError(f"at most {limit} per request", key)


class SyncItemOut(Schema):
    index = fields.Integer()
    client_id = fields.UUID(allow_none=True)
    result = fields.String(metadata={"description": "created | replayed | error"})
    incident = fields.Nested(IncidentOut, allow_none=True)
    problem = fields.Dict(allow_none=True)


class SyncOut(Schema):
    incidents = fields.List(fields.Nested(SyncItemOut))
    track_points = fields.List(fields.Dict())
    summary = fields.Dict()


class EventOut(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    evidence = fields.Dict(allow_none=True)
    data = fields.Dict(allow_none=True)


class EventPage(Schema):
    items = fields.List(fields.Nested(EventOut))
    next_cursor = fields.String(allow_none=True)


class PageArgs(Schema):
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class DuplicateDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("confirm", "dismiss")))
    original_id = fields.Integer(
        validate=validate.Range(min=1),
        metadata={
            "description": "confirm: the incident this one repeats (default: the flagged one)"
        },
    )
    note = fields.String(validate=validate.Length(max=1000))


# --- categories ------------------------------------------------------------------------------


class CategoryOut(Schema):
    code = fields.String()
    class_code = fields.String()
    class_name_zh = fields.String()
    class_name_en = fields.String(allow_none=True)
    name_zh = fields.String()
    name_en = fields.String()
    response_hours = fields.Integer()
    resolution_hours = fields.Integer()
    photo_required = fields.Boolean()
    duplicate_radius_m = fields.Integer()
    duplicate_window_hours = fields.Integer()
    active = fields.Boolean()
    sort_order = fields.Integer()
    version = fields.Integer()
    updated_at = fields.DateTime()


class CategoryListArgs(Schema):
    include_inactive = fields.Boolean(load_default=False)


class _CategoryFields(Schema):
    class_name_zh = fields.String(validate=validate.Length(1, 64))
    class_name_en = fields.String(allow_none=True, validate=validate.Length(max=128))
    name_zh = fields.String(validate=validate.Length(1, 64))
    name_en = fields.String(validate=validate.Length(1, 128))
    response_hours = fields.Integer(validate=validate.Range(1, 24 * 90))
    resolution_hours = fields.Integer(validate=validate.Range(1, 24 * 365))
    photo_required = fields.Boolean()
    duplicate_radius_m = fields.Integer(
        validate=validate.Range(0, 5000), metadata={"description": "0 turns duplicate search off"}
    )
    duplicate_window_hours = fields.Integer(validate=validate.Range(1, 24 * 365))
    active = fields.Boolean()
    sort_order = fields.Integer(validate=validate.Range(-100_000, 100_000))


class CategoryCreate(_CategoryFields):
    code = fields.String(required=True, validate=CATEGORY_CODE)
    class_code = fields.String(validate=validate.Regexp(r"^\d{2}$"))
    class_name_zh = fields.String(required=True, validate=validate.Length(1, 64))
    name_zh = fields.String(required=True, validate=validate.Length(1, 64))
    name_en = fields.String(required=True, validate=validate.Length(1, 128))
    response_hours = fields.Integer(required=True, validate=validate.Range(1, 24 * 90))
    resolution_hours = fields.Integer(required=True, validate=validate.Range(1, 24 * 365))


class CategoryUpdate(_CategoryFields):
    pass


# --- photos ----------------------------------------------------------------------------------


class PhotoForm(Schema):
    kind = fields.String(
        load_default="report", validate=validate.OneOf(("report", "evidence", "verification"))
    )


class PhotoOut(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    kind = fields.String()
    sha256 = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    bytes = fields.Integer()
    taken_at = fields.DateTime(allow_none=True)
    has_exif_location = fields.Method("_has_exif")
    uploaded_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    url = fields.Method("_url")
    thumbnail_url = fields.Method("_thumbnail_url")

    def _has_exif(self, photo) -> bool:
        return photo.exif_geom is not None

    def _url(self, photo) -> str:
        return f"/api/v1/incidents/{photo.incident_id}/photos/{photo.id}"

    def _thumbnail_url(self, photo) -> str:
        return f"/api/v1/incidents/{photo.incident_id}/photos/{photo.id}/thumbnail"


ON_SITE_STATES = ("awaiting_photos", "closed", "awaiting_confirmation")


class PhotoIncidentState(Schema):
    """The incident as the upload left it, so the phone need not read it again."""

    id = fields.Integer()
    status = fields.String(validate=validate.OneOf(STATUSES))
    etag = fields.String(metadata={"description": "the incident's ETag now (for If-Match)"})
    url = fields.String()
    on_site = fields.String(
        allow_none=True,
        validate=validate.OneOf(ON_SITE_STATES),
        metadata={
            "description": "a report filed as fixed on the spot (自处置): still awaiting its "
            "before/after photos, closed, or awaiting the team lead's confirmation (sampled); "
            "null for any other incident"
        },
    )


class PhotoUploadOut(PhotoOut):
    """An upload's answer: the photo, plus the incident it may have changed (a report filed
    with ``resolved_on_site`` closes with its last before/after photo)."""

    incident = fields.Nested(PhotoIncidentState)


class IncidentProperties(IncidentOut):
    """An incident as a GeoJSON Feature's properties: its location is the geometry."""

    class Meta:
        exclude = ("location",)


class IncidentFeature(Feature):
    id = fields.Integer()
    properties = fields.Nested(IncidentProperties, required=True)


class IncidentCollection(FeatureCollection):
    features = fields.List(fields.Nested(IncidentFeature), required=True)
