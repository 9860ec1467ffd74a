"""Assignments following boundary changes, and the list of grids without a primary worker.

When a grid generation is published (:class:`FollowBoundaries`, the boundaries room's publish listener,
called inside the publishing transaction):

- assignments of grid codes that still exist continue untouched;
- assignments of grid codes that no longer exist are closed (``end_reason = "boundary_change"``);
- every new grid version without a current primary that overlaps replaced grids whose workers
  held them gets an :class:`AssignmentNeed` naming those workers, largest overlap share first
  (a split grid proposes the old worker for each part; a merged grid proposes each old worker).

Only workers of the new grid's township are proposed (an assignment across townships would be
refused). ``list_vacancies`` answers "which grids need a new primary worker" live from the
assignments, with the open needs' proposals attached.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import orjson
from sqlalchemy import text

from gridsvc.accounts import Scope
from gridsvc.boundaries import UNIFIED_LAYER
from gridsvc.extensions import db
from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor

log = logging.getLogger(__name__)

# Overlaps smaller than this share of the new grid are digitising noise along shared edges.
MIN_OVERLAP_SHARE = 0.005

# Workers who held (at publish time, before the close below) the replaced grid versions that a
# new grid version without a current primary overlaps, with the share of the new grid's area.
CANDIDATES_SQL = text(
    """
    WITH fresh AS (
        SELECT n.code, n.county_code, n.township_code, n.geom,
               ST_Area(n.geom::geography) AS area
        FROM areas n
        WHERE n.generation_id = :gid AND n.level = 'grid' AND n.layer = :layer
          AND NOT EXISTS (SELECT 1 FROM grid_assignments g
                          WHERE g.layer = :layer AND g.grid_code = n.code
                            AND g.role = 'primary' AND g.valid_to IS NULL)
    ), replaced AS (
        -- Only replaced grids someone held: a 100,000-grid re-publish joins a handful, not all.
        SELECT o.code, o.geom FROM areas o
        WHERE o.level = 'grid' AND o.layer = :layer AND o.gen_to = :prev
          AND EXISTS (SELECT 1 FROM grid_assignments h
                      WHERE h.layer = :layer AND h.grid_code = o.code AND h.valid_to IS NULL)
    )
    SELECT f.code AS new_code, f.county_code, f.township_code, r.code AS old_code,
           ST_Area(ST_Intersection(f.geom, r.geom)::geography) / NULLIF(f.area, 0) AS share,
           g.user_id, g.role
    FROM fresh f
    JOIN replaced r ON r.geom && f.geom AND ST_Intersects(r.geom, f.geom)
    JOIN grid_assignments g ON g.layer = :layer AND g.grid_code = r.code AND g.valid_to IS NULL
    JOIN users u ON u.id = g.user_id AND u.township_code = f.township_code
    """
)

CLOSE_SQL = text(
    """
    UPDATE grid_assignments g
    SET valid_to = greatest(now(), g.valid_from), end_reason = 'boundary_change'
    WHERE g.valid_to IS NULL AND g.layer = :layer
      AND NOT EXISTS (SELECT 1 FROM areas a
                      WHERE a.level = 'grid' AND a.layer = g.layer AND a.code = g.grid_code
                        AND a.gen_from IS NOT NULL AND a.gen_to IS NULL)
    """
)


class FollowBoundaries:
    """The boundaries room's publish listener (``gridsvc.boundaries.PublishListener``)."""

    def generation_published(
        self, *, generation_id: int, number: int, level: str, layer: str
    ) -> None:
        follow_boundaries(generation_id=generation_id, number=number, level=level, layer=layer)


