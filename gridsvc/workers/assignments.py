"""Grid assignments: who is responsible for a grid, with the full history.

Rows are never deleted or rewritten: a change closes the current row (``valid_to``, ``end_reason``)
and opens a new one. Two safeguards meet the concurrency rules:

- the current rows of a grid are read ``FOR UPDATE``, so two admins replacing the same primary
  queue behind each other;
- the partial unique indexes (one current primary per grid, one current row per worker and grid)
  decide races nobody could lock (two first assignments of a vacant grid): the loser gets a clean
  409 ``assignment.primary_taken`` — or, when the winner is the very same assignment (a retried
  request), the winner's row, so a retry never creates a second one.

The insert runs in a savepoint, so losing the race undoes only that insert: the caller's
transaction (a view's, or a proposal's accepting many grids) stays usable, and the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from gridsvc.accounts import Scope, User, policy, utcnow
from gridsvc.boundaries import UNIFIED_LAYER
from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.paging import keyset_page, split_page
from gridsvc.workers.access import visible_user
from gridsvc.workers.models import AssignmentNeed, GridAssignment, WorkerProfile
from gridsvc.workers.profiles import require_grid_worker

# Clock skew allowed between the client that sends valid_from / valid_to and the server.
CLOCK_SLACK = timedelta(minutes=1)

CURRENT_GRID_SQL = text(
    "SELECT code, name, county_code, township_code FROM areas"
    " WHERE level = 'grid' AND layer = :layer AND code = :code"
    " AND gen_from IS NOT NULL AND gen_to IS NULL"
)


def current_grid(scope: Scope, code: str, layer: str = UNIFIED_LAYER, action=policy.WRITE):
    """The grid in the current generation, inside the caller's scope; else 404 grid.not_found."""
    row = db.session.execute(CURRENT_GRID_SQL, {"layer": layer, "code": code}).first()
    if row is None:
        policy.hidden("grid")
    policy.place(scope, action, county=row.county_code, township=row.township_code, kind="grid")
    return row


def eligible_worker(scope: Scope, user_id: int, grid) -> User:
    """The worker an assignment names: visible, a grid_worker with a profile, of the grid's township."""
    user = visible_user(scope, user_id, "user", policy.WRITE)
    require_grid_worker(user, "assignment")
    if not user.active:
        raise Invalid(
            f"User {user.id} is deactivated.",
            code="assignment.worker_inactive",
            errors={"user_id": ["the account is deactivated"]},
        )
    if user.township_code != grid.township_code:
        raise Invalid(
            f"User {user.id} works in township {user.township_code}; grid {grid.code} lies in"
            f" {grid.township_code}.",
            code="assignment.township_mismatch",
            errors={"user_id": ["must belong to the grid's township"]},
        )
    if db.session.get(WorkerProfile, user.id) is None:
        raise Invalid(
            f"User {user.id} has no worker profile yet (POST /api/v1/workers first).",
            code="assignment.no_profile",
            errors={"user_id": ["has no worker profile"]},
        )
    return user


def _current_rows(layer: str, code: str) -> list[GridAssignment]:
    stmt = (
        select(GridAssignment)
        .where(
            GridAssignment.layer == layer,
            GridAssignment.grid_code == code,
            GridAssignment.valid_to.is_(None),
        )
        .order_by(GridAssignment.id)
    )
    return list(db.session.scalars(stmt.with_for_update(of=GridAssignment)))


