"""Request and response shapes of the case workflow, 乡呼县应 calls, queues and supervision."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridsvc.geojson import Feature, FeatureCollection, OutDatumArgs
from gridsvc.incidents import STATUSES as INCIDENT_STATUSES
from gridsvc.routing.cases.models import CALL_STATUSES as CALL_STATUSES_CHOICES
from gridsvc.routing.cases.rules import allowed_call_actions
from gridsvc.routing.deadlines.models import NOTICE_KINDS
from gridsvc.routing.directory.schemas import CATEGORY, COUNTY, TOWNSHIP, PageArgs

# --- cases, calls, queues --------------------------------------------------------------------

ACTIONS = (
    "accept",
    "reject",
    "mark_duplicate",
    "dismiss_duplicate",
    "dispatch",
    "assign",
    "start",
    "resolve",
    "verify",
    "fail_verification",
    "close",
    "fix_on_site",
    "assist",
    "evaluate",
    "return",
    "request_extension",
    "approve_extension",
    "deny_extension",
    "call_county",
)
CALL_ACTIONS = (
    "accept",
    "reject",
    "analyse",
    "dispatch",
    "respond",
    "rate_department",
    "rate_township",
)
NOTE = validate.Length(max=2000)


class ActionIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    note = fields.String(
        validate=NOTE,
        metadata={
            "description": "reason; required for reject, return, fail_verification, extensions"
        },
    )
    team_id = fields.Integer(validate=validate.Range(min=1), metadata={"description": "dispatch"})
    assignee_id = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "dispatch, assign"}
    )
    photo_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        validate=validate.Length(max=20),
        metadata={
            "description": "resolve (evidence), verify; fix_on_site: a report photo (before) "
            "and a verification photo (after)"
        },
    )
    original_id = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "mark_duplicate"}
    )
    satisfaction = fields.Integer(
        validate=validate.Range(1, 5), metadata={"description": "evaluate"}
    )
    hours = fields.Float(
        validate=validate.Range(0, 720, min_inclusive=False),
        metadata={"description": "request_extension"},
    )
    department_id = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "call_county"}
    )
    override = fields.Boolean(
        metadata={
            "description": "close: the county closes a joint case before every cooperating "
            "party recorded its part (reason in note)"
        }
    )


class CallIn(Schema):
    incident_id = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    department_id = fields.Integer(validate=validate.Range(min=1))


class CallActionIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(CALL_ACTIONS))
    note = fields.String(validate=NOTE)
    primary_department_id = fields.Integer(validate=validate.Range(min=1))
    cooperating_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1)), validate=validate.Length(max=10)
    )
    rating = fields.Integer(validate=validate.Range(1, 5))
    comment = fields.String(validate=NOTE)


class CallListArgs(PageArgs):
    status = fields.List(fields.String(validate=validate.OneOf(CALL_STATUSES_CHOICES)))
    # A global admin's desk works one county at a time (the console's county picker).
    county = fields.String(validate=COUNTY)
    township = fields.String(validate=TOWNSHIP)
    department_id = fields.Integer()
    incident_id = fields.Integer()


class CallOut(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    county_code = fields.String()
    township_code = fields.String(allow_none=True)
    origin = fields.String()
    caller_team_id = fields.Integer(allow_none=True)
    caller_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    status = fields.String()
    primary_department_id = fields.Integer(allow_none=True)
    cooperating_ids = fields.List(fields.Integer())
    analysis_note = fields.String(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    accept_due_at = fields.DateTime()
    respond_due_at = fields.DateTime(allow_none=True)
    escalation_level = fields.Integer()
    called_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    analysed_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    township_rating = fields.Integer(allow_none=True)
    township_comment = fields.String(allow_none=True)
    department_rating = fields.Integer(allow_none=True)
    department_comment = fields.String(allow_none=True)
    allowed_actions = fields.Function(allowed_call_actions)


class CallPage(Schema):
    items = fields.List(fields.Nested(CallOut))
    next_cursor = fields.String(allow_none=True)


class CaseOut(Schema):
    incident_id = fields.Integer()
    status = fields.String()
    route = fields.String()
    team = fields.Dict(allow_none=True)
    cooperating_ids = fields.List(fields.Integer())
    assisted_ids = fields.List(
        fields.Integer(), metadata={"description": "协办 parties that answered"}
    )
    on_site = fields.Boolean(metadata={"description": "自处置: fixed on the spot by the worker"})
    on_site_sampled = fields.Boolean(metadata={"description": "sampled for the lead to confirm"})
    assignee_id = fields.Integer(allow_none=True)
    call_id = fields.Integer(allow_none=True)
    response_due_at = fields.DateTime()
    resolution_due_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    overdue_since = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    dispatched_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    return_count = fields.Integer()
    reopen_count = fields.Integer()
    extension_count = fields.Integer()
    pending_extension = fields.Dict(allow_none=True)
    satisfaction = fields.Integer(allow_none=True)
    routing = fields.Dict(allow_none=True)
    allowed_actions = fields.List(fields.String())


class QueueArgs(PageArgs, OutDatumArgs):
    status = fields.List(fields.String(validate=validate.OneOf(INCIDENT_STATUSES)))
    category = fields.String(validate=CATEGORY)
    overdue = fields.Boolean()
    bbox = fields.List(fields.Float(), validate=validate.Length(equal=4))
    assignee = fields.String(
        validate=validate.Regexp(r"^(me|none|\d{1,12})$", error="me, none or a user id")
    )


class TriageArgs(QueueArgs):
    county = fields.String(
        validate=COUNTY,
        metadata={"description": "required of a global admin; others read their own county"},
    )


class TaskArgs(OutDatumArgs):
    """The worker's to-do list takes only the datum of its geometries."""


