"""The hot answers (a filed report, an offline batch's results) as plain dicts.

``IncidentOut`` (marshmallow) stays the documented shape in the OpenAPI document and still dumps
the reads; but dumping one incident through it cost ~0.3-0.5 ms of a report's ~2.5 ms of Python
on the 2-core machine, and a 100-item ``/sync`` paid it a hundred times. These functions build the
same dicts field for field, in the schema's order; tests/incidents/test_rendering.py holds them
equal to the schemas' dumps, so a field added to the schema and not here fails there.
"""

from __future__ import annotations

import uuid

from gridsvc.incidents import categories
from gridsvc.incidents.models import Incident
from gridsvc.incidents.schemas import LEVELS, _point


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _num(value, kind):
    return kind(value) if value is not None else None


def incident_dict(incident: Incident) -> dict:
    """What ``IncidentOut().dump(incident)`` gives, without the schema machinery."""
    rule = categories.rules().get(incident.category_code)
    names = incident.place_names or {}
    places = {}
    for level in LEVELS:
        code = getattr(incident, f"{level}_code")
        places[level] = None if code is None else {"code": code, "name": names.get(level)}
    routing = incident.routing
    return {
        "id": _num(incident.id, int),
        "client_id": _num(incident.client_id, str),
        "status": _num(incident.status, str),
        "category": _num(incident.category_code, str),
        "category_name": rule.name_zh if rule else None,
        "location": _point(incident.geom),
        "raw_location": {
            "type": "Point",
            "coordinates": [incident.raw_lon, incident.raw_lat],
            "crs": incident.crs,
        },
        "accuracy_m": _num(incident.accuracy_m, float),
        "reported_at": _iso(incident.reported_at),
        "received_at": _iso(incident.received_at),
        "description": _num(incident.description, str),
        "address": _num(incident.address, str),
        **places,
        "generation": _num(incident.generation, int),
        "outside_own_grids": _num(incident.outside_own_grids, bool),
        "probable_duplicate_of": _num(incident.probable_duplicate_of, int),
        "duplicate_distance_m": _num(incident.duplicate_distance_m, float),
        "duplicate_of": _num(incident.duplicate_of, int),
        "photo_count": _num(incident.photo_count, int),
        "reporter_id": _num(incident.reporter_id, int),
        "source": _num(incident.source, str),
        "routing": dict(routing) if routing is not None else None,
        "version": _num(incident.version, int),
        "updated_at": _iso(incident.updated_at),
    }


def sync_dict(batch: dict) -> dict:
    """What ``SyncOut().dump(batch)`` gives for ``incidents.sync.sync_batch``'s answer."""
    items = []
    for outcome in batch["incidents"]:
        # The schema dumps only the keys an outcome has (an invalid item has no "incident").
        item = {"index": _num(outcome["index"], int)}
        if "client_id" in outcome:
            client_id = outcome["client_id"]
            item["client_id"] = str(client_id) if isinstance(client_id, uuid.UUID) else client_id
        item["result"] = _num(outcome["result"], str)
        if "incident" in outcome:
            incident = outcome["incident"]
            item["incident"] = incident_dict(incident) if incident is not None else None
        if "problem" in outcome:
            problem = outcome["problem"]
            item["problem"] = dict(problem) if problem is not None else None
        items.append(item)
    return {
        "incidents": items,
        "track_points": [dict(point) for point in batch["track_points"]],
        "summary": dict(batch["summary"]),
    }
