"""Worker profiles (专职/兼职, phone, township) on ``grid_worker`` accounts.

A profile belongs to exactly one user (its primary key is the user id), so a retried create never
makes a second one: the same payload answers with the stored profile, a different one is 409.
Its township is the account's township, copied on create and on every update, so an account
moved by the accounts room is picked up the next time the profile is edited.
"""

from __future__ import annotations

from sqlalchemy import select

from gridsvc.accounts import Scope, User, policy
from gridsvc.errors import Conflict, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.paging import keyset_page, split_page
from gridsvc.workers.access import visible_user
from gridsvc.workers.models import GridAssignment, WorkerProfile

PROFILE_FIELDS = ("employment", "phone", "hired_on", "notes")


def require_grid_worker(user: User, code_prefix: str) -> None:
    """Profiles and assignments exist only for active ``grid_worker`` accounts with a township."""
    if user.role != "grid_worker":
        raise Invalid(
            f"User {user.id} is a {user.role}, not a grid_worker.",
            code=f"{code_prefix}.not_grid_worker",
            errors={"user_id": ["must be a grid_worker"]},
        )
    if not user.township_code:
        raise Invalid(
            f"User {user.id} has no township.",
            code=f"{code_prefix}.township_required",
            errors={"user_id": ["the account has no township"]},
        )


def create_profile(scope: Scope, data: dict) -> WorkerProfile:
    user = visible_user(scope, data["user_id"], "user", policy.WRITE)
    require_grid_worker(user, "worker")
    existing = db.session.get(WorkerProfile, user.id)
    if existing is not None:
        if all(getattr(existing, k) == data[k] for k in PROFILE_FIELDS if k in data):
            return attach_current_grids([existing])[0]  # a retried create
        raise Conflict(
            f"User {user.id} already has a worker profile; change it with PATCH.",
            code="worker.profile_exists",
        )
    profile = WorkerProfile(
        user_id=user.id,
        county_code=user.county_code,
        township_code=user.township_code,
        phone=data.get("phone", user.phone),
        **{k: data[k] for k in ("employment", "hired_on", "notes") if k in data},
    )
    db.session.add(profile)
    db.session.flush()
    return attach_current_grids([profile])[0]


def get_profile(scope: Scope, user_id: int) -> WorkerProfile:
    user = visible_user(scope, user_id)
    profile = db.session.get(WorkerProfile, user.id)
    if profile is None:
        raise NotFound(f"worker {user_id} not found", code="worker.not_found")
    return attach_current_grids([profile])[0]


def update_profile(scope: Scope, profile: WorkerProfile, data: dict) -> WorkerProfile:
    user = db.session.get(User, profile.user_id)
    for key in PROFILE_FIELDS:
        if key in data:
            setattr(profile, key, data[key])
    profile.county_code, profile.township_code = user.county_code, user.township_code
    db.session.flush()
    return attach_current_grids([profile])[0]


def list_profiles(scope: Scope, args: dict) -> tuple[list[WorkerProfile], str | None]:
    stmt = select(WorkerProfile).join(User, User.id == WorkerProfile.user_id)
    if scope.role == "grid_worker":
        stmt = stmt.where(WorkerProfile.user_id == scope.user_id)
    else:
        stmt = stmt.where(scope.where(WorkerProfile.county_code, WorkerProfile.township_code))
    if "township" in args:
        stmt = stmt.where(WorkerProfile.township_code == args["township"])
    if "employment" in args:
        stmt = stmt.where(WorkerProfile.employment == args["employment"])
    if "active" in args:
        stmt = stmt.where(User.active == args["active"])
    stmt, size = keyset_page(stmt, [WorkerProfile.user_id], args.get("cursor"), args.get("limit"))
    rows, cursor = split_page(list(db.session.scalars(stmt)), size, lambda p: [p.user_id])
    return attach_current_grids(rows), cursor


def attach_current_grids(profiles: list[WorkerProfile]) -> list[WorkerProfile]:
    """Give each profile ``current_grids`` (one query for a whole page)."""
    ids = [p.user_id for p in profiles]
    held: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        rows = db.session.execute(
            select(
                GridAssignment.user_id,
                GridAssignment.grid_code,
                GridAssignment.role,
                GridAssignment.valid_from,
            )
            .where(GridAssignment.user_id.in_(ids), GridAssignment.valid_to.is_(None))
            .order_by(GridAssignment.grid_code)
        )
        for user_id, code, role, since in rows:
            held[user_id].append({"grid_code": code, "role": role, "since": since})
    for profile in profiles:
        profile.current_grids = held[profile.user_id]
    return profiles
