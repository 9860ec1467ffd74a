"""What a generation changes: the areas or grids it adds, removes and reshapes.

A generation's rows are its own (``generation_id``). Publishing closes the rows they replace
(``gen_to`` = the number before the new one, gridsvc/boundaries/store.py): for a published
generation those are the "before" side; for a draft, the current rows that publishing it would
replace (the same codes, and every current child of a parent it covers), so GIS staff see what a
draft will change before they publish it. The change is one join of the two sides by code: no
need to read two whole layers and compare them (the console did that in the browser: a county's
100,000-cell layer is 200 pages). A code on both sides counts as changed only when its shape
(``ST_Equals``: the same point set, however the rings are written), its name or its parent
differs; a code only after is added, only before removed.
"""

from __future__ import annotations

import orjson
from sqlalchemy import text

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import access, queries, store
from gridsvc.boundaries.models import Generation
from gridsvc.extensions import db
from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor

COMPARED = ("geometry", "name", "parent_code")

# The rows a published generation replaced (:before = its number - 1), and those a draft would
# replace (publish's own rule, gridsvc/boundaries/store.py).
REPLACED_BY_PUBLISHED = "a.gen_to = :before AND a.level = :level AND a.layer = :layer"
REPLACED_BY_DRAFT = f"""{store.current_sql("a")} AND a.level = :level AND a.layer = :layer
    AND (a.code IN (SELECT code FROM areas WHERE generation_id = :g)
         OR (a.parent_code IS NOT NULL
             AND a.parent_code IN (SELECT parent_code FROM areas
                                   WHERE generation_id = :g AND parent_code IS NOT NULL)))"""  # noqa: S608

# Paged by code.
CHANGES_SQL = """
WITH after AS (
  SELECT a.* FROM areas a WHERE a.generation_id = :g {scope}
), before AS (
  SELECT a.* FROM areas a WHERE {replaced} {scope}
), paired AS (
  SELECT coalesce(n.code, o.code) AS code, coalesce(n.level, o.level) AS level,
         coalesce(n.layer, o.layer) AS layer, o.id IS NULL AS added, n.id IS NULL AS removed,
         o.id IS NOT NULL AND n.id IS NOT NULL AND NOT ST_Equals(n.geom, o.geom) AS reshaped,
         o.id IS NOT NULL AND n.id IS NOT NULL AND n.name IS DISTINCT FROM o.name AS renamed,
         o.id IS NOT NULL AND n.id IS NOT NULL
           AND n.parent_code IS DISTINCT FROM o.parent_code AS moved,
         n.name AS new_name, o.name AS old_name, n.parent_code AS new_parent,
         o.parent_code AS old_parent, n.area_m2 AS new_area, o.area_m2 AS old_area,
         {new_geometry} AS new_geojson, {old_geometry} AS old_geojson
  FROM after n FULL JOIN before o
    ON o.code = n.code AND o.level = n.level AND o.layer = n.layer
)
SELECT * FROM paired
WHERE (added OR removed OR reshaped OR renamed OR moved) {after_cursor}
ORDER BY code, level, layer
LIMIT :limit
"""


def generation_changes(scope: Scope, generation_id: int, args: dict) -> dict:
    """A GeoJSON FeatureCollection page of what a generation changes: one feature per side of
    each change (``side``: ``before``/``after``; ``change``: added, removed, changed),
    keyset-paged by code."""
    # A bad cursor is refused at the door, before the id is looked up (as every list does).
    after = decode_cursor(args["cursor"], str)[0] if args.get("cursor") else None
    generation = readable_generation(scope, generation_id)
    scope_sql, params = queries._scope_sql(scope)  # the room's own scope rule
    with_geometry = args.get("geometry", True)
    limit = clamp_limit(args.get("limit"))
    params.update(
        {
            "g": generation.id,
            "before": (generation.number or 0) - 1,
            "level": generation.level,
            "layer": generation.layer,
            "limit": limit + 1,
        }
    )
    after_cursor = ""
    if after is not None:
        after_cursor = "AND code > :after"
        params["after"] = after
    sql = CHANGES_SQL.format(
        replaced=REPLACED_BY_DRAFT if generation.number is None else REPLACED_BY_PUBLISHED,
        scope=scope_sql,
        new_geometry="ST_AsGeoJSON(n.geom, 7)" if with_geometry else "NULL",
        old_geometry="ST_AsGeoJSON(o.geom, 7)" if with_geometry else "NULL",
        after_cursor=after_cursor,
    )
    rows = db.session.execute(text(sql), params).all()
    page = rows[:limit]
    features = [feature for row in page for feature in _sides(row)]
    return {
        "type": "FeatureCollection",
        "features": features,
        "generation": generation.number,
        "next_cursor": encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None,
    }


def readable_generation(scope: Scope, generation_id: int) -> Generation:
    """A published or retired generation of the caller's county (one loaded from the shell has
    none: it is read through the caller's county); a draft as the upload or merge that made it
    (those who edit boundaries, within their township or county). Others: 404."""
    generation = db.session.get(Generation, generation_id) if generation_id < 2**31 else None
    if generation is None:
        policy.hidden("generation")
    if generation.status == "draft":
        access.check_draft_read(scope, generation.id)
    elif generation.county_code is not None and not policy.sees_county(
        scope, generation.county_code
    ):
        policy.hidden("generation")
    return generation


def _sides(row) -> list[dict]:
    """The feature(s) of one change: the old side, the new side, or both."""
    change = "added" if row.added else "removed" if row.removed else "changed"
    fields = [
        name
        for name, differs in zip(COMPARED, (row.reshaped, row.renamed, row.moved), strict=True)
        if differs and change == "changed"
    ]
    sides = []
    for side, present, name, parent, area, geojson in (
        ("before", not row.added, row.old_name, row.old_parent, row.old_area, row.old_geojson),
        ("after", not row.removed, row.new_name, row.new_parent, row.new_area, row.new_geojson),
    ):
        if not present:
            continue
        properties = {
            "code": row.code,
            "name": name,
            "level": row.level,
            "layer": row.layer,
            "parent_code": parent,
            "area_m2": round(area, 1) if area is not None else None,
            "change": change,
            "side": side,
            "changed": fields,
        }
        sides.append(
            {
                "type": "Feature",
                "id": f"{row.code}:{side}",
                "properties": properties,
                "geometry": orjson.loads(geojson) if geojson else None,
            }
        )
    return sides
