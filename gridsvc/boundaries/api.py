"""Boundaries endpoints: uploads, generations, areas, grids, locate, grid merges."""

from __future__ import annotations

from flask import after_this_request
from flask.views import MethodView

from gridsvc.accounts import current_scope, policy, roles_required
from gridsvc.boundaries import (
    changes,
    crosswalk_export,
    inspection,
    merge_edits,
    merges,
    publish_jobs,
    queries,
    uploads,
)
from gridsvc.boundaries.schemas import (
    AreaFeature,
    AreaFeatureCollection,
    AreaListArgs,
    ChangeArgs,
    ChangeFeatureCollection,
    CrosswalkArgs,
    EditForm,
    GenerationArgs,
    GenerationOut,
    GridListArgs,
    InspectForm,
    InspectOut,
    ItemArgs,
    LocateArgs,
    LocateManyIn,
    LocateManyOut,
    LocationOut,
    MergeIn,
    MergeOut,
    PublishIn,
    PublishOut,
    UploadFile,
    UploadForm,
    UploadListArgs,
    UploadOut,
    UploadPage,
)
from gridsvc.boundaries.tasks import process_upload, run_merge, run_publish
from gridsvc.extensions import db
from gridsvc.geo.crs import features_to_datum, point_to_wgs84
from gridsvc.http import Blueprint, documents
from gridsvc.idempotency import idempotent
from gridsvc.lean import remember_accepted_caller
from gridsvc.transactions import atomic

blp = Blueprint("boundaries", __name__, description="Boundaries, generations, 多网合一 and locate")
EDITORS = policy.BOUNDARY_EDITORS  # the first gate; the policy decides the rest


@blp.route("/boundary-uploads")
class Uploads(MethodView):
    @roles_required(*EDITORS)
    @blp.arguments(UploadForm, location="form")
    @blp.arguments(UploadFile, location="files")
    @blp.response(202, UploadOut)
    def post(self, form, files):
        """Upload a boundary file (GeoJSON, zipped Shapefile, GeoPackage, KML); processed in the background."""
        upload = files["file"]
        created = uploads.create_upload(
            current_scope(), upload.stream, upload.filename or "upload", form
        )
        # Committed before it is queued, not after the response: the worker must find the row.
        db.session.commit()
        process_upload.delay(str(created.id))
        return created, 202, {"Location": f"/api/v1/boundary-uploads/{created.id}"}

    @roles_required(*EDITORS)
    @blp.arguments(UploadListArgs, location="query")
    @blp.response(200, UploadPage)
    def get(self, args):
        """Uploads in the caller's scope, newest last, cursor-paged."""
        items, next_cursor = uploads.list_uploads(current_scope(), args)
        return {"items": items, "next_cursor": next_cursor}


@blp.route("/boundary-uploads/inspect")
class UploadInspect(MethodView):
    @roles_required(*EDITORS)
    @blp.arguments(InspectForm, location="form")
    @blp.arguments(UploadFile, location="files")
    @blp.response(200, InspectOut)
    def post(self, form, files):
        """Look inside a boundary file before uploading it: columns with sample values, the
        columns an upload would pick for code / name / parent, layers, CRS. Nothing is stored."""
        upload = files["file"]
        return inspection.inspect_upload(
            current_scope(), upload.stream, upload.filename or "upload", form
        )


@blp.route("/boundary-uploads/<uuid:upload_id>")
class UploadItem(MethodView):
    @roles_required(*EDITORS)
    @blp.response(200, UploadOut)
    def get(self, upload_id):
        """Status, progress (0-1) and the validation report."""
        return uploads.get_upload(current_scope(), upload_id)


def _publish_job(source, data):
    """The 202 of a publish request: the job (a new one queued once committed, or the live one
    a retry finds) and where to poll it."""
    job, created = publish_jobs.request_publish(
        current_scope(), source, data.get("effective_from"), data.get("description")
    )
    job_id = str(job.id)

    @after_this_request
    def _queue(response):
        # After @atomic's commit: the worker must find the row. A retry queues nothing.
        if created and response.status_code == 202:
            run_publish.delay(job_id)
        return response

    return job, 202, {"Location": f"/api/v1/generation-publishes/{job_id}"}


