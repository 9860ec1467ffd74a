"""A grid worker's to-do list: fixes to verify in their grids, closed reports to evaluate."""

from __future__ import annotations

from sqlalchemy import text

from gridsvc.extensions import db
from gridsvc.workers import assigned_grid_codes

LIMIT = 200

TASKS_SQL = """
SELECT json_build_object(
    'type', 'Feature',
    'id', i.id,
    'geometry', ST_AsGeoJSON(i.geom, 7)::json,
    'properties', json_build_object(
        'incident_id', i.id,
        'task', CASE WHEN i.status = 'resolved' THEN 'verify' ELSE 'evaluate' END,
        'status', i.status,
        'category', i.category_code,
        'address', i.address,
        'grid', i.grid_code,
        'resolved_at', c.resolved_at,
        'closed_at', c.closed_at,
        'etag', '"incident-' || i.id || '-v' || i.version || '"'
    )
)::text
FROM incidents i JOIN cases c ON c.incident_id = i.id
WHERE (i.status = 'resolved' AND (i.grid_code = ANY(:grids) OR i.reporter_id = :me))
   OR (i.status = 'closed' AND i.reporter_id = :me AND c.satisfaction IS NULL)
ORDER BY (i.status = 'resolved') DESC, coalesce(c.resolved_at, c.closed_at), i.id
LIMIT :limit
"""


def my_tasks(user_id: int) -> list[str]:
    """Features (as GeoJSON text), verification first, oldest first; at most ``LIMIT``."""
    grids = sorted(assigned_grid_codes(user_id))
    rows = db.session.execute(text(TASKS_SQL), {"grids": grids, "me": user_id, "limit": LIMIT})
    return [row[0] for row in rows]
