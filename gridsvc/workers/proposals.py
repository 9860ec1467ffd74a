"""Balanced assignment proposals for a township: compute, store, accept as a whole (or edited).

The graph comes from PostGIS (grids sharing a boundary line of positive length are neighbours),
the partition from :mod:`gridsvc.workers.balance`. A proposal is stored with its per-worker grid
lists and loads; a newer proposal for the township supersedes older open ones. Accepting creates
every assignment in one transaction, under a row lock on the proposal, and refuses (409
``proposal.stale``) when a proposed grid vanished or got a primary worker in the meantime.
"""

from __future__ import annotations

import math
import uuid

import networkx as nx
from sqlalchemy import select, text, update

from gridsvc.accounts import Scope, User, policy, utcnow
from gridsvc.boundaries import UNIFIED_LAYER, store
from gridsvc.errors import Conflict, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.workers import assignments, balance
from gridsvc.workers.access import require_township
from gridsvc.workers.models import AssignmentProposal, WorkerProfile

CELLS_SQL = text(
    """
    SELECT a.code, a.households, a.area_m2,
           ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat,
           (SELECT g.user_id FROM grid_assignments g
            WHERE g.layer = :layer AND g.grid_code = a.code AND g.role = 'primary'
              AND g.valid_to IS NULL) AS primary_user
    FROM areas a
    WHERE a.level = 'grid' AND a.layer = :layer AND a.township_code = :township
      AND a.gen_from IS NOT NULL AND a.gen_to IS NULL
    """
)

# Neighbours share a boundary *line*: corner-touching grids are not walkable neighbours.
EDGES_SQL = text(
    """
    WITH g AS (
        SELECT code, geom FROM areas
        WHERE level = 'grid' AND layer = :layer AND township_code = :township
          AND gen_from IS NOT NULL AND gen_to IS NULL AND code = ANY(:codes)
    )
    SELECT a.code AS a, b.code AS b,
           ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)::geography) AS shared
    FROM g a JOIN g b ON a.code < b.code AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
    """
)


def eligible_workers(township: str, worker_ids: list[int] | None) -> list[User]:
    """Active grid workers with a profile in ``township`` (all of them, or the ones named)."""
    stmt = (
        select(User)
        .join(WorkerProfile, WorkerProfile.user_id == User.id)
        .where(User.role == "grid_worker", User.active, User.township_code == township)
        .order_by(User.id)
    )
    users = list(db.session.scalars(stmt))
    if worker_ids is None:
        return users
    found = {u.id: u for u in users}
    missing = sorted(set(worker_ids) - set(found))
    if missing:
        raise Invalid(
            f"Not active grid workers with a profile in township {township}: {missing}.",
            code="proposal.worker_not_eligible",
            errors={"worker_ids": [f"not eligible: {missing}"]},
        )
    return [found[i] for i in dict.fromkeys(worker_ids)]


def _graph(township: str, layer: str, cells_rows) -> nx.Graph:
    lat0 = sum(r.lat for r in cells_rows) / len(cells_rows)
    metric = all(r.households is not None for r in cells_rows)
    kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_540.0  # local plane, metres
    cells = [
        balance.Cell(
            r.code,
            float(r.households) if metric else float(r.area_m2 or 0.0),
            r.lon * kx,
            r.lat * ky,
        )
        for r in cells_rows
    ]
    edges = db.session.execute(
        EDGES_SQL, {"layer": layer, "township": township, "codes": [c.code for c in cells]}
    ).all()
    return balance.build_graph(cells, [(e.a, e.b, e.shared or 0.0) for e in edges])


