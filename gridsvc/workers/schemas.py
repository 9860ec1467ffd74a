"""Request and response shapes of the workers room (no session access here)."""

from __future__ import annotations

from collections.abc import Sequence

from marshmallow import Schema, ValidationError, fields, validate

from gridsvc.boundaries import LAYER_NAME
from gridsvc.geojson import Feature, FeatureCollection, OutDatumArgs
from gridsvc.workers.models import ASSIGNMENT_ROLES, EMPLOYMENT_TYPES, PROPOSAL_STATUSES

TOWNSHIP = validate.Regexp(r"^\d{9}$", error="a 9-digit township code")
PHONE = validate.Regexp(r"^[0-9+\-() ]{3,32}$", error="digits, spaces, + - ( ), up to 32")
REASON = validate.Regexp(r"^[a-z][a-z_]{2,63}$", error="lower-case words joined by _")
CURSOR = validate.Length(max=512)
LIMIT = validate.Range(1, 500)


class _Page(Schema):
    next_cursor = fields.String(allow_none=True)


# --- profiles ----------------------------------------------------------------------------------


class HeldGrid(Schema):
    grid_code = fields.String()
    role = fields.String()
    since = fields.AwareDateTime()


class WorkerCreate(Schema):
    user_id = fields.Integer(required=True, validate=validate.Range(min=1))
    employment = fields.String(
        load_default="full_time",
        validate=validate.OneOf(EMPLOYMENT_TYPES),
        metadata={"description": "full_time (专职) or part_time (兼职)"},
    )
    phone = fields.String(allow_none=True, validate=PHONE)
    hired_on = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


class WorkerUpdate(Schema):
    employment = fields.String(validate=validate.OneOf(EMPLOYMENT_TYPES))
    phone = fields.String(allow_none=True, validate=PHONE)
    hired_on = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))


class WorkerOut(Schema):
    user_id = fields.Integer()
    username = fields.Function(lambda p: p.user.username)
    display_name = fields.Function(lambda p: p.user.display_name)
    active = fields.Function(lambda p: p.user.active)
    county_code = fields.String()
    township_code = fields.String()
    employment = fields.String()
    phone = fields.String(allow_none=True)
    hired_on = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    current_grids = fields.List(fields.Nested(HeldGrid))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class WorkerListArgs(Schema):
    township = fields.String(validate=TOWNSHIP)
    employment = fields.String(validate=validate.OneOf(EMPLOYMENT_TYPES))
    active = fields.Boolean()
    cursor = fields.String(validate=CURSOR)
    limit = fields.Integer(validate=LIMIT)


class WorkerPage(_Page):
    items = fields.List(fields.Nested(WorkerOut))


# --- assignments -------------------------------------------------------------------------------


class AssignmentIn(Schema):
    user_id = fields.Integer(required=True, validate=validate.Range(min=1))
    role = fields.String(load_default="primary", validate=validate.OneOf(ASSIGNMENT_ROLES))
    valid_from = fields.AwareDateTime(
        metadata={"description": "start (default now); not in the future"}
    )


class AssignmentEnd(Schema):
    reason = fields.String(
        load_default="ended",
        validate=REASON,
        metadata={"description": "why it ends: ended, worker_left, on_leave, …"},
    )
    valid_to = fields.AwareDateTime(metadata={"description": "end (default now)"})


class GridLayerArgs(Schema):
    layer = fields.String(validate=LAYER_NAME, metadata={"description": "default unified"})


class MyGridsArgs(GridLayerArgs, OutDatumArgs):
    """Which layer, and the datum of the geometries."""


class AssignmentOut(Schema):
    id = fields.Integer()
    grid_code = fields.String()
    layer = fields.String()
    user_id = fields.Integer()
    username = fields.Function(lambda a: a.worker.username)
    display_name = fields.Function(lambda a: a.worker.display_name)
    role = fields.String()
    valid_from = fields.AwareDateTime()
    valid_to = fields.AwareDateTime(allow_none=True)
    current = fields.Function(lambda a: a.valid_to is None)
    end_reason = fields.String(allow_none=True)
    county_code = fields.String()
    township_code = fields.String()
    created_by = fields.Integer(allow_none=True)
    ended_by = fields.Integer(allow_none=True)


