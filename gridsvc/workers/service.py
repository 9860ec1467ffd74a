"""Worker logic other rooms rely on: which grids a worker holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gridsvc.extensions import db
from gridsvc.workers.models import GridAssignment


def assigned_grid_codes(
    user_id: int, at: datetime | None = None, layer: str = "unified"
) -> set[str]:
    """Grid codes the worker held (primary or secondary) at ``at``; now when ``at`` is None."""
    stmt = select(GridAssignment.grid_code).where(
        GridAssignment.user_id == user_id, GridAssignment.layer == layer
    )
    if at is None:
        stmt = stmt.where(GridAssignment.valid_to.is_(None))
    else:
        stmt = stmt.where(
            GridAssignment.valid_from <= at,
            (GridAssignment.valid_to.is_(None)) | (GridAssignment.valid_to > at),
        )
    return set(db.session.scalars(stmt))
