"""New incidents become cases: routed, given deadlines, and announced to whoever must act.

:class:`CaseIntake` is the incidents room's ``Router`` (gridsvc/incidents/handoff.py), installed by
the app factory and called inside the reporting transaction, so a report and its routing commit
together and the report's response already carries ``routing``. An offline batch of
a hundred reports costs a fixed number of statements here, not a hundred of each.
"""

from __future__ import annotations

from collections.abc import Sequence

from gridsvc.incidents import Filing, Incident
from gridsvc.prepared import Prepared
from gridsvc.routing.cases.announce import ON_SITE_PENDING, routed_notice
from gridsvc.routing.cases.calls import new_call_rows
from gridsvc.routing.cases.on_site import complete_on_site, on_site_state
from gridsvc.routing.cases.visibility import readable_as_party
from gridsvc.routing.deadlines.clock import deadline
from gridsvc.routing.decision import COUNTY_CALL, TOWNSHIP_TEAM, county_world, route_many
from gridsvc.routing.directory.responsibility import entry_in_force
from gridsvc.routing.notices.notify import notify_many


class CaseIntake:
    """Routing's side of the incidents hand-off (``gridsvc.incidents.Router``)."""

    def decide(self, reports: Sequence[Filing]) -> list[dict]:
        """Route reports before they are inserted: the decision is stored by the same INSERT."""
        return decide_stored(reports)

    def open_cases(self, incidents: Sequence[Incident]) -> None:
        open_cases(incidents)

    def fixable_on_site(self, county_code: str, category_code: str) -> bool:
        entry = entry_in_force(county_code, category_code)
        return entry is not None and entry.fixable_on_site

    def photo_added(self, scope, incident: Incident) -> str | None:
        complete_on_site(scope, incident)
        return on_site_state(incident)

    def readable_as_party(self, scope):
        return readable_as_party(scope)


def decide_stored(reports: Sequence) -> list[dict]:
    """The stored form of the routing decision (target, teams, deadlines, reason) per report."""
    decisions, worlds = route_many(reports, [(r.lon, r.lat) for r in reports])
    stored = [
        d.as_dict(worlds[r.county_code].directory.teams)
        for r, d in zip(reports, decisions, strict=True)
    ]
    for r, d in zip(reports, stored, strict=True):
        if getattr(r, "resolved_on_site", False):
            d[ON_SITE_PENDING] = True  # on_site.complete_on_site closes it when the photos arrive
    return stored


# One round trip files what routing decided for a whole batch: the cases and the "routed"
# events (prepared once per connection). bench/ingest.py runs this same statement raw.
WRITE_PARAMETERS = (
    ("ids", "bigint[]"),
    ("routes", "text[]"),
    ("teams", "integer[]"),
    ("cooperating", "text[]"),
    ("bases", "text[]"),
    ("hours", "float8[]"),
    ("response_due", "timestamptz[]"),
    ("resolution_due", "timestamptz[]"),
)
WRITE_SQL = """
WITH v AS (
    SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
        AS v(id, route, team, cooperating, basis, hours, response_due, resolution_due)
), new_cases AS (
    INSERT INTO cases (incident_id, county_code, township_code, status, route, team_id,
                       cooperating_ids, deadline_basis, resolution_hours, response_due_at,
                       resolution_due_at, due_at)
    SELECT i.id, i.county_code, i.township_code, i.status, v.route, v.team,
           CAST(v.cooperating AS integer[]), v.basis, v.hours, v.response_due, v.resolution_due,
           v.response_due
    FROM v JOIN incidents i ON i.id = v.id
)
INSERT INTO incident_events (incident_id, county_code, township_code, actor_id, action,
                             from_status, to_status, data)
SELECT i.id, i.county_code, i.township_code, NULL, 'routed', i.status, i.status, i.routing
FROM v JOIN incidents i ON i.id = v.id
"""
OPEN_CASES = Prepared("gridsvc_open_cases", WRITE_PARAMETERS, WRITE_SQL)


def open_cases(incidents: Sequence[Incident]) -> None:
    """Cases, events, calls and notices for new incidents whose routing the INSERT stored."""
    if not incidents:
        return
    OPEN_CASES.run(write_params(incidents))
    calls = [i for i in incidents if i.routing["target"] == COUNTY_CALL]
    if calls:
        new_call_rows([(i, i.routing) for i in calls])
    _announce(incidents)


def acting_team(routing: dict) -> int | None:
    """The team a new case starts with: the township team; nobody yet for calls and triage."""
    return routing["team"]["id"] if routing["target"] == TOWNSHIP_TEAM else None


def write_params(incidents: Sequence[Incident]) -> dict:
    """WRITE_SQL's arrays, one entry per incident, from each incident's stored routing."""
    params: dict[str, list] = {
        key: []
        for key in (
            "ids", "routes", "teams", "cooperating", "bases", "hours", "response_due",
            "resolution_due",
        )
    }  # fmt: skip
    for incident in incidents:
        routing, start = incident.routing, incident.received_at
        acting = acting_team(routing)
        cooperating = [t["id"] for t in routing["cooperating"]] if acting else []
        basis = routing["deadline_basis"]
        params["ids"].append(incident.id)
        params["routes"].append(routing["target"])
        params["teams"].append(acting)
        params["cooperating"].append("{" + ",".join(map(str, cooperating)) + "}")
        params["bases"].append(basis)
        params["hours"].append(routing["resolution_hours"])
        params["response_due"].append(deadline(start, routing["response_hours"], basis))
        params["resolution_due"].append(deadline(start, routing["resolution_hours"], basis))
    return params


def _announce(incidents: Sequence[Incident]) -> None:
    worlds = {c: county_world(c) for c in {i.county_code for i in incidents}}
    notices = []
    for incident in incidents:
        people = worlds[incident.county_code].people
        # Filed as fixed on the spot: nobody is asked to accept it now. Its photos usually follow
        # within minutes and close it; if they have not after the grace, the lead is asked then
        # (on_site_notices.late_photos). Webhook subscribers still learn of the case now.
        users = () if incident.routing.get(ON_SITE_PENDING) else None
        notices.append(routed_notice(incident, people, users=users))
    webhooks = any(world.has_webhooks for world in worlds.values())
    notify_many(notices, webhooks=webhooks)
