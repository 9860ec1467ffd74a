"""What a township team lead hears of on-the-spot fixes (自处置), in the order things happen.

A report filed with ``resolved_on_site`` comes first, its photos after (they need its id). So:

1. **Filed** — nobody is asked to accept it (intake sends ``case.routed`` to webhooks only): it
   closes by itself as soon as the worker's before/after photos arrive.
2. **Photos late** — still ``reported`` ``ON_SITE_PHOTOS_GRACE_MINUTES`` after it was received
   (a phone offline, a photo lost): the ordinary new-case notice goes to whoever must act
   (:func:`late_photos`, run by the SLA sweep), since it is now an open case like any other. An
   ``on_site_photos_late`` event records when, and keeps the sweep from asking again.
3. **Fixed** (:func:`after_fix`, from the ``fix_on_site`` step whichever way it was taken):
   sampled for confirmation — the handling team's leads are asked to confirm (``close``) it;
   closed at once — only those who had been asked to accept it (step 2, or an ordinary report
   the worker then fixed by hand) are told it needs nothing more.

Every notice has a per-incident dedupe key and the step itself happens once, so retries of the
report (same ``client_id``) or of the photos add nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, text

from gridsvc.extensions import db
from gridsvc.incidents import Incident, record_event
from gridsvc.routing.cases.announce import ON_SITE_PENDING, routed_key, routed_notice, who_acts
from gridsvc.routing.cases.models import Case
from gridsvc.routing.decision import county_world
from gridsvc.routing.notices import recipients
from gridsvc.routing.notices.models import Notification
from gridsvc.routing.notices.notify import Notice, notify_many

LATE_EVENT = "on_site_photos_late"
BATCH = 500

# Open reports filed as fixed on the spot, past the grace, not yet announced as late. Read from
# the open cases (a partial index) rather than the incidents. The case rows are locked, skipping
# those another sweep or a closing photo upload (which locks the case in ``act``) holds, so a
# report is announced once and never after the photos closed it.
LATE_SQL = text(
    """
SELECT i.id FROM cases c JOIN incidents i ON i.id = c.incident_id
WHERE c.closed_at IS NULL AND c.status = 'reported'
  AND i.routing ? :pending AND i.received_at <= :cutoff
  AND NOT EXISTS (SELECT 1 FROM incident_events e
                  WHERE e.incident_id = i.id AND e.action = :late)
ORDER BY i.id LIMIT :batch
FOR UPDATE OF c SKIP LOCKED
"""
)


def late_photos(now: datetime | None = None) -> int:
    """Ask whoever must act about on-the-spot reports whose photos have not all arrived.

    Returns how many reports were announced; the caller (task or CLI) commits.
    """
    now = now or datetime.now(UTC)
    grace = timedelta(minutes=current_app.config["ON_SITE_PHOTOS_GRACE_MINUTES"])
    ids = db.session.scalars(
        LATE_SQL,
        {"pending": ON_SITE_PENDING, "late": LATE_EVENT, "cutoff": now - grace, "batch": BATCH},
    ).all()
    if not ids:
        return 0
    incidents = db.session.scalars(select(Incident).where(Incident.id.in_(ids))).all()
    worlds = {c: county_world(c) for c in {i.county_code for i in incidents}}
    notices = []
    for incident in incidents:
        notices.append(
            routed_notice(
                incident, worlds[incident.county_code].people, note="（自处置照片未到齐）"
            )
        )
        record_event(
            incident,
            LATE_EVENT,
            actor_id=None,
            from_status=incident.status,
            to_status=incident.status,
            data={"grace_minutes": grace.total_seconds() / 60},
        )
    notify_many(notices)
    return len(incidents)


def after_fix(incident: Incident, case: Case) -> None:
    """The notice a ``fix_on_site`` step owes the handling side (see the module's step 3)."""
    people = recipients.lookup([case.team_id], [incident.county_code])
    if case.on_site_sampled:
        users = (
            people.leads(case.team_id) if case.team_id else people.dispatchers(incident.county_code)
        )
        notice = Notice(
            "case.on_site_sampled",
            incident.county_code,
            tuple(users),
            f"待确认：{incident.id}号案件网格员已自处置（抽查）",
            f"on_site_sampled:{incident.id}",
            body="请核对处置前后照片，确认后结案",
            incident_id=incident.id,
            team_id=case.team_id,
        )
    else:
        notice = Notice(
            "case.closed_on_site",
            incident.county_code,
            tuple(_asked_to_accept(incident, people)),
            f"已自处置：{incident.id}号案件已由网格员当场处置结案，无需受理",
            f"closed_on_site:{incident.id}",
            incident_id=incident.id,
            team_id=case.team_id,
        )
    notify_many([notice])


def _asked_to_accept(incident: Incident, people) -> list[int]:
    """Those holding this case's new-case notice (found through the inbox's unique index)."""
    candidates = who_acts(incident, people)
    if not candidates:
        return []
    return list(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.user_id.in_(candidates),
                Notification.dedupe_key == routed_key(incident.id),
            )
        )
    )
