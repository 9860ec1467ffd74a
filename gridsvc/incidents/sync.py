"""Offline sync: a phone's queued reports and patrol track points, one result per item, in order.

A batch is safe to resend whole: reports replay by ``client_id``, track points by (worker, time).
Every failed item carries the same RFC 9457 members a single request would get, whichever room
the item went through (reports here, track points through the workers room's ingest).
"""

from __future__ import annotations

import uuid

from marshmallow import ValidationError

from gridsvc.accounts import Scope
from gridsvc.errors import as_problem
from gridsvc.incidents import reporting
from gridsvc.incidents.schemas import IncidentIn
from gridsvc.workers import ingest_track_points

RESULTS = ("created", "replayed", "error")


def sync_batch(scope: Scope, principal, incidents: list, points: list, crs: str | None) -> dict:
    """File the batch inside the caller's transaction; the view commits."""
    # Track points first: a new month's partition is attached before this transaction has
    # touched track_points (the workers room's rule against a lock-order deadlock).
    tracks = _sync_tracks(principal, points, crs)
    outcomes: list[dict | None] = [None] * len(incidents)
    valid, positions = [], []
    schema = IncidentIn()
    for i, raw in enumerate(incidents):
        try:
            if not isinstance(raw, dict):
                raise ValidationError("each incident must be a JSON object", "_item")
            valid.append(schema.load(raw))
            positions.append(i)
        except ValidationError as exc:
            client_id = raw.get("client_id") if isinstance(raw, dict) else None
            outcomes[i] = _error_item(i, client_id, as_problem(exc))
    for position, result in zip(positions, reporting.report(scope, valid, "sync"), strict=True):
        outcomes[position] = {
            "index": position,
            "client_id": result.client_id,
            "result": result.result,
            "incident": result.incident,
            "problem": result.problem,
        }
    summary: dict = {kind: 0 for kind in RESULTS}
    for outcome in outcomes:
        summary[outcome["result"]] += 1
    summary["track_points"] = {kind: 0 for kind in RESULTS}
    for track in tracks:
        summary["track_points"][track["result"]] += 1
    return {"incidents": outcomes, "track_points": tracks, "summary": summary}


def _sync_tracks(principal, points: list, crs: str | None) -> list[dict]:
    """The batch's patrol points through the workers room's ingest, in the sync's transaction."""
    if not points:
        return []
    results = ingest_track_points(principal, points, crs)
    return [
        {"index": i, "result": r["status"], **({"problem": r["problem"]} if "problem" in r else {})}
        for i, r in enumerate(results)
    ]


def _error_item(index: int, client_id, problem: dict) -> dict:
    try:
        client_id = uuid.UUID(str(client_id)) if client_id else None
    except ValueError:
        client_id = None
    return {"index": index, "client_id": client_id, "result": "error", "problem": problem}
