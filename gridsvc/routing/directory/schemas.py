"""Request and response shapes of the directory: teams, the responsibility list, zones.

The code formats and ``PageArgs`` here are shared by the other routing sub-packages' schemas.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from gridsvc.geojson import Feature, FeatureCollection, Geometry, OutDatumArgs
from gridsvc.routing.directory.models import DEADLINE_BASES, PRIMARY_KINDS, TEAM_KINDS, ZONE_KINDS

COUNTY = validate.Regexp(r"^\d{6}$", error="a 6-digit county code")
TOWNSHIP = validate.Regexp(r"^\d{9}$", error="a 9-digit township code")
CATEGORY = validate.Regexp(r"^\d{4}$", error="a 4-digit category code")
TEAM_CODE = validate.Regexp(r"^[A-Za-z0-9_\-]{2,32}$", error="2-32 letters, digits, _ or -")
HOURS = validate.Range(min=0, max=24 * 365, min_inclusive=False)


class PageArgs(Schema):
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


# --- teams -----------------------------------------------------------------------------------


class TeamListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(TEAM_KINDS))
    township = fields.String(validate=TOWNSHIP)
    county = fields.String(validate=COUNTY)
    active = fields.Boolean()


class TeamIn(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    kind = fields.String(required=True, validate=validate.OneOf(TEAM_KINDS))
    code = fields.String(required=True, validate=TEAM_CODE)
    name = fields.String(required=True, validate=validate.Length(1, 128))
    township_code = fields.String(
        validate=TOWNSHIP, metadata={"description": "the seat of a township team"}
    )
    townships = fields.List(
        fields.String(validate=TOWNSHIP),
        validate=validate.Length(max=50),
        metadata={"description": "townships a township team serves (default: its seat)"},
    )
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    category_codes = fields.List(
        fields.String(validate=CATEGORY),
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={"description": "only these categories (null: the township's general team)"},
    )
    item_codes = fields.List(
        fields.String(validate=validate.Length(1, 64)),
        allow_none=True,
        validate=validate.Length(1, 500),
        metadata={"description": "only these catalogue items (事项编码)"},
    )
    parent_department_id = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "a stationed agency's county department (派驻机构)"},
    )


class TeamUpdate(Schema):
    name = fields.String(validate=validate.Length(1, 128))
    parent_department_id = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "a stationed agency's county department (派驻机构); null: none"},
    )
    townships = fields.List(fields.String(validate=TOWNSHIP), validate=validate.Length(1, 50))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    active = fields.Boolean()
    category_codes = fields.List(
        fields.String(validate=CATEGORY), allow_none=True, validate=validate.Length(1, 100)
    )
    item_codes = fields.List(
        fields.String(validate=validate.Length(1, 64)),
        allow_none=True,
        validate=validate.Length(1, 500),
    )


class TeamOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    kind = fields.String()
    code = fields.String()
    name = fields.String()
    township_code = fields.String(allow_none=True)
    townships = fields.List(fields.String())
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    category_codes = fields.List(fields.String(), allow_none=True)
    item_codes = fields.List(fields.String(), allow_none=True)
    parent_department_id = fields.Integer(allow_none=True)
    member_count = fields.Integer()
    created_at = fields.DateTime()


class TeamPage(Schema):
    items = fields.List(fields.Nested(TeamOut))
    next_cursor = fields.String(allow_none=True)


class MemberIn(Schema):
    user_id = fields.Integer(required=True, validate=validate.Range(min=1))


class MemberOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String()
    township_code = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    active = fields.Boolean()


# --- responsibility list ---------------------------------------------------------------------


class EntryListArgs(Schema):
    county = fields.String(validate=COUNTY)
    category = fields.String(validate=CATEGORY)
    at = fields.Date(metadata={"description": "the list in force on this day (default today)"})
    versions = fields.String(
        validate=validate.OneOf(("in_force", "all")),
        load_default="in_force",
        metadata={"description": "in_force: one entry per category; all: every version"},
    )


class EntryPageArgs(EntryListArgs, PageArgs):
    pass


class EntryIn(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    category_code = fields.String(required=True, validate=CATEGORY)
    primary_kind = fields.String(required=True, validate=validate.OneOf(PRIMARY_KINDS))
    department_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    delegated = fields.Boolean(load_default=False)
    cooperating_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)), validate=validate.Length(max=10)
    )
    response_hours = fields.Float(allow_none=True, validate=HOURS)
    resolution_hours = fields.Float(allow_none=True, validate=HOURS)
    deadline_basis = fields.String(validate=validate.OneOf(DEADLINE_BASES))
    legal_basis = fields.String(allow_none=True, validate=validate.Length(max=2000))
    fixable_on_site = fields.Boolean(
        load_default=False,
        metadata={"description": "即知即改: grid workers may fix it on the spot"},
    )
    effective_from = fields.Date(required=True)

    @validates_schema
    def _department_when_needed(self, data, **_kwargs):
        if data.get("primary_kind") == "department" and not data.get("department_id"):
            raise ValidationError("required when primary_kind is department", "department_id")
        if data.get("primary_kind") == "township" and data.get("delegated"):
            raise ValidationError("only a department's power can be delegated", "delegated")


class EntryUpdate(EntryIn):
    class Meta:
        exclude = ("county_code", "category_code")

    def on_bind_field(self, field_name, field_obj):
        field_obj.required = False
        field_obj.load_default = missing  # an edit leaves out what it does not change


class EntryOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    category_code = fields.String()
    category_name = fields.String(allow_none=True)
    primary_kind = fields.String()
    department_id = fields.Integer(allow_none=True)
    department_name = fields.String(allow_none=True)
    delegated = fields.Boolean()
    cooperating_ids = fields.List(fields.Integer())
    response_hours = fields.Float(allow_none=True)
    resolution_hours = fields.Float(allow_none=True)
    deadline_basis = fields.String()
    legal_basis = fields.String(allow_none=True)
    fixable_on_site = fields.Boolean()
    effective_from = fields.Date()
    in_force = fields.Boolean()
    created_at = fields.DateTime()


class EntryPage(Schema):
    items = fields.List(fields.Nested(EntryOut))
    next_cursor = fields.String(allow_none=True)


class ImportForm(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    dry_run = fields.Boolean(load_default=False)


# --- zones -----------------------------------------------------------------------------------


class ZoneListArgs(OutDatumArgs):
    county = fields.String(validate=COUNTY)
    team_id = fields.Integer()
    active = fields.Boolean()


class ZoneIn(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    name = fields.String(required=True, validate=validate.Length(1, 128))
    geometry = fields.Dict(
        required=True,
        metadata={"description": "GeoJSON Polygon/MultiPolygon, or (Multi)LineString + buffer_m"},
    )
    crs = fields.String(
        validate=validate.Length(max=64), metadata={"description": "default EPSG:4326"}
    )
    buffer_m = fields.Float(validate=validate.Range(1, 500))
    category_codes = fields.List(
        fields.String(validate=CATEGORY), allow_none=True, validate=validate.Length(1, 100)
    )
    team_id = fields.Integer(required=True, validate=validate.Range(min=1))
    priority = fields.Integer(load_default=100, validate=validate.Range(0, 10_000))


class ZoneUpdate(Schema):
    name = fields.String(validate=validate.Length(1, 128))
    category_codes = fields.List(
        fields.String(validate=CATEGORY), allow_none=True, validate=validate.Length(1, 100)
    )
    team_id = fields.Integer(validate=validate.Range(min=1))
    priority = fields.Integer(validate=validate.Range(0, 10_000))
    active = fields.Boolean()


class PreviewArgs(Schema):
    category = fields.String(required=True, validate=CATEGORY)
    lon = fields.Float(required=True)
    lat = fields.Float(required=True)
    crs = fields.String(validate=validate.Length(max=64))


# --- documented answers the views build themselves (gridsvc.http.documents) ------------------


class ZoneProperties(Schema):
    id = fields.Integer()
    county_code = fields.String()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(ZONE_KINDS))
    buffer_m = fields.Float(allow_none=True)
    line = fields.Nested(Geometry, allow_none=True, metadata={"description": "a road's line"})
    category_codes = fields.List(fields.String(), allow_none=True)
    team_id = fields.Integer(allow_none=True)
    priority = fields.Integer()
    active = fields.Boolean()


class ZoneFeature(Feature):
    id = fields.Integer()
    properties = fields.Nested(ZoneProperties, required=True)


class ZoneCollection(FeatureCollection):
    features = fields.List(fields.Nested(ZoneFeature), required=True)


class ImportOut(Schema):
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
