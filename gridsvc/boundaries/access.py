"""Who may see and change which upload, merge and draft: the accounts policy, fed with this
room's facts.

An upload records its county but not its township: that is its uploader's, read from the account
(a township admin uploads its own township's villages and grids, county staff the whole county).
Validation and publishing both run with the scope of a real person — the uploader's while the
file is validated in the background, the publisher's when it is published — so a draft never
reaches further than the hands it passed through.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, text, true

from gridsvc.accounts import Scope, User, policy
from gridsvc.boundaries.models import BoundaryUpload, GridMerge
from gridsvc.extensions import db


def uploader_township(upload: BoundaryUpload) -> str | None:
    """The township an upload belongs to: its uploader's (None for county or global staff)."""
    if upload.created_by is None:
        return None
    return db.session.scalar(select(User.township_code).where(User.id == upload.created_by))


def uploader_scope(upload: BoundaryUpload) -> Scope:
    """The scope a background validation runs with: the uploader's own, as it is now.

    An upload queued from the command line has no uploader and keeps its county's scope.
    """
    uploader = db.session.get(User, upload.created_by) if upload.created_by else None
    if uploader is None:
        return Scope(user_id=None, role="gis_staff", county_code=upload.county_code)
    return Scope.of(uploader)


def visible_uploads(scope: Scope) -> ColumnElement[bool]:
    """SQL form of :func:`check_upload` for reads: the county's, and for township staff the
    uploads of their township's people."""
    if scope.township_code:
        people = select(User.id).where(User.township_code == scope.township_code)
        return (BoundaryUpload.county_code == scope.county_code) & BoundaryUpload.created_by.in_(
            people
        )
    if scope.county_code:
        return BoundaryUpload.county_code == scope.county_code
    return true()


def check_upload(scope: Scope, action: str, upload: BoundaryUpload) -> None:
    policy.boundary_work(
        scope,
        action,
        county=upload.county_code,
        townships=(uploader_township(upload),),
        level=upload.level,
        kind="upload",
    )


def check_merge(scope: Scope, action: str, merge: GridMerge) -> None:
    policy.boundary_work(
        scope,
        action,
        county=merge.county_code,
        townships=tuple(merge.township_codes) or (None,),
        level="grid",
        kind="merge",
    )


def check_draft_read(scope: Scope, generation_id: int) -> None:
    """Reading a draft: as reading the upload or merge that made it (404 as a generation)."""
    upload = db.session.scalar(
        select(BoundaryUpload).where(BoundaryUpload.generation_id == generation_id)
    )
    if upload is not None:
        townships, county, level = (uploader_township(upload),), upload.county_code, upload.level
    else:
        merge = db.session.scalar(select(GridMerge).where(GridMerge.generation_id == generation_id))
        if merge is None:
            policy.hidden("generation")
        townships = tuple(merge.township_codes) or (None,)
        county, level = merge.county_code, "grid"
    policy.boundary_work(
        scope, policy.READ, county=county, townships=townships, level=level, kind="generation"
    )


def check_draft(scope: Scope, generation_id: int) -> None:
    """Publishing: every area the draft adds, and every parent whose children it replaces, lies
    inside the publisher's scope."""
    codes = db.session.scalars(
        text(
            "SELECT code FROM areas WHERE generation_id = :g"
            " UNION SELECT parent_code FROM areas WHERE generation_id = :g"
            " AND parent_code IS NOT NULL"
        ),
        {"g": generation_id},
    )
    policy.boundary_codes(scope, codes)