class AssignmentListArgs(GridLayerArgs):
    current = fields.Boolean(metadata={"description": "only the current rows"})
    at = fields.AwareDateTime(metadata={"description": "the rows valid at this moment"})
    role = fields.String(validate=validate.OneOf(ASSIGNMENT_ROLES))
    cursor = fields.String(validate=CURSOR)
    limit = fields.Integer(validate=LIMIT)


class AssignmentPage(_Page):
    items = fields.List(fields.Nested(AssignmentOut))


class VacancyArgs(GridLayerArgs):
    township = fields.String(validate=TOWNSHIP)
    cursor = fields.String(validate=CURSOR)
    limit = fields.Integer(validate=LIMIT)


class Candidate(Schema):
    user_id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    from_grid = fields.String(metadata={"description": "the old grid the worker held"})
    role = fields.String(metadata={"description": "their role in the old grid"})
    overlap_share = fields.Float(metadata={"description": "share of the new grid's area"})


class Vacancy(Schema):
    grid_code = fields.String()
    name = fields.String(allow_none=True)
    county_code = fields.String()
    township_code = fields.String()
    village_code = fields.String(allow_none=True)
    households = fields.Integer(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    vacant_since = fields.AwareDateTime(allow_none=True)
    reason = fields.String(
        metadata={"description": "boundary_change, primary_ended, never_assigned"}
    )
    generation = fields.Integer(allow_none=True)
    candidates = fields.List(fields.Nested(Candidate))


class VacancyPage(_Page):
    items = fields.List(fields.Nested(Vacancy))


# --- proposals ---------------------------------------------------------------------------------


class ProposalIn(Schema):
    township = fields.String(required=True, validate=TOWNSHIP)
    worker_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        validate=validate.Length(1, 500),
        metadata={"description": "default: every active worker with a profile in the township"},
    )
    layer = fields.String(validate=LAYER_NAME)


class ProposalEdit(Schema):
    grid_code = fields.String(required=True, validate=validate.Length(1, 32))
    user_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null leaves the grid vacant"}
    )


class ProposalAccept(Schema):
    edits = fields.List(fields.Nested(ProposalEdit), validate=validate.Length(max=2000))


class ProposalItem(Schema):
    user_id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    existing_grids = fields.List(fields.String())
    proposed_grids = fields.List(fields.String())
    grid_loads = fields.Dict(keys=fields.String(), values=fields.Float())
    load = fields.Float()
    contiguous = fields.Boolean()


class ProposalOut(Schema):
    id = fields.UUID()
    county_code = fields.String()
    township_code = fields.String()
    layer = fields.String()
    status = fields.String(validate=validate.OneOf(PROPOSAL_STATUSES))
    generation_number = fields.Integer(allow_none=True)
    metric = fields.String(metadata={"description": "households, or area_m2 where unknown"})
    items = fields.List(fields.Nested(ProposalItem))
    unassigned = fields.List(fields.Dict())
    balance = fields.Dict(metadata={"description": "target load, max/min over target, cv"})
    edits = fields.List(fields.Dict(), allow_none=True)
    created_at = fields.AwareDateTime()
    accepted_at = fields.AwareDateTime(allow_none=True)
    accepted_by = fields.Integer(allow_none=True)


# --- tracks and patrols ------------------------------------------------------------------------

POINT_HELP = (
    "Each point: t (RFC 3339 with offset), lon, lat, optional accuracy_m (metres), optional crs."
    " Invalid points are reported per index and do not fail the others."
)


class PointArray(Sequence):
    """The JSON array of points, as sent. Not a list on purpose: the request parser walks every
    parsed list for datetimes (gridsvc.inputs.check_times), which these points, plain strings
    that the ingest parses and checks itself, do not hold; 5,000 points would cost it 20,000
    visits for nothing."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]

    def __iter__(self):
        return iter(self.items)


class PointList(fields.Field):
    """A JSON array passed through as it is: each point is checked by the ingest function, so a
    bad point fails alone instead of the whole batch (and 5,000 points skip 5,000 field objects)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError("must be a list of points")
        return PointArray(value)


