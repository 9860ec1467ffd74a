"""The upload lifecycle: receive a file, process it (read -> validate -> draft), publish it.

These functions flush; their callers commit (see gridsvc/transactions.py). The view commits the
state row before it queues the task (the worker must find the row); the task commits the attempt
and the progress as they happen (the ``progress`` callback of :func:`process`) and then the draft
and the final status in one transaction, so a worker killed mid-way leaves the upload retried
(Celery redelivers unacknowledged tasks) or, after ``MAX_ATTEMPTS``, ``failed`` — never
half-applied.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from gridsvc.accounts import SHELL_SCOPE, Scope, policy
from gridsvc.boundaries import access, merge_edits, store
from gridsvc.boundaries.features import build_features, validate_features
from gridsvc.boundaries.models import (
    ADMIN_LAYER,
    UNIFIED_LAYER,
    BoundaryUpload,
    Generation,
    GridMerge,
)
from gridsvc.errors import Conflict, DomainError, Invalid, NotFound, TooLarge, as_problem
from gridsvc.extensions import db
from gridsvc.geo.errors import GeoInputError
from gridsvc.geo.files import ReadLimits, inspect_file, read_boundary_file
from gridsvc.paging import keyset_page, split_page

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
FILE_OPTIONS = ("crs", "encoding", "code_field", "name_field", "parent_field", "layer_name")


def read_limits() -> ReadLimits:
    cfg = current_app.config
    return ReadLimits(
        max_bytes=cfg["UPLOAD_MAX_BYTES"],
        max_features=cfg["UPLOAD_MAX_FEATURES"],
        max_vertices_per_feature=cfg["UPLOAD_MAX_VERTICES"],
    )


def layer_for(level: str, layer: str | None) -> str:
    if level != "grid":
        if layer not in (None, "", ADMIN_LAYER):
            raise Invalid(
                "Only grid uploads name a layer.",
                code="upload.layer_not_allowed",
                errors={"layer": ["only for level=grid"]},
            )
        return ADMIN_LAYER
    return layer or UNIFIED_LAYER


def save_stream(stream, filename: str) -> tuple[Path, int, str]:
    """Copy the upload to disk while counting and hashing; refuse it past the size cap."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    folder = Path(current_app.config["UPLOAD_DIR"]) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    # Keep only the extension from the client's name: the name itself is never used as a path.
    suffix = "".join(Path(filename).suffixes[-2:])[:16].lower()
    suffix = "".join(ch for ch in suffix if ch.isalnum() or ch == ".")
    path = folder / f"upload{suffix}"
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as out:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise TooLarge(
                    f"The file exceeds the upload limit of {limit} bytes.", code="upload.too_large"
                )
            digest.update(chunk)
            out.write(chunk)
    return path, size, digest.hexdigest()