def create_proposal(scope: Scope, data: dict) -> AssignmentProposal:
    township, layer = data["township"], data.get("layer") or UNIFIED_LAYER
    require_township(scope, township, policy.WRITE)
    workers = eligible_workers(township, data.get("worker_ids"))
    if not workers:
        raise Invalid(
            f"Township {township} has no active grid worker with a profile.",
            code="proposal.no_workers",
        )
    ids = {w.id for w in workers}
    rows = db.session.execute(CELLS_SQL, {"layer": layer, "township": township}).all()
    vacant = [r.code for r in rows if r.primary_user is None]
    if not vacant:
        raise Invalid(
            f"Every grid of township {township} has a primary worker.",
            code="proposal.no_vacant_grids",
        )
    # The graph: vacant grids and the grids the chosen workers hold; others' grids are obstacles.
    involved = [r for r in rows if r.primary_user is None or r.primary_user in ids]
    metric = "households" if all(r.households is not None for r in involved) else "area_m2"
    graph = _graph(township, layer, involved)
    existing = {w.id: {r.code for r in involved if r.primary_user == w.id} for w in workers}
    plan = balance.propose(graph, vacant, [w.id for w in workers], existing)
    load_of = {c: graph.nodes[c]["cell"].load for c in graph}
    items = [
        {
            "user_id": w.id,
            "username": w.username,
            "display_name": w.display_name,
            "existing_grids": sorted(existing[w.id]),
            "proposed_grids": plan.proposed[w.id],
            "grid_loads": {c: round(load_of[c], 1) for c in sorted(plan.regions[w.id])},
            "load": round(plan.loads[w.id], 1),
            "contiguous": plan.contiguous[w.id],
        }
        for w in workers
    ]
    _supersede_open(township, layer)
    proposal = AssignmentProposal(
        county_code=township[:6],
        township_code=township,
        layer=layer,
        status="proposed",
        generation_number=store.current_generation_number(),
        metric=metric,
        items=items,
        unassigned=[{"grid_code": c, "load": round(load_of[c], 1)} for c in plan.unassigned],
        balance=plan.balance(),
        created_by=scope.user_id,
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def _supersede_open(township: str, layer: str, keep: uuid.UUID | None = None) -> None:
    stmt = update(AssignmentProposal).where(
        AssignmentProposal.township_code == township,
        AssignmentProposal.layer == layer,
        AssignmentProposal.status == "proposed",
    )
    if keep is not None:
        stmt = stmt.where(AssignmentProposal.id != keep)
    db.session.execute(
        stmt.values(status="superseded", version=AssignmentProposal.version + 1),
        execution_options={"synchronize_session": False},
    )


def get_proposal(scope: Scope, proposal_id: uuid.UUID, *, lock: bool = False) -> AssignmentProposal:
    stmt = select(AssignmentProposal).where(AssignmentProposal.id == proposal_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    proposal = db.session.scalar(stmt)
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found", code="proposal.not_found")
    policy.place(
        scope,
        policy.READ,
        county=proposal.township_code[:6],
        township=proposal.township_code,
        kind="proposal",
    )
    return proposal


def _normalised(edits: list[dict] | None) -> list[dict]:
    return sorted(
        ({"grid_code": e["grid_code"], "user_id": e.get("user_id")} for e in edits or []),
        key=lambda e: e["grid_code"],
    )


def accept_proposal(scope: Scope, proposal_id: uuid.UUID, data: dict) -> AssignmentProposal:
    """Create the proposal's assignments (with the admin's edits) in one transaction."""
    proposal = get_proposal(scope, proposal_id, lock=True)
    edits = _normalised(data.get("edits"))
    if proposal.status == "accepted":
        if edits == (proposal.edits or []):
            return proposal  # a retried accept
        raise Conflict("The proposal was already accepted.", code="proposal.already_accepted")
    if proposal.status == "superseded":
        raise Conflict(
            "A newer proposal replaced this one; accept that one.", code="proposal.superseded"
        )
    mapping, loads = _mapping_with_edits(proposal, edits)
    _check_fresh(proposal, mapping)
    for code, user_id in sorted(mapping.items()):
        assignments.assign(
            scope, code, {"user_id": user_id, "role": "primary"}, layer=proposal.layer
        )
    _finalise(proposal, mapping, loads, edits, scope.user_id)
    db.session.flush()
    return proposal


def _mapping_with_edits(proposal: AssignmentProposal, edits: list[dict]):
    mapping = {c: i["user_id"] for i in proposal.items for c in i["proposed_grids"]}
    loads = {c: v for i in proposal.items for c, v in i["grid_loads"].items()}
    loads.update({u["grid_code"]: u["load"] for u in proposal.unassigned})
    known = set(mapping) | {u["grid_code"] for u in proposal.unassigned}
    unknown = sorted(e["grid_code"] for e in edits if e["grid_code"] not in known)
    if unknown:
        raise Invalid(
            f"Grids not in this proposal: {unknown}.",
            code="proposal.unknown_grid",
            errors={"edits": [f"unknown grids: {unknown}"]},
        )
    named = sorted({e["user_id"] for e in edits if e["user_id"] is not None})
    if named:
        eligible_workers(proposal.township_code, named)  # 422 for anyone else
    for edit in edits:
        if edit["user_id"] is None:
            mapping.pop(edit["grid_code"], None)  # leave it vacant
        else:
            mapping[edit["grid_code"]] = edit["user_id"]
    return mapping, loads


def _check_fresh(proposal: AssignmentProposal, mapping: dict[str, int]) -> None:
    rows = db.session.execute(
        CELLS_SQL, {"layer": proposal.layer, "township": proposal.township_code}
    ).all()
    vacant_now = {r.code for r in rows if r.primary_user is None}
    stale = sorted(c for c in mapping if c not in vacant_now)
    if stale:
        raise Conflict(
            f"Grids changed since the proposal was made (gone or assigned): {stale}; make a new"
            " proposal.",
            code="proposal.stale",
            grids=stale,
        )


def _finalise(proposal, mapping, loads, edits, user_id) -> None:
    """Record what was accepted: per worker the grids they now hold and whether they connect."""
    workers = sorted({i["user_id"] for i in proposal.items} | set(mapping.values()))
    held: dict[int, set[str]] = {w: set() for w in workers}
    for code, worker in db.session.execute(
        text(
            "SELECT grid_code, user_id FROM grid_assignments WHERE layer = :layer"
            " AND township_code = :township AND role = 'primary' AND valid_to IS NULL"
            " AND user_id = ANY(:ids)"
        ),
        {"layer": proposal.layer, "township": proposal.township_code, "ids": workers},
    ):
        held[worker].add(code)
    connected = _contiguity(proposal.township_code, proposal.layer, held)
    known = {i["user_id"]: i for i in proposal.items}
    items = []
    for worker in workers:
        proposed = sorted(c for c, w in mapping.items() if w == worker)
        item = dict(known.get(worker) or {"user_id": worker})
        item["existing_grids"] = sorted(held[worker] - set(proposed))
        item["proposed_grids"] = proposed
        item["grid_loads"] = {c: loads[c] for c in sorted(held[worker]) if c in loads}
        item["load"] = round(sum(item["grid_loads"].values()), 1)
        item["contiguous"] = connected[worker]
        items.append(item)
    proposal.items = items
    proposal.unassigned = [
        {"grid_code": c, "load": loads[c]}
        for c in sorted(set(loads) - set(mapping))
        if not any(c in held[w] for w in workers)
    ]
    proposal.edits = edits
    proposal.status = "accepted"
    proposal.accepted_by = user_id
    proposal.accepted_at = utcnow()
    _supersede_open(proposal.township_code, proposal.layer, keep=proposal.id)


def _contiguity(township: str, layer: str, regions: dict[int, set[str]]) -> dict[int, bool]:
    codes = sorted(set().union(*regions.values())) if regions else []
    edges = db.session.execute(
        EDGES_SQL, {"layer": layer, "township": township, "codes": codes}
    ).all()
    graph = nx.Graph()
    graph.add_nodes_from(codes)
    graph.add_edges_from((e.a, e.b) for e in edges if (e.shared or 0) > 0)
    return {w: bool(r) and nx.is_connected(graph.subgraph(r)) for w, r in regions.items()}
