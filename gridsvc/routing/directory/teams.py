"""Teams and their members, inside the caller's county.

A team's members are users whose ``team_id`` points at it: team leads and officers of a township
team (from a township it serves), department handlers of a county department. Who may see and
change them is the accounts policy's decision (``policy.team``, ``policy.team_member``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from gridsvc.accounts import Scope, User, policy
from gridsvc.errors import Conflict, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.paging import keyset_page, split_page
from gridsvc.routing.directory.models import Team, TeamTownship

MEMBER_ROLES = {
    "township_team": ("team_lead", "officer"),
    "county_department": ("department_handler",),
}


def _check_townships(
    county: str, townships: list[str], team_id: int | None = None, *, general: bool = True
) -> None:
    if any(not t.startswith(county) for t in townships):
        raise Invalid(
            "A team can only serve townships of its own county.",
            code="team.township_outside_county",
            errors={"townships": ["outside the county"]},
        )
    known = set(
        db.session.scalars(
            text(
                "SELECT code FROM areas WHERE level = 'township' AND layer = 'admin'"
                " AND gen_from IS NOT NULL AND gen_to IS NULL AND code = ANY(:codes)"
            ),
            {"codes": townships},
        )
    )
    missing = sorted(set(townships) - known)
    if missing:
        raise Invalid(
            f"Unknown township(s): {', '.join(missing)}.",
            code="team.unknown_township",
            errors={"townships": [f"not a current township: {c}" for c in missing]},
        )
    if not general:
        return  # a team for some categories or items sits beside the township's general team
    taken = db.session.execute(
        select(TeamTownship.township_code, Team.name)
        .join(Team, Team.id == TeamTownship.team_id)
        .where(
            TeamTownship.township_code.in_(townships),
            TeamTownship.team_id != (team_id or 0),
            Team.category_codes.is_(None),
            Team.item_codes.is_(None),
        )
    ).all()
    if taken:
        raise Conflict(
            "; ".join(f"{code} is already served by {name}" for code, name in taken),
            code="team.township_taken",
        )


def _codes(values: list[str] | None) -> list[str] | None:
    return None if values is None else sorted(set(values))


def _check_parent(scope: Scope, county: str, parent_id: int | None) -> None:
    """A stationed agency's parent is a department of its county that the caller sees."""
    if parent_id is None:
        return
    parent = db.session.get(Team, parent_id)
    if (
        parent is None
        or not policy.sees_county(scope, parent.county_code)
        or parent.county_code != county
        or parent.kind != "county_department"
    ):
        raise Invalid(
            "A stationed agency's parent must be a county department of its county.",
            code="team.unknown_department",
            errors={"parent_department_id": ["not a county department of this county"]},
        )


def create_team(scope: Scope, data: dict) -> Team:
    county = policy.county_for_new(scope, data.get("county_code"))
    kind = data["kind"]
    seat = data.get("township_code")
    townships: list[str] = []
    if kind == "township_team":
        townships = sorted(set(data.get("townships") or ([seat] if seat else [])))
        seat = seat or (townships[0] if townships else None)
        if not seat:
            raise Invalid(
                "A township team needs its township.",
                code="team.township_required",
                errors={"township_code": ["required for a township team"]},
            )
        if seat not in townships:
            townships.append(seat)
        general = data.get("category_codes") is None and data.get("item_codes") is None
        _check_townships(county, townships, general=general)
        _check_parent(scope, county, data.get("parent_department_id"))
    elif seat or data.get("townships") or data.get("parent_department_id"):
        raise Invalid(
            "A county department serves the whole county; it has no township.",
            code="team.department_has_no_township",
            errors={"township_code": ["not allowed for a county department"]},
        )
    if db.session.scalar(
        select(Team.id).where(Team.county_code == county, Team.code == data["code"])
    ):
        raise Conflict(f"Team code {data['code']} is taken in {county}.", code="team.code_taken")
    team = Team(
        county_code=county,
        kind=kind,
        code=data["code"],
        name=data["name"],
        township_code=seat,
        phone=data.get("phone"),
        category_codes=_codes(data.get("category_codes")),
        item_codes=_codes(data.get("item_codes")),
        parent_department_id=data.get("parent_department_id"),
    )
    db.session.add(team)
    db.session.flush()
    for township in townships:
        db.session.add(TeamTownship(team_id=team.id, township_code=township, county_code=county))
    db.session.flush()
    return team


def get_team(scope: Scope, team_id: int) -> Team:
    """A team of the caller's county (township staff see them all: they call departments and
    hand cases over to neighbouring townships)."""
    team = db.session.get(Team, team_id)
    if team is None:
        policy.hidden("team")
    policy.team(scope, policy.READ, county=team.county_code)
    return team


def update_team(scope: Scope, team: Team, data: dict) -> Team:
    policy.team(scope, policy.ADMINISTER, county=team.county_code)
    if data.get("parent_department_id") is not None:
        # A stationed agency changes masters (派驻机构 moved under another department): the same
        # rule as at creation, so an id the caller cannot see answers as one that does not exist.
        if team.kind != "township_team":
            raise Invalid(
                "A county department answers to no other department.",
                code="team.department_has_no_parent",
                errors={"parent_department_id": ["not allowed for a county department"]},
            )
        _check_parent(scope, team.county_code, data["parent_department_id"])
    townships = data.pop("townships", None)
    for key in ("category_codes", "item_codes"):
        if key in data:
            data[key] = _codes(data[key])
    general = data.get("category_codes", team.category_codes) is None and (
        data.get("item_codes", team.item_codes) is None
    )
    if general and not team.general and townships is None and team.kind == "township_team":
        townships = townships_of([team.id])[team.id]  # becoming general: check who else is
    if townships is not None:
        if team.kind != "township_team":
            raise Invalid(
                "A county department has no townships.", code="team.department_has_no_township"
            )
        _check_townships(team.county_code, sorted(set(townships)), team.id, general=general)
        db.session.query(TeamTownship).filter(TeamTownship.team_id == team.id).delete()
        db.session.flush()
        for township in sorted(set(townships)):
            db.session.add(
                TeamTownship(team_id=team.id, township_code=township, county_code=team.county_code)
            )
        if team.township_code not in townships:
            team.township_code = sorted(townships)[0]
        team.updated_at = datetime.now(UTC)  # a new version (ETag) even when only these changed
    for key, value in data.items():
        setattr(team, key, value)
    db.session.flush()
    return team


