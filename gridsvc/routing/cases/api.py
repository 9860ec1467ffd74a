"""Endpoints of the case workflow: actions, the case view, 乡呼县应 calls, queues, supervision."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import current_user

from gridsvc.accounts import current_scope, policy, roles_required
from gridsvc.errors import Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.geojson import GEOJSON
from gridsvc.http import Blueprint, body_limit, documents, etag, require_if_match
from gridsvc.idempotency import idempotent
from gridsvc.incidents import get_incident, incident_etag
from gridsvc.routing.cases import call_actions, calls, field_tasks, queue, workflow
from gridsvc.routing.cases import view as cases
from gridsvc.routing.cases.models import Case
from gridsvc.routing.cases.schemas import (
    ActionIn,
    CallActionIn,
    CallIn,
    CallListArgs,
    CallOut,
    CallPage,
    CaseOut,
    NoticeListArgs,
    NoticeOut,
    NoticePage,
    QueueArgs,
    QueueCollection,
    TaskArgs,
    TaskCollection,
    TriageArgs,
)
from gridsvc.routing.deadlines import supervision
from gridsvc.transactions import atomic

blp = Blueprint("cases", __name__, description="Case workflow, 乡呼县应 calls, queues, 督办")
COUNTY_DESK = ("admin", "county_dispatcher", "supervisor")


def _case(incident_id: int, *, for_update: bool = False):
    incident = get_incident(current_scope(), incident_id, for_update=for_update)
    case = db.session.get(Case, incident.id)
    return incident, case


@blp.route("/incidents/<int:incident_id>/actions")
class IncidentActions(MethodView):
    @roles_required()
    @body_limit("INCIDENT_MAX_BYTES")
    @atomic
    @blp.arguments(ActionIn)
    @blp.response(200, CaseOut)
    def post(self, data, incident_id):
        """Move the case on (accept, dispatch, start, resolve, verify, close, return, …); If-Match."""
        incident, case = _case(incident_id, for_update=True)
        require_if_match(incident_etag(incident))
        if case is None:
            raise NotFound("This incident has no case yet.", code="case.not_found")
        if data["action"] == "call_county":
            if not data.get("note"):
                raise Invalid(
                    "Say why the county is called.",
                    code="workflow.note_required",
                    errors={"note": ["required for call_county"]},
                )
            calls.create_call(
                current_user,
                incident,
                case,
                {"reason": data["note"], **_only(data, "department_id")},
            )
        else:
            workflow.act(current_scope(), current_user, incident, data)
        return cases.view(current_user, incident, case), 200, {"ETag": incident_etag(incident)}


def _only(data: dict, *keys: str) -> dict:
    return {k: data[k] for k in keys if k in data}


@blp.route("/incidents/<int:incident_id>/case")
class IncidentCase(MethodView):
    @roles_required(*policy.INCIDENT_READERS)
    @blp.response(200, CaseOut)
    def get(self, incident_id):
        """Who handles the case, its deadlines, counters and the actions open to the caller."""
        incident, case = _case(incident_id)
        if case is None:
            raise NotFound("This incident has no case yet.", code="case.not_found")
        return cases.view(current_user, incident, case), 200, {"ETag": incident_etag(incident)}


def _call_response(call, status: int = 200):
    return call, status, {"ETag": etag("call", call.id, call.version)}


@blp.route("/calls")
class Calls(MethodView):
    @roles_required(*policy.INCIDENT_READERS)
    @blp.arguments(CallListArgs, location="query")
    @blp.response(200, CallPage)
    def get(self, args):
        """乡呼县应 calls in the caller's scope, newest first."""
        items, next_cursor = calls.list_calls(current_scope(), args)
        return {"items": items, "next_cursor": next_cursor}

    @roles_required("team_lead", "admin")
    @body_limit("INCIDENT_MAX_BYTES")
    @idempotent
    @blp.arguments(CallIn)
    @blp.response(201, CallOut)
    def post(self, data):
        """A township team lead calls the county about a case (Idempotency-Key honoured)."""
        incident, case = _case(data["incident_id"], for_update=True)
        if case is None:
            raise NotFound("This incident has no case yet.", code="case.not_found")
        call = calls.create_call(current_user, incident, case, data)
        return _call_response(call, 201)