class NoticeListArgs(PageArgs):
    county = fields.String(validate=COUNTY)
    township = fields.String(validate=TOWNSHIP)
    team_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(NOTICE_KINDS))
    open = fields.Boolean(metadata={"description": "only notices nobody has acknowledged"})


class NoticeOut(Schema):
    id = fields.Integer()
    incident_id = fields.Integer()
    call_id = fields.Integer(allow_none=True)
    county_code = fields.String()
    township_code = fields.String(allow_none=True)
    kind = fields.String()
    level = fields.Integer()
    team_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime()
    issued_at = fields.DateTime()
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by = fields.Integer(allow_none=True)


class NoticePage(Schema):
    items = fields.List(fields.Nested(NoticeOut))
    next_cursor = fields.String(allow_none=True)


# --- the map queues (GeoJSON built in PostGIS; documented through gridsvc.http.documents) ----


class QueueProperties(Schema):
    incident_id = fields.Integer()
    status = fields.String(validate=validate.OneOf(INCIDENT_STATUSES))
    category = fields.String()
    address = fields.String(allow_none=True)
    description = fields.String(allow_none=True, metadata={"description": "the first 140 chars"})
    reported_at = fields.String(metadata={"description": "RFC 3339"})
    township = fields.String(allow_none=True)
    grid = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True, metadata={"description": "RFC 3339"})
    overdue = fields.Boolean(allow_none=True)
    overdue_since = fields.String(allow_none=True)
    assignee_id = fields.Integer(allow_none=True)
    route = fields.String(allow_none=True)
    call_id = fields.Integer(allow_none=True)
    extension_pending = fields.Boolean()
    returns = fields.Integer()
    reopens = fields.Integer()
    probable_duplicate_of = fields.Integer(allow_none=True)
    etag = fields.String(metadata={"description": "send as If-Match to act on the case"})
    role = fields.String(
        allow_none=True,
        validate=validate.OneOf(("lead", "assist")),
        metadata={
            "description": "a team's queue: the team leads the case (主办) or assists (协办)"
        },
    )
    cooperating_ids = fields.List(fields.Integer(), allow_none=True)
    assist_pending = fields.List(
        fields.Integer(), metadata={"description": "cooperating parties yet to record their part"}
    )


class QueueFeature(Feature):
    id = fields.Integer(metadata={"description": "the incident's id"})
    properties = fields.Nested(QueueProperties, required=True)


class QueueCounts(Schema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    overdue = fields.Integer()


class QueueTeam(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class QueueCollection(FeatureCollection):
    features = fields.List(fields.Nested(QueueFeature), required=True)
    counts = fields.Nested(QueueCounts)
    team = fields.Nested(QueueTeam)


class TaskProperties(Schema):
    incident_id = fields.Integer()
    task = fields.String(validate=validate.OneOf(("verify", "evaluate")))
    status = fields.String(validate=validate.OneOf(INCIDENT_STATUSES))
    category = fields.String()
    address = fields.String(allow_none=True)
    grid = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True, metadata={"description": "RFC 3339"})
    closed_at = fields.String(allow_none=True, metadata={"description": "RFC 3339"})
    etag = fields.String()


class TaskFeature(Feature):
    id = fields.Integer(metadata={"description": "the incident's id"})
    properties = fields.Nested(TaskProperties, required=True)


class TaskCollection(FeatureCollection):
    features = fields.List(fields.Nested(TaskFeature), required=True)
