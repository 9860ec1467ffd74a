"""Who may see and manage which grid workers (the lead's rules for this room).

- ``admin`` at any scope level manages profiles and assignments inside its scope (a township-scoped
  admin is township staff);
- ``supervisor`` and ``county_dispatcher`` read inside their scope;
- a ``grid_worker`` reads only their own profile, assignments and patrols.

Everything else reads as 404, never 403: existence is not disclosed across townships.
"""

from __future__ import annotations

from sqlalchemy import text

from gridsvc.accounts import Scope, User
from gridsvc.errors import NotFound
from gridsvc.extensions import db

MANAGERS = ("admin",)
READERS = ("admin", "supervisor", "county_dispatcher")
READERS_AND_SELF = (*READERS, "grid_worker")


def sees_user(scope: Scope, user: User) -> bool:
    """True when the caller may read this (worker) user's records."""
    if scope.role == "grid_worker":
        return user.id == scope.user_id
    return scope.covers_area_of(user.county_code, user.township_code)


def visible_user(scope: Scope, user_id: int, what: str = "worker") -> User:
    """The user behind ``user_id`` when the caller may see them, else 404 ``<what>.not_found``.

    ``what="worker"`` (patrols, tracks, a worker's assignments) also answers 404 for accounts
    that are not grid workers: they have no such records. ``what="user"`` leaves the role check
    to the caller, who explains it (422).
    """
    user = db.session.get(User, user_id)
    if (
        user is None
        or not sees_user(scope, user)
        or (what == "worker" and user.role != "grid_worker")
    ):
        raise NotFound(f"{what} {user_id} not found", code=f"{what}.not_found")
    return user


def township_visible(scope: Scope, township_code: str) -> bool:
    """A township-level read or write (proposals, summaries) stays inside the caller's scope."""
    if scope.role == "grid_worker":
        return False
    return scope.covers(township_code)


def require_township(scope: Scope, code: str) -> None:
    """A current township inside the caller's scope, else 404 ``township.not_found``."""
    exists = db.session.execute(
        text(
            "SELECT 1 FROM areas WHERE level = 'township' AND layer = 'admin' AND code = :c"
            " AND gen_from IS NOT NULL AND gen_to IS NULL"
        ),
        {"c": code},
    ).first()
    if exists is None or not township_visible(scope, code):
        raise NotFound(f"township {code} not found", code="township.not_found")