def list_teams(scope: Scope, args: dict) -> tuple[list[Team], str | None]:
    stmt = select(Team)
    county = scope.county_code or args.get("county")
    if county:
        stmt = stmt.where(Team.county_code == county)
    if "kind" in args:
        stmt = stmt.where(Team.kind == args["kind"])
    if "active" in args:
        stmt = stmt.where(Team.active == args["active"])
    if "township" in args:
        served = select(TeamTownship.team_id).where(TeamTownship.township_code == args["township"])
        stmt = stmt.where(Team.id.in_(served))
    stmt, size = keyset_page(stmt, [Team.id], args.get("cursor"), args.get("limit"))
    return split_page(list(db.session.scalars(stmt)), size, lambda t: [t.id])


def townships_of(team_ids: list[int]) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(TeamTownship.team_id, TeamTownship.township_code)
        .where(TeamTownship.team_id.in_(team_ids))
        .order_by(TeamTownship.township_code)
    ).all()
    out: dict[int, list[str]] = {i: [] for i in team_ids}
    for team_id, township in rows:
        out[team_id].append(township)
    return out


def member_counts(team_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(User.team_id, func.count())
        .where(User.team_id.in_(team_ids), User.active.is_(True))
        .group_by(User.team_id)
    ).all()
    return dict(rows)


def team_out(teams: list[Team]) -> list[dict]:
    """Teams with their townships and member counts (two queries for the whole page)."""
    ids = [t.id for t in teams]
    townships, counts = townships_of(ids), member_counts(ids)
    return [
        {
            "id": t.id,
            "county_code": t.county_code,
            "kind": t.kind,
            "code": t.code,
            "name": t.name,
            "township_code": t.township_code,
            "townships": townships.get(t.id, []),
            "phone": t.phone,
            "active": t.active,
            "category_codes": t.category_codes,
            "item_codes": t.item_codes,
            "parent_department_id": t.parent_department_id,
            "member_count": counts.get(t.id, 0),
            "created_at": t.created_at,
        }
        for t in teams
    ]


def members(team: Team) -> list[User]:
    return list(db.session.scalars(select(User).where(User.team_id == team.id).order_by(User.id)))


def _check_member(team: Team, role: str, county: str | None, township: str | None) -> None:
    """The membership rule: a role the team's kind takes, from an area the team serves."""
    if role not in MEMBER_ROLES[team.kind]:
        raise Invalid(
            f"A {role} cannot join a {team.kind.replace('_', ' ')}.",
            code="team.member_role",
            errors={"user_id": [f"role must be one of {', '.join(MEMBER_ROLES[team.kind])}"]},
        )
    if county != team.county_code or (
        team.kind == "township_team" and township not in townships_of([team.id])[team.id]
    ):
        raise Invalid(
            "The user works outside the townships this team serves.",
            code="team.member_outside_team_area",
        )


def _member_policy(scope: Scope, team: Team, user: User, missing: str) -> None:
    policy.team_member(
        scope,
        team_county=team.county_code,
        team_kind=team.kind,
        team_townships=townships_of([team.id])[team.id],
        member_county=user.county_code,
        member_township=user.township_code,
        missing=missing,
    )


def add_member(scope: Scope, team: Team, user_id: int) -> User:
    """Put a user into the team (a user belongs to one team at a time); idempotent."""
    user = db.session.get(User, user_id)
    if user is None:
        policy.require_role(scope, ("admin",))
        policy.hidden("user")
    _member_policy(scope, team, user, "user.not_found")
    _check_member(team, user.role, user.county_code, user.township_code)
    if user.team_id != team.id:
        user.team_id = team.id
        db.session.flush()
    return user


def remove_member(scope: Scope, team: Team, user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or user.team_id != team.id:
        raise NotFound("member not found", code="team.member_not_found")
    _member_policy(scope, team, user, "team.member_not_found")
    user.team_id = None
    db.session.flush()


class DirectoryRoster:
    """The accounts room's ``TeamRoster``: a ``team_id`` set on an account through /users."""

    def admit(
        self,
        scope: Scope,
        team_id: int,
        *,
        role: str,
        county_code: str | None,
        township_code: str | None,
    ) -> None:
        team = db.session.get(Team, team_id)
        if team is None or not policy.sees_county(scope, team.county_code):
            # Answered as a team that does not exist: its existence is not disclosed.
            raise Invalid(
                f"No team {team_id}.",
                code="user.unknown_team",
                errors={"team_id": ["not a team of your county"]},
            )
        policy.team_member(
            scope,
            team_county=team.county_code,
            team_kind=team.kind,
            team_townships=townships_of([team.id])[team.id],
            member_county=county_code,
            member_township=township_code,
        )
        _check_member(team, role, county_code, township_code)
