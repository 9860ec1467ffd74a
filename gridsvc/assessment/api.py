"""Assessment endpoints: indicators, 一呼一评 ratings, composite scores and their weights."""

from __future__ import annotations

from flask import after_this_request
from flask.views import MethodView
from flask_jwt_extended import current_user

from gridsvc.accounts import current_scope, roles_required
from gridsvc.assessment import exports, recompute_jobs, service, weights
from gridsvc.assessment.schemas import (
    CaseFactsOut,
    HotspotArgs,
    HotspotsOut,
    IndicatorArgs,
    IndicatorsOut,
    PatrolArgs,
    PatrolOut,
    PeriodArgs,
    RatingsOut,
    RecomputeIn,
    RecomputeOut,
    ScoresOut,
    WeightsArgs,
    WeightsIn,
    WeightsOut,
)
from gridsvc.assessment.tasks import run_recompute
from gridsvc.geo.crs import features_to_datum
from gridsvc.http import Blueprint
from gridsvc.idempotency import idempotent
from gridsvc.transactions import atomic

blp = Blueprint("assessment", __name__, description="考评: case indicators, ratings, scores")

ASSESSORS = ("admin", "supervisor", "county_dispatcher", "team_lead")
COUNTY_DESK = ("admin", "supervisor", "county_dispatcher")
# A county department reads the indicators of the cases it handled (its 考评 inputs).
INDICATOR_READERS = (*ASSESSORS, "department_handler")


@blp.route("/indicators")
class Indicators(MethodView):
    @roles_required(*INDICATOR_READERS)
    @blp.arguments(IndicatorArgs, location="query")
    @blp.response(200, IndicatorsOut)
    def get(self, args):
        """Case indicators for a period, per township, team, department, grid or worker.

        Supervisors, county dispatchers and admins see their county (or everything); a township's
        admin its township; a team lead their own team's cases. Every figure's definition is in
        its field description and in the README (考评). ``format=csv`` or ``xlsx`` downloads the
        table with Chinese headers and the period and filter in a title row.
        """
        return exports.render(service.indicator_table(current_scope(), args), args["format"])


@blp.route("/indicators/recompute")
class Recompute(MethodView):
    @roles_required("admin")
    @idempotent
    @blp.arguments(RecomputeIn)
    @blp.response(202, RecomputeOut)
    def post(self, data):
        """Settle a range of days again (an admin's correction), in the background: poll
        ``Location``. Settled figures never change else; at most 366 days at a time."""
        job = service.recompute(current_scope(), data)
        job_id = str(job.id)

        @after_this_request
        def _queue(response):
            # After the commit: the worker must find the row. A replayed key runs no view.
            if response.status_code == 202:
                run_recompute.delay(job_id)
            return response

        return job, 202, {"Location": f"/api/v1/indicator-recomputes/{job_id}"}


@blp.route("/indicator-recomputes/<uuid:recompute_id>")
class RecomputeItem(MethodView):
    @roles_required("admin")
    @blp.response(200, RecomputeOut)
    def get(self, recompute_id):
        """A recompute job: queued, running, done (with ``days`` and ``cases``) or failed
        (with ``error``). Its county's admins see it; anyone else gets 404."""
        return recompute_jobs.get(current_scope(), recompute_id)


@blp.route("/indicators/cases")
class IndicatorCases(MethodView):
    @roles_required(*INDICATOR_READERS)
    @blp.arguments(IndicatorArgs, location="query")
    @blp.response(200, CaseFactsOut)
    def get(self, args):
        """The cases behind the indicators, one line each with its own figures (json, csv, xlsx)."""
        table = service.case_table(current_scope(), args)
        return exports.render(table, args["format"], exports.case_sheet)


@blp.route("/ratings")
class Ratings(MethodView):
    # A department handler reads their own department's 一呼一评 (the console's department page).
    @roles_required(*COUNTY_DESK, "department_handler")
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, RatingsOut)
    def get(self, args):
        """一呼一评 aggregated both ways: mean, count and distribution per department and township."""
        return service.ratings_table(current_scope(), args)


@blp.route("/scores")
class Scores(MethodView):
    @roles_required(*COUNTY_DESK)
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, ScoresOut)
    def get(self, args):
        """Composite scores of townships, departments and stationed agencies, with their inputs."""
        return service.score_table(current_scope(), args)


@blp.route("/assessment-weights")
class ScoreWeights(MethodView):
    @roles_required(*COUNTY_DESK)
    @blp.arguments(WeightsArgs, location="query")
    @blp.response(200, WeightsOut(many=True))
    def get(self, args):
        """Every version of the county's score weights, oldest first."""
        return weights.list_versions(current_scope(), args.get("county"))

    @roles_required("admin")
    @atomic
    @blp.arguments(WeightsIn)
    @blp.response(201, WeightsOut)
    def post(self, data):
        """A new version of the weights from ``effective_from`` on (versions are never edited)."""
        return weights.create_version(current_scope(), data, current_user.id)


@blp.route("/hotspots")
class Hotspots(MethodView):
    @roles_required(*ASSESSORS)
    @blp.arguments(HotspotArgs, location="query")
    @blp.response(200, HotspotsOut)
    def get(self, args):
        """研判预警: clusters and recurring places of incidents now, as GeoJSON.

        Found with ST_ClusterDBSCAN in metres over the rolling windows of the configuration;
        township staff see their township's.
        """
        return features_to_datum(service.hotspot_map(current_scope(), args), args.get("crs"))


@blp.route("/patrol-figures")
class PatrolFigures(MethodView):
    @roles_required(*ASSESSORS)
    @blp.arguments(PatrolArgs, location="query")
    @blp.response(200, PatrolOut)
    def get(self, args):
        """A township's patrol figures over a period (≤ 31 days): per worker and per grid."""
        return service.patrol_table(current_scope(), args)
