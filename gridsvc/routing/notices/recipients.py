"""Who gets told: a team's leads and members, the county's dispatchers and supervisors."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from gridsvc.accounts import User
from gridsvc.extensions import db

LEAD_ROLES = ("team_lead", "department_handler")


class People:
    def __init__(self, rows):
        self._rows = rows

    def __repr__(self) -> str:
        return f"People({len(self._rows)} users)"

    def leads(self, team_id: int | None) -> list[int]:
        return [u for u, role, team, _c in self._rows if team == team_id and role in LEAD_ROLES]

    def members(self, team_id: int | None) -> list[int]:
        return [u for u, _role, team, _c in self._rows if team == team_id]

    def dispatchers(self, county: str) -> list[int]:
        return [u for u, role, _t, c in self._rows if role == "county_dispatcher" and c == county]

    def supervisors(self, county: str) -> list[int]:
        return [u for u, role, _t, c in self._rows if role == "supervisor" and c == county]


def lookup(team_ids: Iterable[int | None], counties: Iterable[str]) -> People:
    """Active members of the teams, and the dispatchers and supervisors of the counties."""
    teams = [t for t in set(team_ids) if t is not None]
    rows = db.session.execute(
        select(User.id, User.role, User.team_id, User.county_code).where(
            User.active.is_(True),
            or_(
                User.team_id.in_(teams),
                User.role.in_(("county_dispatcher", "supervisor"))
                & User.county_code.in_(set(counties)),
            ),
        )
    ).all()
    return People(rows)