@blp.route("/boundary-uploads/<uuid:upload_id>/publish")
class UploadPublish(MethodView):
    @roles_required(*EDITORS)
    @atomic
    @blp.arguments(PublishIn)
    @blp.response(202, PublishOut)
    def post(self, data, upload_id):
        """Publish a validated upload as a new generation, in the background: poll ``Location``
        until ``status`` is done (409 at once while the report has errors). Asking again
        answers the same job."""
        return _publish_job(uploads.get_upload(current_scope(), upload_id), data)


@blp.route("/generation-publishes/<uuid:publish_id>")
class PublishItem(MethodView):
    @roles_required(*EDITORS)
    @blp.response(200, PublishOut)
    def get(self, publish_id):
        """A publish job: queued, running, done (with the generation) or failed (with ``error``)."""
        return publish_jobs.get_publish(current_scope(), publish_id)


@blp.route("/generations")
class Generations(MethodView):
    @roles_required()
    @blp.arguments(GenerationArgs, location="query")
    @blp.response(200, GenerationOut(many=True))
    def get(self, args):
        """Boundary generations, newest first (draft, published, retired)."""
        return queries.list_generations(current_scope(), args)


@blp.route("/generations/<int:generation_id>/changes")
class GenerationChanges(MethodView):
    @roles_required()
    @blp.arguments(ChangeArgs, location="query")
    @blp.response(200)
    @documents(200, ChangeFeatureCollection)
    def get(self, args, generation_id):
        """What a generation changes: the areas or grids it added (or, a draft, would add),
        removed or changed (shape, name or parent) against those it replaced, each side a
        Feature. Drafts are readable by those who edit boundaries."""
        found = changes.generation_changes(current_scope(), generation_id, args)
        return features_to_datum(found, args.get("crs"))


@blp.route("/areas")
class Areas(MethodView):
    @roles_required()
    @blp.arguments(AreaListArgs, location="query")
    @blp.response(200)
    @documents(200, AreaFeatureCollection)
    def get(self, args):
        """Counties, townships and villages as a GeoJSON FeatureCollection (filter by level, parent)."""
        return features_to_datum(
            queries.list_areas(current_scope(), args, grids=False), args.get("crs")
        )


@blp.route("/areas/<string:code>")
class AreaItem(MethodView):
    @roles_required()
    @blp.arguments(ItemArgs, location="query")
    @blp.response(200)
    @documents(200, AreaFeature)
    def get(self, args, code):
        """One admin area as a GeoJSON Feature."""
        area = queries.get_area(current_scope(), code, grid=False, layer=None, args=args)
        return features_to_datum(area, args.get("crs"))


@blp.route("/grids")
class Grids(MethodView):
    @roles_required()
    @blp.arguments(GridListArgs, location="query")
    @blp.response(200)
    @documents(200, AreaFeatureCollection)
    def get(self, args):
        """Grid cells as a GeoJSON FeatureCollection (filter by village, township, bbox, layer)."""
        return features_to_datum(
            queries.list_areas(current_scope(), args, grids=True), args.get("crs")
        )


@blp.route("/grids/<string:code>")
class GridItem(MethodView):
    @roles_required()
    @blp.arguments(ItemArgs, location="query")
    @blp.response(200)
    @documents(200, AreaFeature)
    def get(self, args, code):
        """One grid cell as a GeoJSON Feature."""
        grid = queries.get_area(
            current_scope(), code, grid=True, layer=args.get("layer"), args=args
        )
        return features_to_datum(grid, args.get("crs"))


@blp.route("/grids/<string:code>/history")
class GridHistory(MethodView):
    @roles_required()
    @blp.arguments(ItemArgs, location="query")
    @blp.response(200)
    @documents(200, AreaFeatureCollection)
    def get(self, args, code):
        """Every version of a grid across generations."""
        history = queries.grid_history(current_scope(), code, args.get("layer"))
        return features_to_datum(history, args.get("crs"))


@blp.route("/locate")
class Locate(MethodView):
    @roles_required()
    @blp.arguments(LocateArgs, location="query")
    @blp.response(200)
    @documents(200, LocationOut)
    def get(self, args):
        """County / township / village / grid of a point (404 locate.outside_coverage outside)."""
        lon, lat = point_to_wgs84(args["lon"], args["lat"], args.get("crs"))
        number = queries.resolve_generation(args.get("at"), args.get("generation"))
        found = queries.locate(lon, lat, number=number, layer=args.get("layer") or "unified")
        # The lean path (fast_locate) may answer this token's next locates and boundary tiles:
        # both are open to any signed-in caller, tiles scoped to the county remembered here.
        remember_accepted_caller(current_scope().county_code)
        return found

    @roles_required()
    @blp.arguments(LocateManyIn)
    @blp.response(200)
    @documents(200, LocateManyOut)
    def post(self, data):
        """Locate many points at once (up to 10,000); results in request order."""
        points = [point_to_wgs84(p["lon"], p["lat"], data.get("crs")) for p in data["points"]]
        number = queries.resolve_generation(data.get("at"), data.get("generation"))
        found = queries.locate_many(points, number=number, layer=data.get("layer") or "unified")
        for point, result in zip(data["points"], found, strict=True):
            if "id" in point:
                result["id"] = point["id"]
        return {"results": found}


