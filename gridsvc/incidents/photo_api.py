"""Photo endpoints: upload, list, and the cleaned copy and thumbnail, scoped like the incident."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest.fields import Upload
from marshmallow import Schema

from gridsvc.accounts import current_scope, roles_required
from gridsvc.http import Blueprint, body_limit, documents
from gridsvc.idempotency import idempotent
from gridsvc.incidents import photos, queries
from gridsvc.incidents.api import READERS
from gridsvc.incidents.handoff import router
from gridsvc.incidents.queries import incident_etag
from gridsvc.incidents.schemas import PhotoForm, PhotoOut, PhotoUploadOut

blp = Blueprint("photos", __name__, description="Incident photos")

MULTIPART_OVERHEAD = 64 * 1024  # form fields and part headers around the file


class PhotoFile(Schema):
    file = Upload(required=True)


@blp.route("/incidents/<int:incident_id>/photos")
class Photos(MethodView):
    @roles_required(*READERS)
    @body_limit("PHOTO_MAX_BYTES", extra=MULTIPART_OVERHEAD)
    @idempotent
    @blp.arguments(PhotoForm, location="form")
    @blp.arguments(PhotoFile, location="files")
    @blp.response(201, PhotoUploadOut)
    @blp.alt_response(200, schema=PhotoUploadOut, description="The same photo was sent before")
    def post(self, form, files, incident_id):
        """Attach a JPEG, PNG or WebP photo (multipart `file`, `kind`); the same bytes again: 200.

        The answer is the photo plus `incident`: its status, ETag and on-the-spot state after
        the upload (a report filed with `resolved_on_site` closes with its last photo)."""
        scope = current_scope()
        incident = queries.get_incident(scope, incident_id)
        photo, created = photos.add_photo(scope, incident, form["kind"], files["file"].stream)
        # A report filed with resolved_on_site closes (自处置) with its last before/after photo.
        on_site = router().photo_added(scope, incident)
        location = f"/api/v1/incidents/{incident_id}/photos/{photo.id}"
        # The incident's ETag goes in the body, not the ETag header: that header would name the
        # photo (the resource at Location), whose own tag is its content hash.
        answer = {
            **PhotoOut().dump(photo),
            "incident": {
                "id": incident.id,
                "status": incident.status,
                "etag": incident_etag(incident),
                "url": f"/api/v1/incidents/{incident.id}",
                "on_site": on_site,
            },
        }
        # PhotoUploadOut documents the answer; the photo's part is PhotoOut's own dump.
        return jsonify(answer), 201 if created else 200, {"Location": location}

    @roles_required(*READERS)
    @blp.response(200, PhotoOut(many=True))
    def get(self, incident_id):
        """The incident's photos (metadata and links)."""
        incident = queries.get_incident(current_scope(), incident_id)
        return photos.list_photos(incident)


BINARY = {"type": "string", "format": "binary"}


def _image(incident_id: int, photo_id: int, variant: str) -> Response:
    incident = queries.get_incident(current_scope(), incident_id)
    photo = photos.get_photo(incident, photo_id)
    # Content-addressed: the bytes behind this tag never change.
    tag = f"{photo.sha256[:32]}-{variant}"
    headers = {"ETag": f'"{tag}"', "Cache-Control": "private, max-age=31536000, immutable"}
    if request.if_none_match.contains(tag):
        return Response(status=304, headers=headers)
    data, content_type = photos.read_variant(photo, variant)
    return Response(data, mimetype=content_type, headers=headers)


@blp.route("/incidents/<int:incident_id>/photos/<int:photo_id>")
class PhotoItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, description="The photo, re-encoded without EXIF/GPS")
    @documents(200, BINARY, content_type="image/jpeg")
    @documents(200, BINARY, content_type="image/png")
    @documents(200, BINARY, content_type="image/webp")
    def get(self, incident_id, photo_id):
        """The served copy: orientation applied, no metadata, at most PHOTO_SERVED_MAX_PX."""
        return _image(incident_id, photo_id, "served")


@blp.route("/incidents/<int:incident_id>/photos/<int:photo_id>/thumbnail")
class PhotoThumbnail(MethodView):
    @roles_required(*READERS)
    @blp.response(200, description="A JPEG thumbnail, about 320 px")
    @documents(200, BINARY, content_type="image/jpeg")
    def get(self, incident_id, photo_id):
        """A small JPEG for lists and maps."""
        return _image(incident_id, photo_id, "thumbnail")
