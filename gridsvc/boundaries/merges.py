"""多网合一: merge departments' specialist grid layers into one unified grid.

With a proposed unified layer the merge only reports how every specialist cell maps onto it (the
crosswalk); without one it derives a unified layer, validates it and stages it as a draft
generation ready to publish. The default derivation (``method: aggregate``,
:mod:`gridsvc.boundaries.derivation`) groups the overlay pieces into grids of a households target
inside each village, along streets when a street layer is given; ``method: overlay`` keeps every
piece of the overlay (slivers dissolved), as the first merge did.
"""

from __future__ import annotations

import uuid
from datetime import date

import shapely
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from gridsvc.accounts import Scope, policy
from gridsvc.boundaries import access, derivation, store
from gridsvc.boundaries.features import validate_features
from gridsvc.boundaries.models import ADMIN_LAYER, UNIFIED_LAYER, Generation, GridMerge
from gridsvc.errors import Conflict, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.geo.merge import crosswalk, derive_unified
from gridsvc.geo.validate import Cell

CELLS_SQL = """
SELECT code, name, parent_code, households, population, ST_AsBinary(geom) AS wkb
FROM areas
WHERE gen_from IS NOT NULL AND gen_to IS NULL AND level = :level AND layer = :layer
  AND township_code = ANY(:townships)
ORDER BY code
"""
# Specialist cells are placed in a township by a point on their surface; a cell that reaches into
# a township from its neighbour still shapes that township's grids, so they are found by area.
SPECIALIST_SQL = """
WITH towns AS (
  SELECT geom FROM areas
  WHERE gen_from IS NOT NULL AND gen_to IS NULL AND level = 'township' AND layer = 'admin'
    AND code = ANY(:townships)
)
SELECT a.code, a.name, a.parent_code, a.households, a.population, ST_AsBinary(a.geom) AS wkb
FROM areas a
WHERE a.gen_from IS NOT NULL AND a.gen_to IS NULL AND a.level = :level AND a.layer = :layer
  AND (a.township_code = ANY(:townships) OR EXISTS (
        SELECT 1 FROM towns t WHERE ST_Intersects(a.geom, t.geom)
          AND ST_Area(ST_Intersection(a.geom, t.geom)) > 1e-9))
ORDER BY a.code
"""


def _cells(level: str, layer: str, townships: list[str]) -> list[Cell]:
    sql = CELLS_SQL if layer in (ADMIN_LAYER, UNIFIED_LAYER) else SPECIALIST_SQL
    rows = db.session.execute(
        text(sql), {"level": level, "layer": layer, "townships": townships}
    ).all()
    return [
        Cell(
            index=i,
            code=r.code,
            name=r.name,
            parent_code=r.parent_code,
            geometry=shapely.from_wkb(bytes(r.wkb)),
            households=r.households,
            population=r.population,
        )
        for i, r in enumerate(rows)
    ]


def read_inputs(scope: Scope, data: dict):
    """Check a merge request against the caller and the published layers; read its cells.

    Returns (county code, townships, villages, specialist cells by layer). Run by the request,
    so a wrong request is a 4xx at once, and again by the job, on the layers as they are then.
    """
    townships = sorted(set(data["townships"]))
    for code in townships:
        # A township outside the caller's scope reads as one that does not exist.
        policy.boundary_work(
            scope, policy.WRITE, county=code[:6], townships=(code,), level="grid", kind="area"
        )
    counties = {code[:6] for code in townships}
    if len(counties) > 1:
        raise Invalid("Merge the townships of one county at a time.", code="merge.several_counties")
    villages = _cells("village", "admin", townships)
    if not villages:
        raise Invalid("Those townships have no published villages.", code="merge.no_villages")
    specialist = {}
    for layer in data["layers"]:
        if layer == UNIFIED_LAYER:
            raise Invalid(
                "Merge specialist layers, not the unified one.", code="merge.layer_invalid"
            )
        cells = _cells("grid", layer, townships)
        if not cells:
            raise Invalid(
                f"Layer {layer} has no published cells there.",
                code="merge.layer_empty",
                layer=layer,
            )
        specialist[layer] = cells
    return counties.pop(), townships, villages, specialist


def _same_client_id(scope: Scope, client_id, params: dict) -> GridMerge | None:
    """The merge this caller already made with ``client_id`` (422 when the request differs)."""
    if client_id is None or scope.user_id is None:
        return None
    earlier = db.session.scalar(
        select(GridMerge).where(
            GridMerge.created_by == scope.user_id, GridMerge.client_id == client_id
        )
    )
    if earlier is not None and earlier.params != params:
        raise Invalid(
            f"client_id {client_id} was already used for a different merge; "
            "generate a new UUID for a new merge.",
            code="merge.client_id_reused",
            errors={"client_id": ["already used for a different merge"]},
        )
    return earlier


