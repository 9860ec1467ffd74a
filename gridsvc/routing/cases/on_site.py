"""A report filed as already fixed on the spot (``resolved_on_site``, 即知即改) completes itself.

The phone files the report first (the photos need its id), then uploads a before photo
(``kind=report``) and an after photo (``kind=verification``). The report's stored routing carries
:data:`ON_SITE_PENDING`; the upload that makes the pair complete takes the ``fix_on_site`` step
for the reporter, with the same checks and sampling as when the worker sends it by hand
(:func:`gridsvc.routing.cases.evidence.fix_on_site`). Until then the case is an ordinary
reported case in the team's queue, so a report whose photos never come is not lost.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from gridsvc.accounts import User
from gridsvc.errors import DomainError
from gridsvc.extensions import db
from gridsvc.incidents import Incident, IncidentPhoto
from gridsvc.routing.cases.announce import ON_SITE_PENDING
from gridsvc.routing.cases.models import Case
from gridsvc.routing.cases.workflow import act

log = logging.getLogger(__name__)


def complete_on_site(scope, incident: Incident) -> bool:
    """Close a pending on-the-spot report once it has both photos; True when it did."""
    if not (incident.routing or {}).get(ON_SITE_PENDING) or incident.status != "reported":
        return False
    if scope.user_id != incident.reporter_id:  # the step is the reporting worker's own
        return False
    photos = db.session.execute(
        select(IncidentPhoto.id, IncidentPhoto.kind).where(
            IncidentPhoto.incident_id == incident.id,
            IncidentPhoto.kind.in_(("report", "verification")),
        )
    ).all()
    if {kind for _, kind in photos} != {"report", "verification"}:
        return False
    actor = db.session.get(User, scope.user_id)
    data = {"action": "fix_on_site", "photo_ids": [pid for pid, _ in photos]}
    try:
        with db.session.begin_nested():
            act(scope, actor, incident, data)
    except DomainError as exc:  # e.g. the list changed since the report: left for the team
        log.warning(
            "on-site report not closed", extra={"incident_id": incident.id, "problem": exc.code}
        )
        return False
    return True


def on_site_state(incident: Incident) -> str | None:
    """Where an on-the-spot report stands, as the phone shows it after an upload.

    ``awaiting_photos`` while a report filed with ``resolved_on_site`` is still an ordinary
    reported case; ``awaiting_confirmation`` for a sampled fix the lead has not closed yet;
    ``closed`` once it is done. None for every other incident (including a pending report the
    lead has meanwhile accepted as an ordinary case).
    """
    case = db.session.get(Case, incident.id)
    if case is not None and case.on_site:
        return "awaiting_confirmation" if incident.status == "verified" else "closed"
    if (incident.routing or {}).get(ON_SITE_PENDING) and incident.status == "reported":
        return "awaiting_photos"
    return None
