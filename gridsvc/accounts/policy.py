"""The one authorization policy: who may read, write or administer which resource.

Every room asks here, with plain values — the caller's :class:`Scope` and the resource's county,
township, team or role — never with another room's rows: accounts sits below every room that owns
those rows (docs/ROLES.md is the role model in prose). A function returns when the caller may go
on and raises otherwise, and the order of its checks is the contract:

1. a role that may never do this → 403 ``auth.role_forbidden``. The answer does not depend on the
   resource, so it discloses nothing about it;
2. a resource outside the caller's scope → 404 ``<kind>.not_found``, exactly what an id that does
   not exist answers: existence is never disclosed across townships or counties;
3. a resource the caller sees but may not change → 403 (``auth.role_forbidden`` or a specific
   code).

Ids in a request body go through the same functions. The room answers an invisible one exactly as
it answers an id that does not exist (a 404 of the named kind, or a 422 naming the field).

Lists are filtered in SQL by :meth:`Scope.where` and friends, the set form of the same area rule
(:func:`sees_area`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

from gridsvc.accounts.models import ROLES, TOWNSHIP_ROLES
from gridsvc.accounts.scope import Scope
from gridsvc.errors import Forbidden, Invalid, NotFound

READ, WRITE, ADMINISTER = "read", "write", "administer"

# Roles of a county office: county-wide by nature, they never carry a township.
COUNTY_ROLES = frozenset({"gis_staff", "supervisor", "county_dispatcher", "department_handler"})
BOUNDARY_EDITORS = ("admin", "gis_staff")
ZONE_EDITORS = ("admin", "gis_staff")
WORKER_READERS = ("admin", "supervisor", "county_dispatcher")
# Incidents, their cases, 乡呼县应 calls and 督办 notices: every role but gis_staff, whose work is
# the map (a boundary editor has no business reading residents' reports).
INCIDENT_READERS = tuple(role for role in ROLES if role != "gis_staff")
# Boundary levels that change the county's outline or its townships: county work only.
COUNTY_BOUNDARY_LEVELS = ("county", "township")


# --- the primitives ------------------------------------------------------------------------------


def county_level(scope: Scope) -> bool:
    """A global or county-wide caller (not bound to one township)."""
    return scope.township_code is None


def sees_county(scope: Scope, county: str | None) -> bool:
    """A county-wide record (team, zone, list entry) of the caller's county.

    Township staff see their whole county's directory: they hand cases over to neighbours and
    call county departments.
    """
    return scope.county_code is None or scope.county_code == county


def sees_area(scope: Scope, county: str | None, township: str | None) -> bool:
    """A record that belongs to a place (a user, an incident, a grid) inside the caller's scope."""
    return scope.covers_area_of(county, township)


def hidden(kind: str, code: str | None = None) -> NoReturn:
    """The 404 an id outside the caller's scope gives: the same as for an id that does not exist."""
    raise NotFound(f"{kind.replace('_', ' ')} not found", code=code or f"{kind}.not_found")


def forbidden(detail: str, code: str = "auth.role_forbidden") -> NoReturn:
    raise Forbidden(detail, code=code)


def require_role(scope: Scope, roles: Iterable[str]) -> None:
    roles = tuple(roles)
    if scope.role not in roles:
        forbidden(f"This action needs one of the roles: {', '.join(roles)}.")


def county_desk(scope: Scope, county: str | None) -> bool:
    """The county's command centre (指挥中心): its dispatchers and its county-level admins."""
    return (
        scope.role in ("county_dispatcher", "admin")
        and county_level(scope)
        and sees_county(scope, county)
    )


def supervises(scope: Scope, county: str | None) -> bool:
    """The county's supervisors (督查) and its county-level admins."""
    return (
        scope.role in ("supervisor", "admin") and county_level(scope) and sees_county(scope, county)
    )


# --- accounts ------------------------------------------------------------------------------------


def assignable_roles(scope: Scope) -> frozenset[str]:
    """The roles an admin may give: a township admin only the township's own roles."""
    if scope.role != "admin":
        return frozenset()
    if scope.township_code:
        return TOWNSHIP_ROLES
    return frozenset(ROLES)


