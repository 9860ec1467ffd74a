"""Reading and acknowledging supervision notices (督办)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope, policy
from gridsvc.errors import NotFound
from gridsvc.extensions import db
from gridsvc.paging import newest_first
from gridsvc.routing.deadlines.models import SupervisionNotice

COUNTY_ROLES = ("admin", "county_dispatcher", "supervisor")


def _visible(actor, scope: Scope):
    """County desks see their area's notices; team members their team's (a department's are
    county-wide); anyone else their area's."""
    if actor.role not in COUNTY_ROLES and actor.team_id is not None:
        return (SupervisionNotice.team_id == actor.team_id) & (
            SupervisionNotice.county_code == actor.county_code
        )
    return scope.where(SupervisionNotice.county_code, SupervisionNotice.township_code)


def list_notices(actor, scope: Scope, args: dict):
    stmt = select(SupervisionNotice).where(_visible(actor, scope))
    for key, column in (
        ("county", SupervisionNotice.county_code),
        ("township", SupervisionNotice.township_code),
        ("team_id", SupervisionNotice.team_id),
        ("kind", SupervisionNotice.kind),
    ):
        if args.get(key) is not None:
            stmt = stmt.where(column == args[key])
    if args.get("open"):
        stmt = stmt.where(SupervisionNotice.acknowledged_at.is_(None))
    return newest_first(stmt, SupervisionNotice.id, args.get("cursor"), args.get("limit"))


def acknowledge(actor, scope: Scope, notice_id: int) -> SupervisionNotice:
    notice = db.session.scalar(
        select(SupervisionNotice).where(SupervisionNotice.id == notice_id, _visible(actor, scope))
    )
    if notice is None:
        raise NotFound("notice not found", code="notice.not_found")
    policy.supervision_notice(
        scope, county=notice.county_code, team_id=notice.team_id, level=notice.level
    )
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by = datetime.now(UTC), actor.id
        db.session.flush()
    return notice