def assign(
    scope: Scope,
    code: str,
    data: dict,
    *,
    layer: str = UNIFIED_LAYER,
) -> GridAssignment:
    """Make ``data["user_id"]`` the primary or a secondary worker of grid ``code``.

    A new primary closes the previous current primary (``reassigned``) — and the same worker's
    secondary row (``promoted``) — in the same transaction. Posting an assignment that is already
    current returns the existing row.
    """
    grid = current_grid(scope, code, layer)
    worker = eligible_worker(scope, data["user_id"], grid)
    role = data.get("role", "primary")
    now = utcnow()
    valid_from = data.get("valid_from") or now
    if valid_from > now + CLOCK_SLACK:
        raise Invalid(
            "An assignment cannot start in the future.",
            code="assignment.future_start",
            errors={"valid_from": ["must not lie in the future"]},
        )
    rows = _current_rows(layer, code)
    mine = next((r for r in rows if r.user_id == worker.id), None)
    if mine is not None and mine.role == role:
        return mine  # already current: a retried request
    if role == "secondary" and mine is not None:
        raise Conflict(
            f"User {worker.id} is the grid's primary worker; assign another primary first.",
            code="assignment.is_primary",
        )
    if role == "primary":
        for row in rows:
            if row.role == "primary" or row is mine:
                if valid_from < row.valid_from:
                    raise Invalid(
                        f"valid_from lies before the start of the current assignment {row.id}.",
                        code="assignment.starts_before_current",
                        errors={
                            "valid_from": [f"must be at or after {row.valid_from.isoformat()}"]
                        },
                    )
                row.valid_to = valid_from
                row.end_reason = "promoted" if row is mine else "reassigned"
                row.ended_by = scope.user_id
    created = GridAssignment(
        county_code=grid.county_code,
        township_code=grid.township_code,
        layer=layer,
        grid_code=code,
        user_id=worker.id,
        role=role,
        valid_from=valid_from,
        created_by=scope.user_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(created)
            db.session.flush()
    except IntegrityError as exc:
        return _lost_race(layer, code, worker.id, role, exc)
    if role == "primary":
        db.session.execute(
            update(AssignmentNeed)
            .where(
                AssignmentNeed.layer == layer,
                AssignmentNeed.grid_code == code,
                AssignmentNeed.resolved_at.is_(None),
            )
            .values(resolved_at=now)
        )
    db.session.flush()
    return created


def _lost_race(layer: str, code: str, user_id: int, role: str, exc: IntegrityError):
    """A concurrent request committed first: the same assignment is a retry, anything else 409.

    The savepoint has undone the insert; the winner's committed row is visible to this new
    statement (READ COMMITTED).
    """
    winner = db.session.scalar(
        select(GridAssignment).where(
            GridAssignment.layer == layer,
            GridAssignment.grid_code == code,
            GridAssignment.user_id == user_id,
            GridAssignment.role == role,
            GridAssignment.valid_to.is_(None),
        )
    )
    if winner is not None:
        return winner
    raise Conflict(
        f"Grid {code} was assigned by someone else at the same moment; read it again.",
        code="assignment.primary_taken",
    ) from exc


def end_assignment(scope: Scope, code: str, assignment_id: int, data: dict) -> GridAssignment:
    """Close an assignment (``valid_to``); it stays in the history. Ending twice is a no-op."""
    row = db.session.scalar(
        select(GridAssignment)
        .where(GridAssignment.id == assignment_id, GridAssignment.grid_code == code)
        .with_for_update(of=GridAssignment)
    )
    if row is None:
        policy.hidden("assignment")
    policy.place(
        scope, policy.WRITE, county=row.county_code, township=row.township_code, kind="assignment"
    )
    if row.valid_to is not None:
        return row
    now = utcnow()
    valid_to = data.get("valid_to") or now
    if valid_to > now + CLOCK_SLACK or valid_to < row.valid_from:
        raise Invalid(
            "valid_to must lie between the assignment's start and now.",
            code="assignment.bad_end",
            errors={"valid_to": [f"between {row.valid_from.isoformat()} and now"]},
        )
    row.valid_to = valid_to
    row.end_reason = data.get("reason") or "ended"
    row.ended_by = scope.user_id
    db.session.flush()
    return row


def _history_filters(stmt, args: dict):
    if args.get("current"):
        stmt = stmt.where(GridAssignment.valid_to.is_(None))
    if "at" in args:
        at: datetime = args["at"]
        stmt = stmt.where(
            GridAssignment.valid_from <= at,
            GridAssignment.valid_to.is_(None) | (GridAssignment.valid_to > at),
        )
    if "role" in args:
        stmt = stmt.where(GridAssignment.role == args["role"])
    return stmt


def grid_assignments(scope: Scope, code: str, args: dict) -> tuple[list, str | None]:
    """A grid's assignment history (oldest first); a grid worker sees only their own rows."""
    layer = args.get("layer") or UNIFIED_LAYER
    stmt = select(GridAssignment).where(
        GridAssignment.layer == layer,
        GridAssignment.grid_code == code,
        scope.where(GridAssignment.county_code, GridAssignment.township_code),
    )
    if scope.role == "grid_worker":
        stmt = stmt.where(GridAssignment.user_id == scope.user_id)
    stmt, size = keyset_page(
        _history_filters(stmt, args), [GridAssignment.id], args.get("cursor"), args.get("limit")
    )
    rows = list(db.session.scalars(stmt))
    if not rows and not args.get("cursor"):
        # An empty history is an answer only for a grid the caller can see (and that exists,
        # now or in the past through its assignments).
        current_grid(scope, code, layer, policy.READ)
    return split_page(rows, size, lambda r: [r.id])


def worker_assignments(scope: Scope, user_id: int, args: dict) -> tuple[list, str | None]:
    """A worker's assignment history, oldest first (a grid worker: only their own)."""
    user = visible_user(scope, user_id)
    stmt = select(GridAssignment).where(GridAssignment.user_id == user.id)
    if args.get("layer"):
        stmt = stmt.where(GridAssignment.layer == args["layer"])
    stmt, size = keyset_page(
        _history_filters(stmt, args), [GridAssignment.id], args.get("cursor"), args.get("limit")
    )
    return split_page(list(db.session.scalars(stmt)), size, lambda r: [r.id])
