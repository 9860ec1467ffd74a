"""The audit trail: every change to an incident appends one ``incident_events`` row.

:func:`record_event` is the one way to write it (the routing room uses it for every workflow
action); the database refuses UPDATE, DELETE and TRUNCATE on the table, so nothing written here can
be rewritten later. Bulk reports write their events inside the reporting SQL itself.
"""

from __future__ import annotations

from sqlalchemy import select

from gridsvc.accounts import Scope
from gridsvc.extensions import db
from gridsvc.incidents.models import Incident, IncidentEvent
from gridsvc.paging import keyset_page, split_page


def record_event(
    incident: Incident,
    action: str,
    *,
    actor_id: int | None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    evidence: dict | None = None,
    data: dict | None = None,
) -> IncidentEvent:
    """Append one event for ``incident`` (flushed, inside the caller's transaction).

    Args:
        incident: the incident, already carrying its new state.
        action: what happened, a short verb (``reported``, ``duplicate_confirmed``, ``accept`` …).
        actor_id: the user who did it; None for the system.
        from_status / to_status: the status change, when there was one.
        note: the human's words (reason, remark).
        evidence: what backs the action (photo ids, call numbers …).
        data: any other machine-readable detail.
    """
    event = IncidentEvent(
        incident_id=incident.id,
        county_code=incident.county_code,
        township_code=incident.township_code,
        actor_id=actor_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        evidence=evidence,
        data=data,
    )
    db.session.add(event)
    db.session.flush()
    return event


def list_events(scope: Scope, incident: Incident, args: dict) -> tuple[list, str | None]:
    """Oldest first; the caller has already proved it may see ``incident``."""
    del scope  # visibility is the incident's; events carry its county/township for later sharding
    stmt = select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
    stmt, size = keyset_page(stmt, [IncidentEvent.id], args.get("cursor"), args.get("limit"))
    rows = list(db.session.scalars(stmt))
    return split_page(rows, size, lambda e: [e.id])
