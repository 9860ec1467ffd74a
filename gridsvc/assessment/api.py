"""Assessment endpoints: case indicators (read-only; nothing here writes)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from gridsvc.accounts import current_scope, roles_required
from gridsvc.assessment import service
from gridsvc.assessment.schemas import IndicatorArgs, IndicatorsOut

blp = Blueprint("assessment", __name__, description="考评: case indicators, ratings, scores")

ASSESSORS = ("admin", "supervisor", "county_dispatcher", "team_lead")


@blp.route("/indicators")
class Indicators(MethodView):
    @roles_required(*ASSESSORS)
    @blp.arguments(IndicatorArgs, location="query")
    @blp.response(200, IndicatorsOut)
    def get(self, args):
        """Case indicators for a period, per township, team, department, grid or worker.

        Supervisors, county dispatchers and admins see their county (or everything); a township's
        admin its township; a team lead their own team's cases. Every figure's definition is in
        its field description and in the README (考评).
        """
        return service.indicator_table(current_scope(), args)
