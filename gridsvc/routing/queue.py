"""The team queue: a team's open cases on a map, soonest deadline first.

One keyset page over the partial index ``ix_cases_queue`` (team, due time, incident) joined to
the incidents it names, so a page costs the same on the first day and with a million incidents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from gridsvc.errors import NotFound
from gridsvc.extensions import db
from gridsvc.http import etag
from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor
from gridsvc.routing.models import Team

COUNTY_READERS = ("admin", "county_dispatcher", "supervisor")
DESCRIPTION_CHARS = 140

PAGE_SQL = """
SELECT c.incident_id, c.due_at, c.assignee_id, c.overdue_since, c.route, c.call_id,
       c.pending_extension IS NOT NULL AS extension_pending, c.return_count, c.reopen_count,
       i.status, i.category_code, i.address, left(i.description, {chars}) AS description,
       i.reported_at, i.township_code, i.grid_code, i.version, i.probable_duplicate_of,
       ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat
FROM cases c JOIN incidents i ON i.id = c.incident_id
WHERE {owner} AND c.closed_at IS NULL{filters}
ORDER BY c.due_at, c.incident_id
LIMIT :limit
"""

COUNTS_SQL = """
SELECT i.status, count(*) AS total, count(*) FILTER (WHERE c.due_at < :now) AS overdue
FROM cases c JOIN incidents i ON i.id = c.incident_id
WHERE {owner} AND c.closed_at IS NULL
GROUP BY i.status ORDER BY i.status
"""


def readable_team(actor, team_id: int) -> Team:
    """Members read their own team's queue; the county's dispatchers and supervisors any."""
    team = db.session.get(Team, team_id)
    county_reader = actor.role in COUNTY_READERS and actor.county_code in (
        None,
        getattr(team, "county_code", None),
    )
    if team is None or not (actor.team_id == team.id or county_reader):
        raise NotFound("team not found", code="team.not_found")
    return team


def page(owner_sql: str, owner: dict, args: dict, actor_id: int) -> dict:
    """A FeatureCollection page of open cases under ``owner_sql`` plus counts by status."""
    now = datetime.now(UTC)
    params = {**owner, "now": now}
    filters = []
    if args.get("status"):
        filters.append("i.status = ANY(:statuses)")
        params["statuses"] = list(args["status"])
    if args.get("category"):
        filters.append("i.category_code = :category")
        params["category"] = args["category"]
    if args.get("overdue") is not None:
        filters.append("c.due_at < :now" if args["overdue"] else "c.due_at >= :now")
    if args.get("bbox"):
        filters.append("i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(dict(zip(("x0", "y0", "x1", "y1"), args["bbox"], strict=True)))
    assignee = args.get("assignee")
    if assignee == "none":
        filters.append("c.assignee_id IS NULL")
    elif assignee:
        filters.append("c.assignee_id = :assignee")
        params["assignee"] = actor_id if assignee == "me" else int(assignee)
    if args.get("cursor"):
        due, incident_id = decode_cursor(args["cursor"], 2)
        filters.append("(c.due_at, c.incident_id) > (CAST(:after_due AS timestamptz), :after_id)")
        params.update(after_due=due, after_id=int(incident_id))
    size = clamp_limit(args.get("limit"))
    params["limit"] = size + 1
    sql = PAGE_SQL.format(
        chars=DESCRIPTION_CHARS,
        owner=owner_sql,
        filters="".join(f" AND {f}" for f in filters),
    )
    rows = db.session.execute(text(sql), params).all()
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor([rows[-1].due_at.isoformat(), rows[-1].incident_id])
    counts = db.session.execute(text(COUNTS_SQL.format(owner=owner_sql)), params).all()
    return {
        "type": "FeatureCollection",
        "features": [_feature(r, now) for r in rows],
        "next_cursor": next_cursor,
        "counts": {
            "by_status": {r.status: r.total for r in counts},
            "total": sum(r.total for r in counts),
            "overdue": sum(r.overdue for r in counts),
        },
    }


def _feature(r, now: datetime) -> dict:
    return {
        "type": "Feature",
        "id": r.incident_id,
        "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
        "properties": {
            "incident_id": r.incident_id,
            "status": r.status,
            "category": r.category_code,
            "address": r.address,
            "description": r.description,
            "reported_at": r.reported_at,
            "township": r.township_code,
            "grid": r.grid_code,
            "due_at": r.due_at,
            "overdue": r.due_at < now,
            "overdue_since": r.overdue_since,
            "assignee_id": r.assignee_id,
            "route": r.route,
            "call_id": r.call_id,
            "extension_pending": r.extension_pending,
            "returns": r.return_count,
            "reopens": r.reopen_count,
            "probable_duplicate_of": r.probable_duplicate_of,
            "etag": etag("incident", r.incident_id, r.version),
        },
    }


def team_queue(actor, team_id: int, args: dict) -> dict:
    team = readable_team(actor, team_id)
    result = page("c.team_id = :team", {"team": team.id}, args, actor.id)
    result["team"] = {"id": team.id, "code": team.code, "name": team.name, "kind": team.kind}
    return result


def triage_queue(actor, county: str, args: dict) -> dict:
    """Cases no team holds yet: triage, and calls the county has not dispatched."""
    return page("c.team_id IS NULL AND c.county_code = :county", {"county": county}, args, actor.id)