def create_merge(scope: Scope, data: dict) -> tuple[GridMerge, bool]:
    """Check the request and record the merge ``queued``: (merge, whether it is new).

    The caller commits, then queues a new merge. Everything a request can get wrong (scope,
    layers, geometries, size rules) is answered here, so the job fails only on what nobody could
    have checked before it ran. A resent request with the same ``client_id`` answers the merge
    the first one made.
    """
    client_id = data.get("client_id")
    # Stored as JSON: what was asked, normalised by the schema, without the client's own id.
    params = {k: v for k, v in data.items() if k != "client_id"}
    if (earlier := _same_client_id(scope, client_id, params)) is not None:
        access.check_merge(scope, policy.READ, earlier)
        return earlier, False
    county_code, townships, _villages, _specialist = read_inputs(scope, data)
    if data.get("proposed_layer"):
        if not _cells("grid", data["proposed_layer"], townships):
            raise Invalid(
                "The proposed layer has no published cells there.",
                code="merge.layer_empty",
                layer=data["proposed_layer"],
            )
    elif data.get("method", "aggregate") == "aggregate":
        derivation.check_request(data, county_code)
    merge = GridMerge(
        id=uuid.uuid4(),
        status="queued",
        params=params,
        client_id=client_id,
        county_code=county_code,
        township_codes=townships,
        layers=list(data["layers"]),
        proposed_layer=data.get("proposed_layer"),
        crosswalk=[],
        report={},
        created_by=scope.user_id,
    )
    try:
        with db.session.begin_nested():  # two sends of one client_id at once: one row wins
            db.session.add(merge)
    except IntegrityError:
        return _same_client_id(scope, client_id, params), False
    return merge, True


def compute(scope: Scope, merge: GridMerge) -> None:
    """The merge's work: crosswalk, derivation or overlay, with a draft generation when clean."""
    data = merge.params
    county_code, townships, villages, specialist = read_inputs(scope, data)
    if data.get("proposed_layer"):
        unified = _cells("grid", data["proposed_layer"], townships)
        if not unified:
            raise Invalid(
                "The proposed layer has no published cells there.",
                code="merge.layer_empty",
                layer=data["proposed_layer"],
            )
        merge.crosswalk = crosswalk(specialist, unified, villages)
        straddling = sum(1 for row in merge.crosswalk if row.get("straddles_villages"))
        merge.report = {
            "ok": True,
            "mode": "crosswalk",
            "summary": {
                "specialist_cells": sum(len(c) for c in specialist.values()),
                "unified_cells": len(unified),
                "straddling_villages": straddling,
            },
            "findings": [],
        }
    elif data.get("method", "aggregate") == "aggregate":
        merge.report, merge.crosswalk, merge.generation_id = derivation.derive(
            scope, data, county_code, townships, villages, specialist
        )
    else:
        result = derive_unified(specialist, villages, sliver_max_m2=data["sliver_max_m2"])
        report, features = validate_features(
            result.cells, level="grid", layer=UNIFIED_LAYER, scope=scope, repair=False
        )
        report["mode"] = "derive"
        report["merge"] = result.report.to_dict().get("summary", {}) if result.report else {}
        merge.crosswalk = result.crosswalk
        merge.report = report
        if report["ok"]:
            generation = store.new_draft(
                level="grid",
                layer=UNIFIED_LAYER,
                county_code=county_code,
                source="merge",
                user_id=scope.user_id,
            )
            store.write_features(generation.id, features)
            merge.generation_id = generation.id
    db.session.flush()


def get_merge(scope: Scope, merge_id: uuid.UUID) -> GridMerge:
    merge = db.session.get(GridMerge, merge_id)
    if merge is None:
        raise NotFound("merge not found", code="merge.not_found")
    access.check_merge(scope, policy.READ, merge)
    return merge


def require_done(merge: GridMerge) -> None:
    """Its results are read (downloaded, published) only once the background run is done."""
    if merge.status in ("queued", "running"):
        raise Conflict(
            "The merge is still running; retry when its status is done.",
            code="merge.not_ready",
            status_now=merge.status,
        )
    if merge.status == "failed":
        raise Conflict("The merge failed; see its error and run it again.", code="merge.failed")


def check_publishable(scope: Scope, merge: GridMerge) -> None:
    """What publishing a merge's draft needs (checked by the request and again by the job)."""
    access.check_merge(scope, policy.WRITE, merge)
    require_done(merge)
    if merge.generation_id is None:
        code = (
            "merge.has_errors"
            if merge.report.get("mode") == "derive"
            else "merge.nothing_to_publish"
        )
        raise Conflict("This merge staged no unified layer to publish.", code=code)
    access.check_draft(scope, merge.generation_id)


def publish_merge(
    scope: Scope, merge: GridMerge, effective_from: date | None, description: str | None
) -> Generation:
    # The merge's row lock orders this publish with an edit being staged into the same draft
    # (merge_edits.stage_edit takes it too): the edit lands before, or finds the draft published.
    db.session.refresh(merge, with_for_update=True)
    check_publishable(scope, merge)
    generation = db.session.get(Generation, merge.generation_id)
    if generation.status != "draft":
        return generation  # a retried publish
    generation.description = description or f"多网合一 of {', '.join(merge.layers)}"
    generation.summary = merge.report.get("summary", {})
    store.publish(generation, user_id=scope.user_id, effective_from=effective_from)
    db.session.flush()
    return generation