def create_upload(
    scope: Scope, stream, filename: str, form: dict, *, merge: GridMerge | None = None
) -> BoundaryUpload:
    """Store the file and check it cheaply now (hostile files get their 4xx here).

    The row is ``queued``: the caller commits it, then queues ``process_upload`` (or, on the
    command line, calls :func:`process` itself). With ``merge`` the file is an edit of that
    merge's draft (merge_edits.py): checked against the merge, staged into its draft.
    """
    county = scope.county_code
    if merge is None:
        policy.boundary_work(
            scope,
            policy.WRITE,
            county=scope.county_code,
            townships=(scope.township_code,),
            level=form["level"],
        )
    else:
        merge_edits.require_editable(scope, merge)
        form, county = merge_edits.edit_form(merge, form), merge.county_code
    level = form["level"]
    layer = layer_for(level, form.get("layer"))
    path, size, sha256 = save_stream(stream, filename)
    options = {k: form[k] for k in FILE_OPTIONS if form.get(k)}
    options["repair"] = bool(form.get("repair"))
    if merge is not None:
        options[merge_edits.MERGE_OPTION] = form[merge_edits.MERGE_OPTION]
    try:
        inspect_file(path, filename=filename, crs=options.get("crs"), limits=read_limits())
    except GeoInputError:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    upload = BoundaryUpload(
        level=level,
        layer=layer,
        county_code=county,
        filename=filename[:255],
        stored_path=str(path),
        size_bytes=size,
        sha256=sha256,
        options=options,
        status="queued",
        created_by=scope.user_id,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def get_upload(scope: Scope, upload_id: uuid.UUID) -> BoundaryUpload:
    upload = db.session.get(BoundaryUpload, upload_id)
    if upload is None:
        raise NotFound("upload not found", code="upload.not_found")
    access.check_upload(scope, policy.READ, upload)
    return upload


def list_uploads(scope: Scope, args: dict) -> tuple[list[BoundaryUpload], str | None]:
    stmt = select(BoundaryUpload).where(access.visible_uploads(scope))
    if "status" in args:
        stmt = stmt.where(BoundaryUpload.status == args["status"])
    stmt, size = keyset_page(
        stmt, [BoundaryUpload.created_at, BoundaryUpload.id], args.get("cursor"), args.get("limit")
    )
    rows = list(db.session.scalars(stmt))
    return split_page(rows, size, lambda u: [u.created_at.isoformat(), str(u.id)])


def _set(upload: BoundaryUpload, **values) -> None:
    for key, value in values.items():
        setattr(upload, key, value)
    db.session.flush()


def _in_one_transaction() -> None:
    """The default ``progress``: nothing becomes durable before the caller commits."""


def process(
    upload_id: str,
    scope: Scope | None = None,
    *,
    progress: Callable[[], None] = _in_one_transaction,
) -> BoundaryUpload | None:
    """Read, validate and stage an upload as a draft generation. Safe to run again.

    ``progress`` is called, outside any savepoint, after each step that the caller may make
    durable: the attempt being counted, then the file having been read. The Celery task passes a
    commit (a killed worker has used up its attempt; the upload page shows the progress); the
    command line passes nothing, so a dry run can roll everything back.
    """
    upload = db.session.get(BoundaryUpload, uuid.UUID(upload_id))
    if upload is None or upload.status not in ("queued", "processing"):
        return upload  # gone, or already finished by an earlier delivery
    if upload.attempts >= MAX_ATTEMPTS:
        _set(
            upload,
            status="failed",
            error=_problem("upload.too_many_attempts", "Processing kept failing."),
        )
        return upload
    _set(
        upload,
        status="processing",
        attempts=upload.attempts + 1,
        progress=0.05,
        started_at=datetime.now(UTC),
    )
    progress()
    # The uploader's real scope, not a county-wide one: a township admin's file that reaches
    # beyond its township is reported invalid (scope.outside), never staged.
    scope = scope or access.uploader_scope(upload)
    try:
        layer_file = _read(upload)  # no database writes
    except Exception as exc:  # noqa: BLE001  (every failure ends the upload; _fail logs ours)
        return _fail(upload, exc)
    _set(upload, progress=0.35)
    progress()
    try:
        # A savepoint: a failure drops this attempt's draft rows but keeps the upload row usable.
        with db.session.begin_nested():
            report, features = _validate(upload, layer_file, scope)
            generation_id = _stage_draft(upload, report, features, scope)
    except Exception as exc:  # noqa: BLE001  (as above)
        return _fail(upload, exc)
    # The draft rows and the final status commit together (the caller's next commit).
    _set(
        upload,
        status="validated" if report["ok"] else "invalid",
        progress=1.0,
        report=report,
        generation_id=generation_id,
        finished_at=datetime.now(UTC),
        error=None,
    )
    return upload


def _fail(upload: BoundaryUpload, exc: Exception) -> BoundaryUpload:
    """End the upload as failed: a bad file says why; anything else is logged as our fault."""
    if isinstance(exc, GeoInputError):
        error = _problem(exc.code, exc.detail, exc.status)
    elif isinstance(exc, DomainError):  # an edit whose merge was published meanwhile
        error = as_problem(exc)
    else:
        log.error("upload processing failed", exc_info=exc, extra={"upload": str(upload.id)})
        error = _problem("upload.processing_error", "Processing failed unexpectedly.", 500)
    _set(upload, status="failed", progress=1.0, finished_at=datetime.now(UTC), error=error)
    return upload


def _stage_draft(upload: BoundaryUpload, report: dict, features: list, scope: Scope) -> int | None:
    """Write the validated features into a draft generation (not committed here)."""
    if merge_edits.merge_of(upload) is not None:
        merge_edits.stage_edit(upload, report, features, scope)  # into the merge's draft
        return None
    if not report["ok"]:
        return None
    if upload.generation_id:  # a redelivered task: replace the earlier draft's rows
        store.clear_draft(upload.generation_id)
        generation_id = upload.generation_id
    else:
        generation_id = store.new_draft(
            level=upload.level,
            layer=upload.layer,
            county_code=upload.county_code,
            source="upload",
            user_id=upload.created_by,
        ).id
    store.write_features(generation_id, features)
    return generation_id


def _read(upload: BoundaryUpload):
    options = upload.options or {}
    return read_boundary_file(
        upload.stored_path,
        filename=upload.filename,
        crs=options.get("crs"),
        encoding=options.get("encoding"),
        code_field=options.get("code_field"),
        name_field=options.get("name_field"),
        parent_field=options.get("parent_field"),
        limits=read_limits(),
    )


def _validate(upload: BoundaryUpload, layer_file, scope: Scope):
    options = upload.options or {}
    cells = build_features(layer_file.features, upload.level, upload.layer)
    report, features = validate_features(
        cells,
        level=upload.level,
        layer=upload.layer,
        scope=scope,
        repair=bool(options.get("repair")),
        notes=layer_file.notes,
    )
    report["source"] = {
        "filename": upload.filename,
        "driver": layer_file.driver,
        "crs": layer_file.source_crs,
        "fields": layer_file.fields,
        "features": len(layer_file.features),
    }
    return report, features


def check_publishable(scope: Scope, upload: BoundaryUpload) -> None:
    """What publishing an upload needs, checked when it is asked for (a 4xx at once) and again
    by the job, on the upload as it is then."""
    access.check_upload(scope, policy.WRITE, upload)
    if upload.status == "published":
        return  # a retried publish: answered with what was published
    if merge_edits.merge_of(upload) is not None:
        raise Conflict(
            "This upload edited a merge's draft; publish the merge.", code="upload.merge_edit"
        )
    if upload.status in ("queued", "processing"):
        raise Conflict(
            "The upload is still being processed.",
            code="upload.not_ready",
            status_now=upload.status,
        )
    if upload.status != "validated" or upload.generation_id is None:
        errors = (upload.report or {}).get("summary", {}).get("errors")
        raise Conflict(
            "The validation report has errors; fix the file and upload it again.",
            code="upload.has_errors",
            status_now=upload.status,
            errors_count=errors,
        )
    access.check_draft(scope, upload.generation_id)  # the publisher's own scope, too


def publish_upload(
    scope: Scope, upload: BoundaryUpload, effective_from: date | None, description: str | None
) -> Generation:
    check_publishable(scope, upload)
    if upload.status == "published":
        return db.session.get(Generation, upload.generation_id)  # a retried publish
    generation = db.session.get(Generation, upload.generation_id)
    generation.description = description or f"{upload.level} upload {upload.filename}"
    generation.summary = (upload.report or {}).get("summary", {})
    store.publish(generation, user_id=scope.user_id, effective_from=effective_from)
    upload.status = "published"
    db.session.flush()
    return generation


STALE_AFTER = timedelta(minutes=30)


def requeue_stale(now: datetime | None = None) -> list[str]:
    """Uploads a lost worker left queued or processing: mark them queued again (or fail them).

    Celery redelivers an unacknowledged task only after the broker's visibility timeout, and a
    message lost with a crashed Redis is never redelivered; this sweep makes sure every upload ends.
    Returns the ids to queue; the caller commits first, so the worker finds them queued.
    """
    now = now or datetime.now(UTC)
    stale = db.session.scalars(
        select(BoundaryUpload).where(
            BoundaryUpload.status.in_(("queued", "processing")),
            BoundaryUpload.updated_at < now - STALE_AFTER,
        )
    ).all()
    requeued = []
    for upload in stale:
        if upload.attempts >= MAX_ATTEMPTS:
            upload.status = "failed"
            upload.finished_at = now
            upload.error = _problem("upload.too_many_attempts", "Processing kept failing.")
        else:
            upload.status = "queued"
            requeued.append(str(upload.id))
    db.session.flush()
    return requeued


def _problem(code: str, detail: str, status: int = 422) -> dict:
    return {"code": code, "detail": detail, "status": status}


def remove_file(upload: BoundaryUpload) -> None:
    folder = os.path.dirname(upload.stored_path)
    shutil.rmtree(folder, ignore_errors=True)


def import_local_file(path: Path, form: dict, *, publish: bool, scope: Scope = SHELL_SCOPE):
    """The upload pipeline on a local file (the CLI, the demo loader): (upload, generation or None).

    Validated in this process (nothing queued), in the caller's transaction: the caller commits,
    or rolls back for a dry run. ``publish`` makes a valid draft the new generation.
    """
    with open(path, "rb") as stream:
        upload = create_upload(scope, stream, path.name, form)
    upload = process(str(upload.id), scope) or upload
    generation = None
    if publish and upload.status == "validated":
        generation = publish_upload(scope, upload, None, form.get("description"))
    return upload, generation