def user(scope: Scope, action: str, *, county: str | None, township: str | None, role: str):
    """An account: admins read those of their area, and change those whose role they may give."""
    require_role(scope, ("admin",))
    if not sees_area(scope, county, township):
        hidden("user")
    if action != READ and role not in assignable_roles(scope):
        forbidden(
            f"A {scope.level} administrator does not manage {role} accounts.",
            "user.role_not_assignable",
        )


def user_placement(scope: Scope, *, county: str | None, township: str | None, role: str) -> None:
    """Where a created or edited account lands: inside the caller's scope, with a role it gives."""
    if (scope.county_code and county != scope.county_code) or (
        scope.township_code and township != scope.township_code
    ):
        forbidden(f"You can only manage users of your own {scope.level}.", "user.out_of_scope")
    if role not in assignable_roles(scope):
        forbidden(
            f"A {scope.level} administrator cannot give the role {role}.",
            "user.role_not_assignable",
        )


# --- the directory: teams and their members ------------------------------------------------------


def team(scope: Scope, action: str, *, county: str) -> None:
    """Everyone of a county reads its teams; its county-level admins manage them."""
    if not sees_county(scope, county):
        hidden("team")
    if action != READ and not (scope.role == "admin" and county_level(scope)):
        forbidden("Teams are managed by the county's administrators.")


def team_member(
    scope: Scope,
    *,
    team_county: str,
    team_kind: str,
    team_townships: Iterable[str],
    member_county: str | None,
    member_township: str | None,
    missing: str = "user.not_found",
) -> None:
    """Putting an account into a team or taking it out.

    County-level admins manage every team of their county; a township admin the accounts of its
    township in a township team that serves it (never a county department). ``missing`` is the
    code an invisible account answers with (``user.not_found`` for an id in a body,
    ``team.member_not_found`` in a path, as for a user who is no member).
    """
    require_role(scope, ("admin",))
    team(scope, READ, county=team_county)
    if not sees_area(scope, member_county, member_township):
        hidden("user", missing)
    if county_level(scope):
        return
    if team_kind != "township_team" or scope.township_code not in set(team_townships):
        forbidden(
            "A township administrator manages only its own township team's members.",
            "team.member_forbidden",
        )


# --- county routing: zones, the responsibility list, webhooks ------------------------------------


def county_rule(
    scope: Scope, action: str, *, county: str, kind: str, editors: Iterable[str] = ("admin",)
) -> None:
    """A county-wide routing record (zone, list entry): read county-wide, edited by the county.

    A township admin is no editor: routing decides between townships and departments.
    """
    if not sees_county(scope, county):
        hidden(kind)
    if action != READ and not (scope.role in tuple(editors) and county_level(scope)):
        forbidden("Routing is edited by the county.")


def county_for_new(scope: Scope, requested: str | None, *, editors: Iterable[str] = ("admin",)):
    """The county a new county-wide record lands in: the caller's own, or the one a global admin
    names. Only the county's editors create such records."""
    if scope.role not in tuple(editors) or not county_level(scope):
        forbidden("This is edited by the county.")
    if scope.county_code:
        if requested and requested != scope.county_code:
            forbidden("You can only manage your own county.", "routing.out_of_scope")
        return scope.county_code
    if not requested:
        raise Invalid(
            "A global admin must name the county.",
            code="routing.county_required",
            errors={"county_code": ["required for a global admin"]},
        )
    return requested


def list_proposal(scope: Scope, action: str, *, county: str | None, township: str | None) -> None:
    """Proposals to the responsibility list (建议权): a township's administrators file them
    (``propose``) and read their own; the county's county-level administrators read all of the
    county's and ``decide`` them."""
    require_role(scope, ("admin",))
    if action == "propose":
        if county_level(scope):
            forbidden(
                "Proposals come from a township's administrators; the county edits its list.",
                "proposal.township_only",
            )
        return
    if not sees_area(scope, county, township):
        hidden("proposal")
    if action == "decide" and not county_level(scope):
        forbidden("The county decides the proposals to its list.")


