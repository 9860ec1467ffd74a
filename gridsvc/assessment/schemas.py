"""Request and response shapes of assessment; each figure's definition is its description."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridsvc.assessment.indicators import BY
from gridsvc.assessment.models import RECOMPUTE_STATUSES
from gridsvc.assessment.periods import KINDS
from gridsvc.geojson import OutDatumArgs

TOWNSHIP = validate.Regexp(r"^[0-9]{9}$")

# name -> (Chinese header, definition). The API descriptions, the README and the export headers
# all come from this one table.
DEFINITIONS = {
    "reported": ("上报数", "cases received in the period (a case belongs to the Beijing day it was received)"),
    "taken": ("受理数", "reported cases not confirmed as duplicates"),
    "filed": ("立案数", "cases accepted (立案) by the as-of instant"),
    "dispatched": ("派遣数", "filed cases dispatched to a team by the as-of instant"),
    "due": ("应结案数", "filed cases whose resolution deadline in force fell due by the as-of instant, or that were closed by then"),
    "closed": ("结案数", "due cases closed (closed or evaluated) by the as-of instant"),
    "closed_on_time": ("按期结案数", "closed cases resolved no later than their resolution deadline in force"),
    "reworked": ("返工数", "due cases reopened (返工) at least once"),
    "extended": ("延期数", "due cases with at least one approved extension (延期)"),
    "returned": ("退回数", "cases returned (退回) at least once"),
    "response_overdue": ("超时受理数", "cases filed or turned down after their response deadline, or still undecided past it"),
    "resolution_overdue": ("超期处置数", "filed cases resolved after their resolution deadline in force, or still unresolved past it"),
    "calls": ("乡呼县应呼叫数", "乡呼县应 calls made on the period's cases by the as-of instant"),
    "calls_rejected": ("乱呼叫数", "calls the county rejected"),
    "calls_on_time": ("按时响应数", "calls accepted by the accept deadline and responded to by the department by the respond deadline"),
    "not_called": ("不呼叫数", "cases a township team returned or let run overdue on a power the responsibility list in force keeps with a county department (not delegated), with no call from the township"),
    "fixed_on_site": ("自处置数", "cases a grid worker reported as fixed on the spot (即知即改), with before and after photos, by the as-of instant; sampled ones count before the lead confirms them"),
    "filing_rate": ("立案率", "立案数 / 受理数, a fraction"),
    "dispatch_rate": ("派遣率", "派遣数 / 立案数, a fraction"),
    "closing_rate": ("结案率", "结案数 / 应结案数, a fraction"),
    "on_time_rate": ("按期结案率", "按期结案数 / 应结案数, a fraction"),
    "rework_rate": ("返工率", "返工数 / 应结案数, a fraction"),
    "extension_rate": ("延期率", "延期数 / 应结案数, a fraction"),
    "response_hours_mean": ("平均受理时长(小时)", "mean hours from receipt to filing, on the case's deadline basis (natural or working hours)"),
    "response_hours_p90": ("受理时长P90(小时)", "90th percentile (linear interpolation) of the same"),
    "resolution_hours_mean": ("平均处置时长(小时)", "mean hours from receipt to the last resolution, on the case's deadline basis, over filed cases resolved by the as-of instant"),
    "resolution_hours_p90": ("处置时长P90(小时)", "90th percentile (linear interpolation) of the same"),
}  # fmt: skip
RATE_FIELDS = {name for name in DEFINITIONS if name.endswith("_rate")}
HOUR_FIELDS = {name for name in DEFINITIONS if "_hours_" in name}


def _figure(name: str):
    header, definition = DEFINITIONS[name]
    description = f"{header}: {definition}"
    if name in RATE_FIELDS or name in HOUR_FIELDS:
        return fields.Float(allow_none=True, metadata={"description": description})
    return fields.Integer(metadata={"description": description})


class IndicatorArgs(Schema):
    period = fields.String(
        load_default="month",
        validate=validate.OneOf(KINDS),
        metadata={"description": "day, week (ISO, Monday first), month, quarter, year, custom"},
    )
    from_ = fields.Date(
        data_key="from",
        metadata={"description": "a day inside the period (default today); custom: first day"},
    )
    to = fields.Date(metadata={"description": "custom only: last day, inclusive"})
    by = fields.String(load_default="township", validate=validate.OneOf(BY))
    township = fields.String(validate=TOWNSHIP, metadata={"description": "only this township"})
    team_id = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "only this team"}
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv", "xlsx")),
        metadata={"description": "json; csv (UTF-8 with BOM) or xlsx: a file with Chinese headers"},
    )


IndicatorRow = Schema.from_dict(
    {
        "key": fields.String(allow_none=True, metadata={"description": "code or id of the group"}),
        "name": fields.String(allow_none=True),
        **{name: _figure(name) for name in DEFINITIONS},
    },
    name="IndicatorRow",
)


class PeriodOut(Schema):
    kind = fields.String()
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()


class IndicatorsOut(Schema):
    period = fields.Nested(PeriodOut)
    by = fields.String()
    as_of = fields.DateTime(
        metadata={"description": "the instant figures are read at: the period's end, or now"}
    )
    filters = fields.Dict()
    rows = fields.List(fields.Nested(IndicatorRow))
    total = fields.Nested(IndicatorRow)


class PeriodArgs(Schema):
    period = IndicatorArgs._declared_fields["period"]
    from_ = IndicatorArgs._declared_fields["from_"]
    to = IndicatorArgs._declared_fields["to"]
    county = fields.String(
        validate=validate.Regexp(r"^[0-9]{6}$"),
        metadata={"description": "county code (global admins; others read their own)"},
    )


class RatingRow(Schema):
    key = fields.String(metadata={"description": "department (team id) or township code"})
    name = fields.String(allow_none=True)
    mean = fields.Float(allow_none=True, metadata={"description": "mean rating, 1-5"})
    count = fields.Integer()
    distribution = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "grade -> count"}
    )


class RatingsOut(Schema):
    period = fields.Nested(PeriodOut)
    as_of = fields.DateTime()
    departments = fields.List(
        fields.Nested(RatingRow),
        metadata={"description": "the townships' ratings of each department's responses"},
    )
    townships = fields.List(
        fields.Nested(RatingRow),
        metadata={"description": "the departments' ratings of each township's calls"},
    )


class ScoreInput(Schema):
    part = fields.String(metadata={"description": "case_handling or ratings"})
    label_zh = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "the part's score, 0-100"})
    weight = fields.Float(metadata={"description": "the weight the county's version sets"})
    applied_weight = fields.Float(
        metadata={"description": "the weight applied (parts without a value are left out)"}
    )
    from_ = fields.Dict(data_key="from", attribute="from", metadata={"description": "the figures"})


class ScoreRow(Schema):
    kind = fields.String(metadata={"description": "township, department or stationed_agency"})
    key = fields.String()
    name = fields.String(allow_none=True)
    score = fields.Float(allow_none=True, metadata={"description": "0-100"})
    weights_version = fields.Dict()
    inputs = fields.List(fields.Nested(ScoreInput))


class ScoresOut(Schema):
    period = fields.Nested(PeriodOut)
    county = fields.String()
    as_of = fields.DateTime()
    weights = fields.Dict(metadata={"description": "the version in force on the period's last day"})
    scores = fields.List(fields.Nested(ScoreRow))


class StationedIn(Schema):
    team_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    parent_department_id = fields.Integer(
        required=True, validate=validate.Range(min=1, max=2**31 - 1)
    )
    township_code = fields.String(required=True, validate=TOWNSHIP)


class WeightsIn(Schema):
    county = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    effective_from = fields.Date(required=True)
    department_rating_share = fields.Float(load_default=1 / 3, validate=validate.Range(0, 1))
    township_rating_share = fields.Float(load_default=1 / 3, validate=validate.Range(0, 1))
    stationed_township_share = fields.Float(load_default=0.7, validate=validate.Range(0, 1))
    indicator_weights = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        load_default=lambda: {"on_time_rate": 0.6, "closing_rate": 0.4},
        metadata={"description": "indicator rate -> weight in the case-handling part"},
    )
    stationed = fields.List(fields.Nested(StationedIn), load_default=list)
    note = fields.String(validate=validate.Length(max=255))


class WeightsOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    effective_from = fields.Date()
    department_rating_share = fields.Float()
    township_rating_share = fields.Float()
    stationed_township_share = fields.Float()
    indicator_weights = fields.Dict()
    stationed = fields.List(fields.Dict())
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class WeightsArgs(Schema):
    county = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))


CaseFactsRow = Schema.from_dict(
    {
        "incident_id": fields.Integer(),
        "township_code": fields.String(allow_none=True),
        "township_name": fields.String(allow_none=True),
        "team_id": fields.Integer(allow_none=True),
        "department_id": fields.Integer(allow_none=True),
        "grid_code": fields.String(allow_none=True),
        "worker_id": fields.Integer(),
        **{
            name: _figure(name)
            for name in DEFINITIONS
            if name not in RATE_FIELDS and name not in HOUR_FIELDS
        },
        "response_hours": fields.Float(
            allow_none=True, metadata={"description": "receipt to filing, on the deadline basis"}
        ),
        "resolution_hours": fields.Float(
            allow_none=True,
            metadata={"description": "receipt to the last resolution, on the deadline basis"},
        ),
    },
    name="CaseFactsRow",
)


class CaseFactsOut(Schema):
    period = fields.Nested(PeriodOut)
    as_of = fields.DateTime()
    filters = fields.Dict()
    cases = fields.List(fields.Nested(CaseFactsRow))


class HotspotArgs(OutDatumArgs):
    county = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    category = fields.String(validate=validate.Regexp(r"^[0-9]{4}$"))
    kind = fields.String(validate=validate.OneOf(("cluster", "recurring")))


class HotspotsOut(Schema):
    type = fields.String()
    features = fields.List(
        fields.Dict(),
        metadata={
            "description": "Point features: kind (cluster or recurring), category_code,"
            " township_code, radius_m, incidents, days (distinct Beijing days), incident_ids,"
            " first_at, last_at, alert_id (the open alert, null until the sweep raises it)"
        },
    )


class RecomputeIn(Schema):
    county = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    from_ = fields.Date(data_key="from", required=True)
    to = fields.Date(required=True)


class RecomputeOut(Schema):
    """A recompute job: poll it (``Location`` of the 202) until ``status`` is done or failed."""

    id = fields.UUID()
    status = fields.String(
        validate=validate.OneOf(RECOMPUTE_STATUSES),
        metadata={"description": "queued, running, done, or failed (see error)"},
    )
    county = fields.String(attribute="county_code")
    from_ = fields.Date(data_key="from", attribute="first_day")
    to = fields.Date(attribute="last_day")
    days = fields.Integer(
        allow_none=True,
        metadata={"description": "once done: days settled again (and any newly due)"},
    )
    cases = fields.Integer(allow_none=True, metadata={"description": "once done: their cases"})
    attempts = fields.Integer()
    error = fields.Dict(
        allow_none=True, metadata={"description": "why it failed, as an RFC 9457 problem"}
    )
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class PatrolArgs(Schema):
    period = IndicatorArgs._declared_fields["period"]
    from_ = IndicatorArgs._declared_fields["from_"]
    to = IndicatorArgs._declared_fields["to"]
    township = fields.String(
        validate=TOWNSHIP, metadata={"description": "required above township level"}
    )


class PatrolOut(Schema):
    period = fields.Nested(PeriodOut)
    township = fields.String()
    days = fields.Integer()
    workers = fields.List(
        fields.Dict(),
        metadata={
            "description": "per worker: days_on_patrol, patrol_hours, distance_km, inside_share"
            " (time inside the assigned grids / patrol time), alerts (out-of-grid),"
            " mean_coverage (mean over the period's days of the daily mean grid coverage)"
        },
    )
    grids = fields.List(
        fields.Dict(),
        metadata={"description": "per grid: days_patrolled, mean_coverage, last_patrolled_at"},
    )
