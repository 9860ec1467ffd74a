"""Who may see and manage which grid workers: the accounts policy (``policy.worker``,
``policy.place``), fed with this room's rows.

- ``admin`` at any scope level manages profiles and assignments inside its scope (a township-scoped
  admin manages its township's workers: docs/ROLES.md);
- ``supervisor`` and ``county_dispatcher`` read inside their scope;
- a ``grid_worker`` reads only their own profile, assignments and patrols.

Everything else reads as 404, never 403: existence is not disclosed across townships.
"""

from __future__ import annotations

from sqlalchemy import text

from gridsvc.accounts import Scope, User, policy
from gridsvc.extensions import db

MANAGERS = ("admin",)
READERS = policy.WORKER_READERS
READERS_AND_SELF = (*READERS, "grid_worker")


def visible_user(scope: Scope, user_id: int, what: str = "worker", action: str = policy.READ):
    """The user behind ``user_id`` when the caller may see them, else 404 ``<what>.not_found``.

    ``what="worker"`` (patrols, tracks, a worker's assignments) also answers 404 for accounts
    that are not grid workers: they have no such records. ``what="user"`` (an id in a body: the
    worker a profile or an assignment is for) leaves the role check to the caller, who explains
    it (422).
    """
    user = db.session.get(User, user_id)
    if user is None or (what == "worker" and user.role != "grid_worker"):
        policy.hidden(what)
    policy.worker(
        scope,
        action,
        user_id=user.id,
        county=user.county_code,
        township=user.township_code,
        kind=what,
    )
    return user


def require_township(scope: Scope, code: str, action: str = policy.READ) -> None:
    """A current township inside the caller's scope, else 404 ``township.not_found``."""
    exists = db.session.execute(
        text(
            "SELECT 1 FROM areas WHERE level = 'township' AND layer = 'admin' AND code = :c"
            " AND gen_from IS NOT NULL AND gen_to IS NULL"
        ),
        {"c": code},
    ).first()
    if exists is None:
        policy.hidden("township")
    policy.place(scope, action, county=code[:6], township=code, kind="township")
