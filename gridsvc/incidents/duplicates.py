"""A dispatcher's decision on a probable duplicate: confirm (status ``duplicate``, linked to the
original) or dismiss (the flag goes, the report stays a case of its own). Both are audit events.

The routing room's ``/actions`` calls these same functions, so the rules live here once.
"""

from __future__ import annotations

from sqlalchemy import select

from gridsvc.accounts import Scope
from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.incidents.events import record_event
from gridsvc.incidents.models import Incident
from gridsvc.incidents.queries import get_incident

# DESIGN.md §4: duplicate is decided at intake, before a case is accepted and dispatched.
CONFIRMABLE = ("reported",)


def _original(scope: Scope, incident: Incident, original_id: int | None) -> Incident:
    original_id = original_id or incident.probable_duplicate_of
    if original_id is None:
        raise Invalid(
            "Name the incident this one repeats (original_id); it was not flagged.",
            code="incident.original_required",
            errors={"original_id": ["required: the incident is not flagged"]},
        )
    if original_id == incident.id:
        raise Invalid(
            "An incident cannot duplicate itself.",
            code="incident.duplicate_of_self",
            errors={"original_id": ["is this incident"]},
        )
    original = get_incident(scope, original_id)
    # Link to the root case, so chains of duplicates all point at the case being worked on.
    seen = {incident.id}
    while original.duplicate_of is not None and original.id not in seen:
        seen.add(original.id)
        original = db.session.scalar(select(Incident).where(Incident.id == original.duplicate_of))
    if original.id == incident.id:
        raise Invalid("That would make a cycle of duplicates.", code="incident.duplicate_cycle")
    return original


def confirm_duplicate(
    scope: Scope,
    actor_id: int | None,
    incident: Incident,
    original_id: int | None,
    note: str | None,
) -> Incident:
    """Mark ``incident`` a duplicate of ``original_id`` (default: the flagged incident)."""
    if incident.status not in CONFIRMABLE:
        raise Conflict(
            f"An incident in status {incident.status} can no longer be marked a duplicate.",
            code="incident.invalid_transition",
            status_now=incident.status,
        )
    original = _original(scope, incident, original_id)
    if original.status == "rejected":
        raise Conflict(
            f"Incident {original.id} was rejected; a report cannot repeat a case that never was.",
            code="incident.original_rejected",
        )
    before = incident.status
    flagged = incident.probable_duplicate_of
    incident.status = "duplicate"
    incident.duplicate_of = original.id
    incident.probable_duplicate_of = None
    db.session.flush()
    record_event(
        incident,
        "duplicate_confirmed",
        actor_id=actor_id,
        from_status=before,
        to_status="duplicate",
        note=note,
        data={"duplicate_of": original.id, "flagged": flagged},
    )
    return incident


def dismiss_duplicate(
    scope: Scope, actor_id: int | None, incident: Incident, note: str | None
) -> Incident:
    """Clear the probable-duplicate flag: the dispatcher says this is a case of its own."""
    del scope
    if incident.probable_duplicate_of is None:
        raise Conflict(
            "The incident is not flagged as a probable duplicate.", code="incident.not_flagged"
        )
    flagged, distance = incident.probable_duplicate_of, incident.duplicate_distance_m
    incident.probable_duplicate_of = None
    incident.duplicate_distance_m = None
    db.session.flush()
    record_event(
        incident,
        "duplicate_dismissed",
        actor_id=actor_id,
        from_status=incident.status,
        to_status=incident.status,
        note=note,
        data={"flagged": flagged, "distance_m": distance},
    )
    return incident