@blp.route("/calls/<int:call_id>")
class CallItem(MethodView):
    @roles_required(*policy.INCIDENT_READERS)
    @blp.response(200, CallOut)
    def get(self, call_id):
        """One call."""
        return _call_response(calls.get_call(current_scope(), call_id))


@blp.route("/calls/<int:call_id>/actions")
class CallActions(MethodView):
    @roles_required(*policy.INCIDENT_READERS)
    @body_limit("INCIDENT_MAX_BYTES")
    @atomic
    @blp.arguments(CallActionIn)
    @blp.response(200, CallOut)
    def post(self, data, call_id):
        """accept, reject, analyse, dispatch, respond, rate_department, rate_township; If-Match."""
        scope = current_scope()
        call = calls.get_call(scope, call_id, for_update=True)
        require_if_match(etag("call", call.id, call.version))
        incident = get_incident(scope, call.incident_id, for_update=True)
        case = db.session.get(Case, incident.id)
        call_actions.act_on_call(current_user, call, incident, case, data)
        db.session.flush()
        return _call_response(call)


def _geojson(page: queue.QueuePage, crs: str | None = None) -> Response:
    return Response(page.to_json(crs), mimetype=GEOJSON)


@blp.route("/teams/<int:team_id>/queue")
class TeamQueue(MethodView):
    @roles_required()
    @blp.arguments(QueueArgs, location="query")
    @blp.response(200)
    @documents(200, QueueCollection, content_type=GEOJSON)
    def get(self, args, team_id):
        """The team's open cases as GeoJSON, soonest deadline first, with counts by status."""
        return _geojson(queue.team_queue(current_user, team_id, args), args.get("crs"))


@blp.route("/me/tasks")
class MyTasks(MethodView):
    @roles_required("grid_worker")
    @blp.arguments(TaskArgs, location="query")
    @blp.response(200)
    @documents(200, TaskCollection, content_type=GEOJSON)
    def get(self, args):
        """The grid worker's to-do list as GeoJSON: fixes to verify, closed reports to evaluate."""
        page = queue.QueuePage(field_tasks.my_tasks(current_user.id), {})
        return _geojson(page, args.get("crs"))


@blp.route("/triage")
class TriageQueue(MethodView):
    @roles_required(*COUNTY_DESK)
    @blp.arguments(TriageArgs, location="query")
    @blp.response(200)
    @documents(200, QueueCollection, content_type=GEOJSON)
    def get(self, args):
        """Cases no team holds yet (triage, calls not yet dispatched), as GeoJSON.

        A county's staff read their own county; a global admin (no county) names one in
        ``county`` — the console's desk asks them to pick it.
        """
        scope = current_scope()
        county = args.get("county") or scope.county_code
        if not county:
            raise Invalid("The triage queue is per county.", code="routing.county_required")
        if scope.county_code and county != scope.county_code:
            # Another county is out of scope: it reads as absent, as everywhere else.
            raise NotFound(f"county {county} not found", code="county.not_found")
        if not (policy.county_desk(scope, county) or policy.supervises(scope, county)):
            policy.forbidden("The triage queue is the county desk's.")
        return _geojson(queue.triage_queue(current_user, county, args), args.get("crs"))


@blp.route("/supervision-notices")
class Notices(MethodView):
    @roles_required(*policy.INCIDENT_READERS)
    @blp.arguments(NoticeListArgs, location="query")
    @blp.response(200, NoticePage)
    def get(self, args):
        """督办 notices in the caller's scope (a team's members see their team's), newest first."""
        items, next_cursor = supervision.list_notices(current_user, current_scope(), args)
        return {"items": items, "next_cursor": next_cursor}


@blp.route("/supervision-notices/<int:notice_id>/acknowledge")
class NoticeAck(MethodView):
    @roles_required(*policy.INCIDENT_READERS)
    @atomic
    @blp.response(200, NoticeOut)
    def post(self, notice_id):
        """Acknowledge a notice (idempotent: the first acknowledgement stands)."""
        return supervision.acknowledge(current_user, current_scope(), notice_id)