@blp.route("/grid-merges")
class Merges(MethodView):
    @roles_required(*EDITORS)
    @idempotent
    @blp.arguments(MergeIn)
    @blp.response(202, MergeOut)
    def post(self, data):
        """多网合一: crosswalk specialist layers to a proposed unified layer, or derive one as a
        draft. Runs in the background: poll ``Location`` until ``status`` is done or failed
        (Idempotency-Key honoured: a retry answers the first merge and queues nothing)."""
        merge, created = merges.create_merge(current_scope(), data)
        merge_id = str(merge.id)

        @after_this_request
        def _queue(response):
            # After the commit (@idempotent commits once the response is built): the worker
            # must find the row. A replay (Idempotency-Key, client_id) or a failure queues nothing.
            if created and response.status_code == 202:
                run_merge.delay(merge_id)
            return response

        return merge, 202, {"Location": f"/api/v1/grid-merges/{merge_id}"}


@blp.route("/grid-merges/<uuid:merge_id>")
class MergeItem(MethodView):
    @roles_required(*EDITORS)
    @blp.response(200, MergeOut)
    def get(self, merge_id):
        """A merge: its status (queued, running, done, failed with ``error``) and, once done,
        its report, crosswalk, draft generation and the edits uploaded as that draft."""
        return merge_edits.merge_page(current_scope(), merge_id)


@blp.route("/grid-merges/<uuid:merge_id>/crosswalk")
class MergeCrosswalk(MethodView):
    @roles_required(*EDITORS)
    @blp.arguments(CrosswalkArgs, location="query")
    @blp.response(200, content_type="text/csv")
    @documents(200, {"type": "string"}, content_type="text/csv")
    @documents(200, {"type": "string", "format": "binary"}, content_type=crosswalk_export.XLSX_TYPE)
    def get(self, args, merge_id):
        """The crosswalk as a download (``format=csv|xlsx``): a line per (specialist cell, unified
        grid) with the area and household shares; the XLSX adds the unified grids' side."""
        merge = merges.get_merge(current_scope(), merge_id)
        merges.require_done(merge)
        if args["format"] == "csv":
            return crosswalk_export.as_csv(merge)
        return crosswalk_export.as_xlsx(merge)


@blp.route("/grid-merges/<uuid:merge_id>/publish")
class MergePublish(MethodView):
    @roles_required(*EDITORS)
    @atomic
    @blp.arguments(PublishIn)
    @blp.response(202, PublishOut)
    def post(self, data, merge_id):
        """Publish the unified layer a merge derived, in the background: poll ``Location``
        (409 at once when it has errors or none was derived). Asking again answers the same job."""
        return _publish_job(merges.get_merge(current_scope(), merge_id), data)


@blp.route("/grid-merges/<uuid:merge_id>/edits")
class MergeEdits(MethodView):
    @roles_required(*EDITORS)
    @blp.arguments(EditForm, location="form")
    @blp.arguments(UploadFile, location="files")
    @blp.response(202, UploadOut)
    def post(self, form, files, merge_id):
        """Upload the merge's draft as edited in QGIS (the formats, limits and validation of
        ``POST /boundary-uploads``). Poll ``Location``: once validated, the draft is the edited
        layer and the crosswalk is recomputed; invalid, the previous draft stays (409 once the
        draft was published)."""
        scope = current_scope()
        upload = files["file"]
        created = uploads.create_upload(
            scope,
            upload.stream,
            upload.filename or "upload",
            form,
            merge=merges.get_merge(scope, merge_id),
        )
        # Committed before it is queued, not after the response: the worker must find the row.
        db.session.commit()
        process_upload.delay(str(created.id))
        return created, 202, {"Location": f"/api/v1/boundary-uploads/{created.id}"}
