"""What the assessment views call: the caller's scope turned into filters, then the figures."""

from __future__ import annotations

from gridsvc.accounts import Scope
from gridsvc.assessment.indicators import indicators
from gridsvc.assessment.periods import period
from gridsvc.errors import NotFound


def caller_filters(scope: Scope, args: dict) -> dict:
    """Filters from the query, narrowed to what the caller may see.

    A team lead reads only their own team's cases: another team's id reads as not found.
    """
    filters = {"township": args.get("township"), "team_id": args.get("team_id")}
    if scope.role == "team_lead":
        if filters["team_id"] not in (None, scope.team_id) or scope.team_id is None:
            raise NotFound("team not found", code="team.not_found")
        filters["team_id"] = scope.team_id
    return filters


def indicator_table(scope: Scope, args: dict, now=None) -> dict:
    chosen = period(args["period"], args.get("from_"), args.get("to"))
    return indicators(scope, chosen, args["by"], caller_filters(scope, args), now=now)