class TrackBatchIn(Schema):
    crs = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "EPSG:4326 (default), EPSG:4490, GCJ02, BD09"},
    )
    points = PointList(
        required=True,
        metadata={
            "description": POINT_HELP,
            "type": "array",
            "items": {
                "type": "object",
                "required": ["t", "lon", "lat"],
                "properties": {
                    "t": {"type": "string", "format": "date-time"},
                    "lon": {"type": "number"},
                    "lat": {"type": "number"},
                    "accuracy_m": {"type": "number", "minimum": 0},
                    "crs": {"type": "string"},
                },
            },
        },
    )


class TrackPointError(Schema):
    index = fields.Integer()
    code = fields.String()
    detail = fields.String()


class TrackBatchOut(Schema):
    received = fields.Integer()
    created = fields.Integer()
    replayed = fields.Integer(metadata={"description": "already stored (same worker and t)"})
    rejected = fields.Integer()
    errors = fields.List(fields.Nested(TrackPointError))


class DayArgs(Schema):
    date = fields.Date(metadata={"description": "Asia/Shanghai calendar day (default today)"})


class SummaryArgs(DayArgs):
    township = fields.String(required=True, validate=TOWNSHIP)


class PatrolGrid(Schema):
    grid_code = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    points = fields.Integer()
    inside_s = fields.Float()
    coverage = fields.Float(
        metadata={"description": "share of the grid within buffer_m of the track"}
    )
    covered_m2 = fields.Float()
    last_patrolled_at = fields.AwareDateTime(allow_none=True)


class PatrolAlert(Schema):
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    duration_s = fields.Float()
    points = fields.Integer()
    grids = fields.List(fields.String())


class PatrolDay(Schema):
    user_id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    date = fields.Date()
    timezone = fields.String()
    points = fields.Integer()
    flagged_points = fields.Integer()
    distance_m = fields.Float()
    patrol_s = fields.Float()
    inside_s = fields.Float()
    inside_share = fields.Float(allow_none=True)
    first_t = fields.AwareDateTime(allow_none=True)
    last_t = fields.AwareDateTime(allow_none=True)
    grids = fields.List(fields.Nested(PatrolGrid))
    alerts = fields.List(fields.Nested(PatrolAlert))
    settings = fields.Dict()


class SummaryWorker(Schema):
    user_id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    points = fields.Integer()
    distance_m = fields.Float()
    patrol_s = fields.Float()
    inside_s = fields.Float()
    inside_share = fields.Float(allow_none=True)
    grids = fields.Integer()
    mean_coverage = fields.Float(allow_none=True)
    alerts = fields.Integer()


class SummaryGrid(Schema):
    grid_code = fields.String()
    name = fields.String(allow_none=True)
    primary_user_id = fields.Integer(allow_none=True)
    patrolled = fields.Boolean()
    points = fields.Integer()
    coverage = fields.Float(allow_none=True)
    last_patrolled_at = fields.AwareDateTime(allow_none=True)


class PatrolSummary(Schema):
    township = fields.String()
    date = fields.Date()
    timezone = fields.String()
    workers = fields.List(fields.Nested(SummaryWorker))
    grids = fields.List(fields.Nested(SummaryGrid))
    not_patrolled = fields.List(fields.String())
    settings = fields.Dict()


# --- documented GeoJSON answers (gridsvc.http.documents) --------------------------------------


class MyGridProperties(Schema):
    code = fields.String()
    name = fields.String(allow_none=True)
    role = fields.String(validate=validate.OneOf(ASSIGNMENT_ROLES))
    since = fields.DateTime()
    assignment_id = fields.Integer()
    village_code = fields.String(allow_none=True)
    township_code = fields.String(allow_none=True)
    households = fields.Integer(allow_none=True)
    population = fields.Integer(allow_none=True)
    area_m2 = fields.Float(allow_none=True)
    last_patrolled_at = fields.DateTime(allow_none=True)


class MyGridFeature(Feature):
    id = fields.String(metadata={"description": "the grid's code"})
    properties = fields.Nested(MyGridProperties, required=True)


class MyGridCollection(FeatureCollection):
    features = fields.List(fields.Nested(MyGridFeature), required=True)
    layer = fields.String()


class TrackDay(FeatureCollection):
    """Walked lines (properties kind=track, points) and flagged points (kind=flagged, t,
    implausible_speed, poor_accuracy, grid_code)."""

    user_id = fields.Integer()
    date = fields.Date()
