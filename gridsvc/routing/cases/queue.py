"""The team queue: a team's open cases on a map, soonest deadline first.

One keyset page over the partial index ``ix_cases_queue`` (team, due time, incident) joined to
the incidents it names, so a page costs the same on the first day and with a million incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import text

from gridsvc.accounts import Scope, policy
from gridsvc.extensions import db
from gridsvc.geo.crs import features_to_datum
from gridsvc.jsonio import dumps_bytes
from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor
from gridsvc.routing.directory.models import Team

DESCRIPTION_CHARS = 140

# Each row arrives as a finished GeoJSON Feature (json_build_object): a 500-item page is then
# 500 strings joined, not 500 dictionaries built and serialised in Python. The ETag has the
# format of gridsvc.http.etag (a test holds them equal).
PAGE_SQL = """
SELECT c.due_at, c.incident_id, json_build_object(
    'type', 'Feature',
    'id', c.incident_id,
    'geometry', ST_AsGeoJSON(i.geom, 7)::json,
    'properties', json_build_object(
        'incident_id', c.incident_id,
        'status', c.status,
        'category', i.category_code,
        'address', i.address,
        'description', left(i.description, {chars}),
        'reported_at', i.reported_at,
        'township', i.township_code,
        'grid', i.grid_code,
        'due_at', c.due_at,
        'overdue', c.due_at < :now,
        'overdue_since', c.overdue_since,
        'assignee_id', c.assignee_id,
        'route', c.route,
        'call_id', c.call_id,
        'extension_pending', c.pending_extension IS NOT NULL,
        'returns', c.return_count,
        'reopens', c.reopen_count,
        'probable_duplicate_of', i.probable_duplicate_of,
        'etag', '"incident-' || c.incident_id || '-v' || i.version || '"',
        'role', CASE WHEN CAST(:team AS integer) IS NULL THEN NULL
                     WHEN c.team_id = CAST(:team AS integer) THEN 'lead' ELSE 'assist' END,
        'cooperating_ids', c.cooperating_ids,
        'assist_pending', ARRAY(
            SELECT unnest(c.cooperating_ids) EXCEPT SELECT unnest(c.assisted_ids) ORDER BY 1
        )
    )
)::text AS feature
FROM cases c JOIN incidents i ON i.id = c.incident_id
WHERE {owner} AND c.closed_at IS NULL{filters}
ORDER BY c.due_at, c.incident_id
LIMIT :limit
"""

COUNTS_SQL = """
SELECT c.status, count(*) AS total, count(*) FILTER (WHERE c.due_at < :now) AS overdue
FROM cases c
WHERE {owner} AND c.closed_at IS NULL
GROUP BY c.status ORDER BY c.status
"""


def readable_team(actor, team_id: int) -> Team:
    """Members read their own team's queue; the county's desks and supervisors any; a stationed
    agency's department and township administrators its own (the policy's ``team_queue``)."""
    team = db.session.get(Team, team_id)
    if team is None:
        policy.hidden("team")
    policy.team_queue(
        Scope.of(actor),
        team_id=team.id,
        county=team.county_code,
        parent_department_id=team.parent_department_id,
        seat_township=team.township_code,
    )
    return team


def page(owner_sql: str, owner: dict, args: dict, actor_id: int) -> QueuePage:
    """A FeatureCollection page of open cases under ``owner_sql`` plus counts by status."""
    now = datetime.now(UTC)
    params = {**owner, "now": now}
    filters = []
    if args.get("status"):
        filters.append("c.status = ANY(:statuses)")
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
        due, incident_id = decode_cursor(args["cursor"], datetime, int)
        filters.append("(c.due_at, c.incident_id) > (CAST(:after_due AS timestamptz), :after_id)")
        params.update(after_due=due, after_id=incident_id)
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
    return QueuePage(
        [r.feature for r in rows],
        {
            "next_cursor": next_cursor,
            "counts": {
                "by_status": {r.status: r.total for r in counts},
                "total": sum(r.total for r in counts),
                "overdue": sum(r.overdue for r in counts),
            },
        },
    )


@dataclass
class QueuePage:
    """Features as GeoJSON text from the database, plus the page's other members."""

    features: list[str]
    members: dict

    def to_json(self, crs: str | None = None) -> bytes:
        """The FeatureCollection, the features spliced in as they came; parsed and moved only
        when an SDK datum (``crs``: GCJ02, BD09) is asked for."""
        rest = dumps_bytes(self.members)  # b'{"next_cursor":…}', or b'{}'
        texts = self.features
        if crs is not None:
            texts = [dumps_bytes(features_to_datum(orjson.loads(f), crs)).decode() for f in texts]
        features = ",".join(texts).encode()
        head = b'{"type":"FeatureCollection","features":[' + features + b"]"
        return head + (b"," + rest[1:] if self.members else b"}")


def team_queue(actor, team_id: int, args: dict) -> QueuePage:
    team = readable_team(actor, team_id)
    # Its own cases, and the joint cases it cooperates on (协办, "role": "assist").
    owner = "(c.team_id = :team OR c.cooperating_ids @> ARRAY[CAST(:team AS integer)])"
    result = page(owner, {"team": team.id}, args, actor.id)
    result.members["team"] = {
        "id": team.id,
        "code": team.code,
        "name": team.name,
        "kind": team.kind,
    }
    return result


def triage_queue(actor, county: str, args: dict) -> QueuePage:
    """Cases no team holds yet: triage, and calls the county has not dispatched."""
    owner = {"county": county, "team": None}
    return page("c.team_id IS NULL AND c.county_code = :county", owner, args, actor.id)
