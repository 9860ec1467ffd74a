"""The new-case notice (``case.routed``): who must act on a routed report, and its words.

One builder for the two moments it is sent: when the report is filed (intake), and — for a
report filed as fixed on the spot whose photos have not all arrived — when the grace for them has
passed (:mod:`gridsvc.routing.cases.on_site_notices`). Both use the dedupe key
``routed:{incident}``, so a person is asked once however the two meet, and a webhook subscriber
(which got the event when the report was filed) is not told twice.
"""

from __future__ import annotations

from gridsvc.incidents import Incident
from gridsvc.routing.decision import COUNTY_CALL, TOWNSHIP_TEAM
from gridsvc.routing.notices.notify import Notice
from gridsvc.routing.notices.recipients import People

# Key in the incident's stored routing: filed with resolved_on_site, its photos still to come.
ON_SITE_PENDING = "resolved_on_site"


def routed_key(incident_id: int) -> str:
    return f"routed:{incident_id}"


def who_acts(incident: Incident, people: People) -> list[int]:
    """Whoever must take a new case up: the team's leads, or the county's dispatchers."""
    routing = incident.routing
    if routing["target"] == TOWNSHIP_TEAM:
        return people.leads(routing["team"]["id"])
    return people.dispatchers(incident.county_code)


def routed_notice(
    incident: Incident, people: People, *, users: tuple[int, ...] | None = None, note: str = ""
) -> Notice:
    """The new-case notice; ``users`` overrides who gets an inbox line (() for webhooks only)."""
    routing = incident.routing
    target = routing["target"]
    if target == TOWNSHIP_TEAM:
        title = f"新案件待受理：{incident.id}号"
    elif target == COUNTY_CALL:
        title = f"乡呼县应：{incident.id}号案件待受理"
    else:
        title = f"待分拨：{incident.id}号案件（清单未覆盖）"
    reason = routing["reason"]
    return Notice(
        "case.routed",
        incident.county_code,
        tuple(who_acts(incident, people)) if users is None else users,
        title + note,
        routed_key(incident.id),
        body=reason[-1]["message_zh"] if reason else None,
        incident_id=incident.id,
        team_id=(routing["team"] or {}).get("id"),
        data={"target": target},
    )
