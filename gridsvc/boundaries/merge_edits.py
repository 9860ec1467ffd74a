"""多网合一 round trip: GIS staff fix a merge's draft in QGIS and upload it back as that draft.

An edit is a boundary upload (the same file formats, limits, CRS handling and validation, run by
:func:`gridsvc.boundaries.uploads.process`) that carries its merge's id in ``options``. Instead of
staging a draft of its own, a valid edit replaces the rows of the merge's draft generation and the
crosswalk is recomputed against the edited grids, so the merge keeps its report, its crosswalk and
its publish; an invalid edit leaves the previous draft as it was and keeps its findings on the
upload (``GET /boundary-uploads/{id}``, ``…/findings``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope, User, policy
from gridsvc.boundaries import access, merges, store
from gridsvc.boundaries.models import UNIFIED_LAYER, BoundaryUpload, Generation, GridMerge
from gridsvc.errors import Conflict, NotFound
from gridsvc.extensions import db
from gridsvc.geo.merge import crosswalk
from gridsvc.geo.report import summarize_findings
from gridsvc.geo.validate import Cell

#: The upload option that makes an upload an edit of a merge's draft.
MERGE_OPTION = "merge_id"
#: An edit's findings shown on the merge page (the rest: the upload's own page and findings layer).
PAGE_FINDINGS = 50


def merge_draft(scope: Scope, merge_id: uuid.UUID) -> Generation:
    """The generation a merge staged (draft, or published since), read as the merge itself.

    The maps room serves it as a file: GIS staff take it into QGIS to fix it.
    """
    merge = merges.get_merge(scope, merge_id)
    merges.require_done(merge)
    if merge.generation_id is None:
        raise Conflict("This merge staged no unified layer.", code="merge.no_draft")
    return db.session.get(Generation, merge.generation_id)


def require_editable(scope: Scope, merge: GridMerge) -> None:
    """An edit replaces a draft: the merge must be done, have one, and not have published it."""
    access.check_merge(scope, policy.WRITE, merge)
    merges.require_done(merge)
    if merge.generation_id is None:
        raise Conflict("This merge staged no unified layer to edit.", code="merge.no_draft")
    if db.session.get(Generation, merge.generation_id).status != "draft":
        raise Conflict(
            "This merge's draft was already published; upload the edited layer as a new "
            "boundary upload instead.",
            code="merge.already_published",
        )


def edit_form(merge: GridMerge, form: dict) -> dict:
    """The upload form of an edit: always the unified grid layer, tagged with its merge."""
    return {**form, "level": "grid", "layer": UNIFIED_LAYER, MERGE_OPTION: str(merge.id)}


def merge_of(upload: BoundaryUpload) -> uuid.UUID | None:
    value = (upload.options or {}).get(MERGE_OPTION)
    return uuid.UUID(value) if value else None


def _outside_findings(merge: GridMerge, features: list) -> list[dict]:
    """A merge's draft replaces the grids of its townships only: an edited cell elsewhere would
    publish grids nobody merged."""
    townships = set(merge.township_codes)
    return [
        {
            "code": "merge.edit_outside_townships",
            "severity": "error",
            "feature": f.code,
            "detail": f"{f.code} lies outside the merged townships.",
            "location": None,
        }
        for f in features
        if f.code[:9] not in townships
    ]


def stage_edit(upload: BoundaryUpload, report: dict, features: list, scope: Scope) -> None:
    """Called by the upload pipeline in place of staging a draft (inside its savepoint).

    ``report`` is updated in place (the upload's status follows its ``ok``). A merge published
    or gone since the request fails the upload with a problem (the draft is left alone).
    """
    merge = db.session.get(GridMerge, merge_of(upload), with_for_update=True)
    if merge is None:
        raise NotFound("merge not found", code="merge.not_found")
    require_editable(scope, merge)
    if report["ok"] and (outside := _outside_findings(merge, features)):
        report["findings"] = report["findings"] + outside
        report["summary"] = {**report["summary"], **summarize_findings(report["findings"])}
        report["ok"] = False
    report["merge_id"] = str(merge.id)
    if not report["ok"]:
        return  # the previous draft stays
    store.clear_draft(merge.generation_id)
    store.write_features(merge.generation_id, features)
    _recompute(scope, merge, upload, report, features)


def _recompute(
    scope: Scope, merge: GridMerge, upload: BoundaryUpload, checked: dict, features: list
) -> None:
    """The crosswalk against the edited grids, by area shares (as onto a proposed layer), and
    the report's validation (``summary``, ``findings``: what publishing uses) from the edit."""
    _county, _townships, villages, specialist = merges.read_inputs(scope, merge.params)
    unified = [
        Cell(
            index=i,
            code=f.code,
            name=f.name,
            parent_code=f.parent_code,
            geometry=f.geometry,
            households=f.households,
            population=f.population,
        )
        for i, f in enumerate(features)
    ]
    merge.crosswalk = crosswalk(specialist, unified, villages)
    # The unified side of the crosswalk (the XLSX's second sheet), turned round from the rows.
    cells: dict[str, list[dict]] = {f.code: [] for f in features}
    for row in merge.crosswalk:
        for part in row["unified"]:
            cells[part["code"]].append(
                {"layer": row["layer"], "code": row["code"], "area_share": part["share_of_unified"]}
            )
    report = dict(merge.report or {})
    # The derivation's own validation, kept as it was for the first edit (it no longer
    # describes the draft); the draft's validation is now the edit's.
    report.setdefault(
        "derived", {"summary": report.get("summary"), "findings": report.get("findings", [])}
    )
    report["summary"], report["findings"] = checked["summary"], checked["findings"]
    report["grids"] = [
        {
            "code": f.code,
            "households": f.households,
            "cells": sorted(cells[f.code], key=lambda c: (c["layer"], -c["area_share"])),
        }
        for f in features
    ]
    report["edited"] = {
        "upload_id": str(upload.id),
        "filename": upload.filename,
        "by": upload.created_by,
        "at": datetime.now(UTC).isoformat(),
        "grids": len(features),
    }
    report.pop("diff", None)  # the derivation's diff no longer describes the draft: see /changes
    merge.report = report


def merge_page(scope: Scope, merge_id: uuid.UUID) -> GridMerge:
    """A merge as its page shows it: with its edits (a plain attribute, never stored)."""
    merge = merges.get_merge(scope, merge_id)
    merge.edits = edits(merge)
    return merge


def edits(merge: GridMerge) -> list[dict]:
    """The merge page's edits, oldest first: who, when, which file, with what findings."""
    rows = db.session.execute(
        select(BoundaryUpload, User.username)
        .outerjoin(User, User.id == BoundaryUpload.created_by)
        .where(
            BoundaryUpload.county_code == merge.county_code,
            BoundaryUpload.options[MERGE_OPTION].astext == str(merge.id),
        )
        .order_by(BoundaryUpload.created_at, BoundaryUpload.id)
    ).all()
    return [
        {
            "upload_id": str(upload.id),
            "status": upload.status,
            "filename": upload.filename,
            "created_by": upload.created_by,
            "created_by_username": username,
            "created_at": upload.created_at,
            "finished_at": upload.finished_at,
            "summary": (upload.report or {}).get("summary"),
            "findings": (upload.report or {}).get("findings", [])[:PAGE_FINDINGS],
            "error": upload.error,
        }
        for upload, username in rows
    ]
