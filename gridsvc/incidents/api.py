"""Incidents endpoints: report, offline sync, read, list, events, feed, duplicate decisions."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_jwt_extended import current_user

from gridsvc.accounts import current_scope, roles_required
from gridsvc.geo.crs import features_to_datum
from gridsvc.http import Blueprint, body_limit, documents, require_if_match
from gridsvc.idempotency import idempotent
from gridsvc.incidents import duplicates, events, queries, reporting, sync
from gridsvc.incidents.queries import INCIDENT_READERS, incident_etag
from gridsvc.incidents.rendering import incident_dict, sync_dict
from gridsvc.incidents.schemas import (
    DuplicateDecisionIn,
    EventPage,
    FeedArgs,
    FeedOut,
    IncidentCollection,
    IncidentIn,
    IncidentListArgs,
    IncidentOut,
    IncidentPage,
    PageArgs,
    SyncIn,
    SyncOut,
)
from gridsvc.transactions import atomic

blp = Blueprint("incidents", __name__, description="Incident reports, offline sync, audit trail")

REPORTERS = ("grid_worker", "officer", "team_lead", "admin", "county_dispatcher")
READERS = INCIDENT_READERS
DUPLICATE_DECIDERS = ("county_dispatcher", "admin", "team_lead")
GEOJSON = "application/geo+json"


def _source(role: str) -> str:
    # Dispatchers and admins enter reports at a desk (hotline calls); everyone else from the app.
    return "web" if role in ("county_dispatcher", "admin") else "app"


@blp.route("/incidents")
class Incidents(MethodView):
    @roles_required(*REPORTERS)
    @body_limit("INCIDENT_MAX_BYTES")
    @idempotent
    @blp.arguments(IncidentIn)
    @blp.response(201, IncidentOut)
    def post(self, data):
        """Report an incident; resending the same client_id returns the first report (never a second)."""
        scope = current_scope()
        (result,) = reporting.report(scope, [data], _source(scope.role))
        if result.error is not None:
            raise result.error
        incident = result.incident
        headers = {"Location": f"/api/v1/incidents/{incident.id}", "ETag": incident_etag(incident)}
        if result.result == "replayed":
            headers["Idempotent-Replayed"] = "true"
        # IncidentOut documents the answer; the plain dict is the same, built 10x faster.
        return jsonify(incident_dict(incident)), 201, headers

    @roles_required(*READERS)
    @blp.arguments(IncidentListArgs, location="query")
    @blp.response(200, IncidentPage)
    @documents(200, IncidentCollection, content_type=GEOJSON)
    def get(self, args):
        """Incidents in the caller's scope, newest first; GeoJSON with format=geojson or Accept."""
        items, next_cursor = queries.list_incidents(current_scope(), args)
        wants_geojson = args.get("format") == "geojson" or (
            args.get("format") is None
            and request.accept_mimetypes.best_match(["application/json", GEOJSON]) == GEOJSON
        )
        if wants_geojson:
            return _feature_collection(items, next_cursor, args.get("crs"))
        return {"items": items, "next_cursor": next_cursor}


def _feature_collection(items, next_cursor, crs: str | None = None) -> Response:
    features = []
    for props in IncidentOut(many=True).dump(items):
        geometry = props.pop("location")
        features.append(
            {"type": "Feature", "id": props["id"], "geometry": geometry, "properties": props}
        )
    body = {"type": "FeatureCollection", "features": features, "next_cursor": next_cursor}
    response = current_app.json.response(features_to_datum(body, crs))
    response.mimetype = GEOJSON
    return response


@blp.route("/incidents/<int:incident_id>")
class IncidentItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, IncidentOut)
    def get(self, incident_id):
        """One incident with its ETag (If-None-Match answers 304 when unchanged)."""
        incident = queries.get_incident(current_scope(), incident_id)
        tag = incident_etag(incident)
        if request.if_none_match.contains(tag.strip('"')):
            return Response(status=304, headers={"ETag": tag})
        return incident, 200, {"ETag": tag}


@blp.route("/incidents/<int:incident_id>/events")
class IncidentEvents(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, EventPage)
    def get(self, args, incident_id):
        """The audit trail, oldest first: who changed what, when, from which status to which."""
        scope = current_scope()
        incident = queries.get_incident(scope, incident_id)
        items, next_cursor = events.list_events(scope, incident, args)
        return {"items": items, "next_cursor": next_cursor}


@blp.route("/incidents/<int:incident_id>/duplicate")
class DuplicateDecision(MethodView):
    @roles_required(*DUPLICATE_DECIDERS)
    @atomic
    @blp.arguments(DuplicateDecisionIn)
    @blp.response(200, IncidentOut)
    def post(self, data, incident_id):
        """Confirm (status duplicate, linked) or dismiss a probable duplicate; needs If-Match."""
        scope = current_scope()
        incident = queries.get_incident(scope, incident_id, for_update=True)
        require_if_match(incident_etag(incident))
        if data["decision"] == "confirm":
            duplicates.confirm_duplicate(
                scope, scope.user_id, incident, data.get("original_id"), data.get("note")
            )
        else:
            duplicates.dismiss_duplicate(scope, scope.user_id, incident, data.get("note"))
        return incident, 200, {"ETag": incident_etag(incident)}


@blp.route("/me/feed")
class Feed(MethodView):
    @roles_required(*READERS)
    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, FeedOut)
    def get(self, args):
        """Incidents in my grids (or reported by me) changed since `cursor`, for offline refresh."""
        return queries.feed(current_scope(), args.get("cursor"), args.get("limit"))


@blp.route("/sync")
class Sync(MethodView):
    @roles_required(*REPORTERS)
    @body_limit("SYNC_MAX_BYTES")
    @idempotent
    @blp.arguments(SyncIn)
    @blp.response(200, SyncOut)
    def post(self, data):
        """Offline batch: up to 100 incidents and 5,000 track points, one result each, in order;
        safe to resend whole."""
        batch = sync.sync_batch(
            current_scope(),
            current_user,
            data["incidents"],
            data["track_points"],
            data.get("track_crs"),
        )
        # SyncOut documents the answer; the plain dicts are the same (100 incidents' dumps
        # through marshmallow were a large part of a batch's time).
        return jsonify(sync_dict(batch))