def follow_boundaries(*, generation_id: int, number: int, level: str, layer: str) -> None:
    """Close assignments of vanished grid codes and record who could take the new grids."""
    if level != "grid":
        return
    params = {"gid": generation_id, "layer": layer, "prev": number - 1}
    rows = db.session.execute(CANDIDATES_SQL, params).all()
    closed = db.session.execute(CLOSE_SQL, params).rowcount
    needs: dict[str, dict] = {}
    best: dict[str, dict[int, dict]] = defaultdict(dict)
    for row in rows:
        if row.share is None or row.share < MIN_OVERLAP_SHARE:
            continue
        needs.setdefault(row.new_code, {"county": row.county_code, "township": row.township_code})
        known = best[row.new_code].get(row.user_id)
        candidate = {
            "user_id": row.user_id,
            "from_grid": row.old_code,
            "role": row.role,
            "overlap_share": round(float(row.share), 4),
        }
        if known is None or _rank(candidate) < _rank(known):
            best[row.new_code][row.user_id] = candidate
    for code, place in needs.items():
        candidates = sorted(best[code].values(), key=_rank)
        db.session.execute(
            text(
                "INSERT INTO assignment_needs (county_code, township_code, layer, grid_code,"
                " generation_number, candidates)"
                " VALUES (:county, :township, :layer, :code, :number, CAST(:candidates AS jsonb))"
            ),
            {
                **place,
                "layer": layer,
                "code": code,
                "number": number,
                "candidates": orjson.dumps(candidates).decode(),
            },
        )
    log.info(
        "assignments follow generation",
        extra={"generation": number, "closed": closed, "needs": len(needs)},
    )


def _rank(candidate: dict) -> tuple:
    # Largest overlap first; on a tie the old primary before a secondary.
    return (-candidate["overlap_share"], candidate["role"] != "primary", candidate["user_id"])


VACANCIES_SQL = """
SELECT a.code, a.name, a.county_code, a.township_code, a.village_code, a.households, a.area_m2,
       (SELECT max(g.valid_to) FROM grid_assignments g
        WHERE g.layer = :layer AND g.grid_code = a.code AND g.role = 'primary') AS vacant_since,
       need.candidates, need.generation_number, need.reason
FROM areas a
LEFT JOIN LATERAL (
    SELECT n.candidates, n.generation_number, n.reason FROM assignment_needs n
    WHERE n.layer = :layer AND n.grid_code = a.code AND n.resolved_at IS NULL
    ORDER BY n.id DESC LIMIT 1
) need ON true
WHERE a.level = 'grid' AND a.layer = :layer AND a.gen_from IS NOT NULL AND a.gen_to IS NULL
  AND NOT EXISTS (SELECT 1 FROM grid_assignments g
                  WHERE g.layer = :layer AND g.grid_code = a.code
                    AND g.role = 'primary' AND g.valid_to IS NULL)
  {filters}
ORDER BY a.code
LIMIT :limit
"""


def list_vacancies(scope: Scope, args: dict) -> dict:
    """Current grids without a primary worker, each with the workers proposed for it."""
    layer = args.get("layer") or UNIFIED_LAYER
    filters, params = [], {"layer": layer}
    if scope.township_code:
        filters.append("AND a.township_code = :scope_township")
        params["scope_township"] = scope.township_code
    elif scope.county_code:
        filters.append("AND a.county_code = :scope_county")
        params["scope_county"] = scope.county_code
    if args.get("township"):
        filters.append("AND a.township_code = :township")
        params["township"] = args["township"]
    if args.get("cursor"):
        filters.append("AND a.code > :after")
        params["after"] = decode_cursor(args["cursor"], str)[0]
    size = clamp_limit(args.get("limit"))
    params["limit"] = size + 1
    rows = db.session.execute(text(VACANCIES_SQL.format(filters=" ".join(filters))), params).all()
    next_cursor = encode_cursor([rows[size - 1].code]) if len(rows) > size else None
    rows = rows[:size]
    names = _names({c["user_id"] for r in rows for c in (r.candidates or [])})
    items = []
    for r in rows:
        candidates = [{**c, **names.get(c["user_id"], {})} for c in (r.candidates or [])]
        items.append(
            {
                "grid_code": r.code,
                "name": r.name,
                "county_code": r.county_code,
                "township_code": r.township_code,
                "village_code": r.village_code,
                "households": r.households,
                "area_m2": round(r.area_m2, 1) if r.area_m2 is not None else None,
                "vacant_since": r.vacant_since,
                "reason": r.reason
                or ("primary_ended" if r.vacant_since is not None else "never_assigned"),
                "generation": r.generation_number,
                "candidates": candidates,
            }
        )
    return {"items": items, "next_cursor": next_cursor}


def _names(user_ids: set[int]) -> dict[int, dict]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        text("SELECT id, username, display_name FROM users WHERE id = ANY(:ids)"),
        {"ids": sorted(user_ids)},
    )
    return {r.id: {"username": r.username, "display_name": r.display_name} for r in rows}
