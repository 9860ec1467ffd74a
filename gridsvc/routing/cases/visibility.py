"""Who reads an incident besides its area: the cooperating parties of a joint case (协办).

A township team asked to cooperate on a case in another township must open the incident, its
photos and its trail to record its part (``assist``); the incidents room's area scope would hide
it. The incidents room asks for this condition through its ``Router`` port
(gridsvc/incidents/handoff.py) and ORs it into every read, so the one rule holds for the
incident, its photos, its events, lists and the feed. Only the members of a listed team who
can act for it (the handler roles) gain anything; nobody else's scope changes.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, select
from sqlalchemy.dialects.postgresql import array

from gridsvc.accounts import Scope
from gridsvc.incidents import Incident
from gridsvc.routing.cases.models import Case
from gridsvc.routing.cases.rules import PARTY_ROLES


def readable_as_party(scope: Scope) -> ColumnElement[bool] | None:
    """SQL condition: incidents whose case lists the caller's team as a cooperating party."""
    if scope.team_id is None or scope.role not in PARTY_ROLES["handler"]:
        return None
    # @> as the queue writes it, so the GIN index on cooperating_ids serves open cases.
    listed = Case.cooperating_ids.op("@>")(array([scope.team_id], type_=Integer))
    cases = select(Case.incident_id).where(listed)
    if scope.county_code:  # teams serve their own county; keeps the scan to one county
        cases = cases.where(Case.county_code == scope.county_code)
    return Incident.id.in_(cases)
