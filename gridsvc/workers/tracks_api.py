"""Patrol endpoints: track upload, a worker's day (figures and GeoJSON), township summaries."""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from flask_jwt_extended import current_user

from gridsvc.accounts import current_scope, roles_required
from gridsvc.geo.crs import normalize_crs
from gridsvc.http import Blueprint, documents
from gridsvc.localtime import SHANGHAI
from gridsvc.transactions import atomic
from gridsvc.workers import patrols
from gridsvc.workers.access import READERS, READERS_AND_SELF
from gridsvc.workers.schemas import (
    DayArgs,
    PatrolDay,
    PatrolSummary,
    SummaryArgs,
    TrackBatchIn,
    TrackBatchOut,
    TrackDay,
)
from gridsvc.workers.tracks import ingest_track_points

blp = Blueprint("patrols", __name__, description="Patrol tracks (巡查轨迹) and patrol figures")


def _day(args: dict):
    return args.get("date") or datetime.now(SHANGHAI).date()


@blp.route("/tracks")
class Tracks(MethodView):
    @roles_required("grid_worker")
    @atomic
    @blp.arguments(TrackBatchIn)
    @blp.response(200, TrackBatchOut)
    def post(self, data):
        """Upload a batch of my GPS points (up to TRACK_MAX_POINTS, 5,000 by default).

        Batch size for the app: send at least 100 points per request (a point every 30 s is a
        request every 50 minutes or more; at 500 points a request costs the server little more
        than storing the rows), and at most TRACK_MAX_POINTS. Offline, keep the points and send
        them in such batches when the network is back (points up to TRACK_MAX_AGE_DAYS old are
        accepted). Single points or batches of ten cost ten times more per point.

        Always 200 when the batch itself is acceptable: ``created`` new points, ``replayed``
        points already stored (same worker and ``t`` — a retried upload stores nothing twice),
        ``rejected`` points listed in ``errors`` by index with a problem code
        (``track.future_time``, ``track.too_old``, ``track.bad_time``, ``coordinates.swapped``,
        ``coordinates.out_of_range``, ``crs.unknown`` …). Implausible points (GPS jumps, poor
        accuracy) are stored and flagged. 413 ``track.too_many_points``; 422 ``crs.unknown`` for
        the batch's crs.
        """
        normalize_crs(data.get("crs"))  # a bad batch crs refuses the whole request
        results = ingest_track_points(current_user, data["points"], data.get("crs"))
        errors = [
            {"index": i, **r["problem"]} for i, r in enumerate(results) if r["status"] == "error"
        ]
        created = sum(1 for r in results if r["status"] == "created")
        return {
            "received": len(results),
            "created": created,
            "replayed": len(results) - created - len(errors),
            "rejected": len(errors),
            "errors": errors,
        }


@blp.route("/workers/<int:user_id>/patrols")
class WorkerPatrols(MethodView):
    @roles_required(*READERS_AND_SELF)
    @blp.arguments(DayArgs, location="query")
    @blp.response(200, PatrolDay)
    def get(self, args, user_id):
        """A worker's patrol figures for one day: distance, time on patrol and inside the assigned
        grids, coverage per grid, out-of-grid alerts, when each grid was last patrolled.

        Days whose raw points were dropped (older than TRACK_RETENTION_MONTHS) answer from the
        stored day summaries, with the same figures."""
        return patrols.worker_day(current_scope(), user_id, _day(args))


@blp.route("/workers/<int:user_id>/tracks")
class WorkerTrack(MethodView):
    @roles_required(*READERS_AND_SELF)
    @blp.arguments(DayArgs, location="query")
    @blp.response(200)
    @documents(200, TrackDay)
    def get(self, args, user_id):
        """A worker's track of one day as GeoJSON (walked lines; flagged points separately)."""
        return patrols.worker_track(current_scope(), user_id, _day(args))


@blp.route("/patrols/summary")
class PatrolSummaryView(MethodView):
    @roles_required(*READERS)
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, PatrolSummary)
    def get(self, args):
        """A township's day: figures per worker, per grid, and the grids nobody patrolled."""
        return patrols.township_summary(current_scope(), args["township"], _day(args))