def webhook(scope: Scope, action: str, *, county: str) -> None:
    """Webhooks send the county's events out: only county-level admins see and manage them
    (every ``action`` alike)."""
    require_role(scope, ("admin",))
    if not sees_county(scope, county):
        hidden("webhook")
    if not county_level(scope):
        forbidden("Webhooks are managed by the county's administrators.")


# --- the category catalogue ----------------------------------------------------------------------


def category(scope: Scope, action: str) -> None:
    """One catalogue for every county: everyone reads it, global admins edit it."""
    if action != READ and not (scope.role == "admin" and scope.county_code is None):
        forbidden(
            "The category catalogue is shared by every county: global administrators edit it."
        )


# --- boundaries ----------------------------------------------------------------------------------


def boundary_work(
    scope: Scope,
    action: str,
    *,
    county: str | None,
    townships: Iterable[str | None] = (None,),
    level: str | None = None,
    kind: str = "upload",
) -> None:
    """An upload or a merge. Its townships are where it may change anything (``None``: the whole
    county, as for an upload made by county staff). A township admin works on its own township's
    villages and grids; the county outline and the townships are the county's."""
    require_role(scope, BOUNDARY_EDITORS)
    if not all(sees_area(scope, county, t) for t in townships):
        hidden(kind)
    if action != READ and level in COUNTY_BOUNDARY_LEVELS and not county_level(scope):
        forbidden(
            f"{level.capitalize()} boundaries are changed by the county.", "upload.level_forbidden"
        )


def boundary_codes(scope: Scope, codes: Iterable[str]) -> None:
    """Publishing: every area the draft changes lies inside the publisher's scope."""
    outside = sorted({c for c in codes if not scope.covers(c)})
    if outside:
        forbidden(
            f"{len(outside)} area(s) lie outside your scope, e.g. {outside[0]}.",
            "upload.out_of_scope",
        )


# --- grid workers --------------------------------------------------------------------------------


def worker(
    scope: Scope,
    action: str,
    *,
    user_id: int,
    county: str | None,
    township: str | None,
    kind: str = "worker",
) -> None:
    """A grid worker's profile, assignments and patrols: a worker reads their own; the county desk
    and supervisors read their area's; admins manage their area's."""
    if action == READ and scope.role == "grid_worker":
        if user_id != scope.user_id:
            hidden(kind)
        return
    require_role(scope, WORKER_READERS if action == READ else ("admin",))
    if not sees_area(scope, county, township):
        hidden(kind)


def place(
    scope: Scope, action: str, *, county: str | None, township: str | None, kind: str
) -> None:
    """A place-bound record of the workers' room (a grid, a township's proposal or summary):
    read by the county desk, supervisors and workers (their own rows), managed by admins."""
    require_role(scope, (*WORKER_READERS, "grid_worker") if action == READ else ("admin",))
    if not sees_area(scope, county, township):
        hidden(kind)


# --- cases ---------------------------------------------------------------------------------------


def team_queue(
    scope: Scope,
    *,
    team_id: int,
    county: str,
    parent_department_id: int | None = None,
    seat_township: str | None = None,
) -> None:
    """A team's work list: its members, and the county's desks (never a township's other staff,
    who would read another township's cases through a shared or neighbouring team).

    A stationed agency (派驻机构, a team with a parent department) answers to two masters: its
    department's handlers and the administrators of the township it sits in read its queue too.
    """
    if scope.team_id == team_id:
        return
    if county_desk(scope, county) or supervises(scope, county):
        return
    if parent_department_id is not None:
        if scope.team_id == parent_department_id and scope.role == "department_handler":
            return
        if scope.role == "admin" and seat_township and scope.township_code == seat_township:
            return
    hidden("team")


def supervision_notice(scope: Scope, *, county: str, team_id: int | None, level: int) -> None:
    """Acknowledging a 督办 notice the caller can read: the county's desks and supervisors, or,
    for a first-level notice, a lead of the team it was issued to."""
    if county_desk(scope, county) or supervises(scope, county):
        return
    if (
        level == 1
        and team_id is not None
        and scope.team_id == team_id
        and scope.role in ("team_lead", "department_handler")
    ):
        return
    forbidden("Only the team's lead or the county acknowledges a supervision notice.")
