"""Photos as evidence of a step, and the two steps that rest on them beside the lead's work:
a cooperating party's part of a joint case (协办, ``assist``) and the grid worker's on-the-spot
fix (自处置, ``fix_on_site``)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.incidents import Incident, IncidentPhoto
from gridsvc.routing.cases import on_site_notices
from gridsvc.routing.cases.models import Case
from gridsvc.routing.directory.responsibility import entry_in_force


def photos_of(incident: Incident, ids: list[int] | None, kind: str) -> list[int]:
    """The ids, checked to be photos of ``kind`` of this incident (422 naming the others)."""
    if not ids:
        return []
    found = db.session.scalars(
        select(IncidentPhoto.id).where(
            IncidentPhoto.incident_id == incident.id,
            IncidentPhoto.id.in_(ids),
            IncidentPhoto.kind == kind,
        )
    ).all()
    missing = sorted(set(ids) - set(found))
    if missing:
        raise Invalid(
            f"Not {kind} photos of this incident: {missing}.",
            code="workflow.unknown_photo",
            errors={"photo_ids": [f"not {kind} photos of this incident: {missing}"]},
        )
    return sorted(found)


def assist(scope, actor, incident, case, data, now):
    photos = photos_of(incident, data.get("photo_ids"), "evidence")
    if actor.team_id not in (case.assisted_ids or []):
        case.assisted_ids = [*(case.assisted_ids or []), actor.team_id]
    out = {"team_id": actor.team_id}
    if photos:
        out["evidence"] = {"photo_ids": photos}
    return out


def fix_on_site(scope, actor, incident, case, data, now):
    """即知即改: closed as 自处置 at once, or (one in ON_SITE_SAMPLE_EVERY of the county's) sampled:
    left verified for the handling team's lead to confirm by closing it."""
    entry = entry_in_force(incident.county_code, incident.category_code)
    if entry is None or not entry.fixable_on_site:
        raise Conflict(
            "The responsibility list does not mark this category as fixable on the spot.",
            code="workflow.not_fixable_on_site",
        )
    ids = sorted(set(data.get("photo_ids") or []))
    kinds = dict(
        db.session.execute(
            select(IncidentPhoto.id, IncidentPhoto.kind).where(
                IncidentPhoto.incident_id == incident.id, IncidentPhoto.id.in_(ids)
            )
        ).all()
    )
    before = [i for i in ids if kinds.get(i) == "report"]
    after = [i for i in ids if kinds.get(i) == "verification"]
    if not before or not after or len(before) + len(after) != len(ids):
        raise Invalid(
            "An on-the-spot fix needs a before photo (kind=report) and an after photo "
            "(kind=verification) of this incident, and nothing else, in photo_ids.",
            code="workflow.on_site_photos_required",
            errors={"photo_ids": ["a report photo and a verification photo of this incident"]},
        )
    every = current_app.config["ON_SITE_SAMPLE_EVERY"]
    earlier = db.session.scalar(
        select(func.count()).where(Case.county_code == case.county_code, Case.on_site.is_(True))
    )
    case.on_site = True
    case.on_site_sampled = every > 0 and (earlier + 1) % every == 0
    case.assignee_id = None
    case.resolved_at = now
    incident.status = "verified" if case.on_site_sampled else "closed"
    on_site_notices.after_fix(incident, case)
    return {
        "evidence": {"before_photo_ids": before, "after_photo_ids": after},
        "sampled": case.on_site_sampled,
    }
