"""Workers endpoints: profiles, grid assignments, vacancies, balanced proposals, my grids."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user

from gridsvc.accounts import current_scope, roles_required
from gridsvc.boundaries import UNIFIED_LAYER
from gridsvc.geo.crs import features_to_datum
from gridsvc.http import Blueprint, documents, etag, require_if_match
from gridsvc.transactions import atomic
from gridsvc.workers import assignments, mine, profiles, proposals, vacancies
from gridsvc.workers.access import MANAGERS, READERS, READERS_AND_SELF
from gridsvc.workers.schemas import (
    AssignmentEnd,
    AssignmentIn,
    AssignmentListArgs,
    AssignmentOut,
    AssignmentPage,
    GridLayerArgs,
    MyGridCollection,
    MyGridsArgs,
    ProposalAccept,
    ProposalIn,
    ProposalOut,
    VacancyArgs,
    VacancyPage,
    WorkerCreate,
    WorkerListArgs,
    WorkerOut,
    WorkerPage,
    WorkerUpdate,
)

blp = Blueprint(
    "workers", __name__, description="Grid workers (网格员): profiles, assignments, proposals"
)


def _profile_etag(profile) -> str:
    return etag("worker", profile.user_id, profile.version)


@blp.route("/workers")
class Workers(MethodView):
    @roles_required(*READERS_AND_SELF)
    @blp.arguments(WorkerListArgs, location="query")
    @blp.response(200, WorkerPage)
    def get(self, args):
        """Worker profiles in the caller's scope, with their current grids (a worker: only their own)."""
        items, next_cursor = profiles.list_profiles(current_scope(), args)
        return {"items": items, "next_cursor": next_cursor}

    @roles_required(*MANAGERS)
    @atomic
    @blp.arguments(WorkerCreate)
    @blp.response(201, WorkerOut)
    def post(self, data):
        """Create the profile of a grid_worker account in the caller's scope (a retry returns it)."""
        profile = profiles.create_profile(current_scope(), data)
        return profile, 201, {"ETag": _profile_etag(profile)}


@blp.route("/workers/<int:user_id>")
class WorkerItem(MethodView):
    @roles_required(*READERS_AND_SELF)
    @blp.response(200, WorkerOut)
    def get(self, user_id):
        """One worker profile (404 outside the caller's scope, or another worker's)."""
        profile = profiles.get_profile(current_scope(), user_id)
        return profile, 200, {"ETag": _profile_etag(profile)}

    @roles_required(*MANAGERS)
    @atomic
    @blp.arguments(WorkerUpdate)
    @blp.response(200, WorkerOut)
    def patch(self, data, user_id):
        """Change employment (专职/兼职), phone, hire date, notes; needs If-Match."""
        scope = current_scope()
        profile = profiles.get_profile(scope, user_id)
        require_if_match(_profile_etag(profile))
        profile = profiles.update_profile(scope, profile, data)
        return profile, 200, {"ETag": _profile_etag(profile)}


@blp.route("/workers/<int:user_id>/assignments")
class WorkerAssignments(MethodView):
    @roles_required(*READERS_AND_SELF)
    @blp.arguments(AssignmentListArgs, location="query")
    @blp.response(200, AssignmentPage)
    def get(self, args, user_id):
        """A worker's assignment history, oldest first (``current=true`` for the grids held now)."""
        items, next_cursor = assignments.worker_assignments(current_scope(), user_id, args)
        return {"items": items, "next_cursor": next_cursor}


@blp.route("/grids/<string:code>/assignments")
class GridAssignments(MethodView):
    @roles_required(*READERS_AND_SELF)
    @blp.arguments(AssignmentListArgs, location="query")
    @blp.response(200, AssignmentPage)
    def get(self, args, code):
        """Who was responsible for this grid, when (history, oldest first)."""
        items, next_cursor = assignments.grid_assignments(current_scope(), code, args)
        return {"items": items, "next_cursor": next_cursor}

    @roles_required(*MANAGERS)
    @atomic
    @blp.arguments(GridLayerArgs, location="query")
    @blp.arguments(AssignmentIn)
    @blp.response(201, AssignmentOut)
    def post(self, query, data, code):
        """Assign a primary or secondary worker; a new primary closes the previous one (409
        ``assignment.primary_taken`` when another admin assigned the grid at the same moment)."""
        layer = query.get("layer") or UNIFIED_LAYER
        return assignments.assign(current_scope(), code, data, layer=layer)


@blp.route("/grids/<string:code>/assignments/<int:assignment_id>/end")
class EndAssignment(MethodView):
    @roles_required(*MANAGERS)
    @atomic
    @blp.arguments(AssignmentEnd)
    @blp.response(200, AssignmentOut)
    def post(self, data, code, assignment_id):
        """End an assignment (sets valid_to; history is kept). Ending it again changes nothing."""
        return assignments.end_assignment(current_scope(), code, assignment_id, data)


@blp.route("/assignments/vacancies")
class Vacancies(MethodView):
    @roles_required(*READERS)
    @blp.arguments(VacancyArgs, location="query")
    @blp.response(200, VacancyPage)
    def get(self, args):
        """Current grids without a primary worker, with the workers a boundary change proposes."""
        return vacancies.list_vacancies(current_scope(), args)


@blp.route("/assignments/proposals")
class Proposals(MethodView):
    @roles_required(*MANAGERS)
    @atomic
    @blp.arguments(ProposalIn)
    @blp.response(201, ProposalOut)
    def post(self, data):
        """Propose a balanced, contiguous assignment of a township's vacant grids to its workers."""
        proposal = proposals.create_proposal(current_scope(), data)
        return proposal, 201, {"ETag": etag("proposal", proposal.id, proposal.version)}


@blp.route("/assignments/proposals/<uuid:proposal_id>")
class ProposalItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ProposalOut)
    def get(self, proposal_id):
        """A stored proposal (proposed, accepted or superseded)."""
        proposal = proposals.get_proposal(current_scope(), proposal_id)
        return proposal, 200, {"ETag": etag("proposal", proposal.id, proposal.version)}


@blp.route("/assignments/proposals/<uuid:proposal_id>/accept")
class AcceptProposal(MethodView):
    @roles_required(*MANAGERS)
    @atomic
    @blp.arguments(ProposalAccept)
    @blp.response(200, ProposalOut)
    def post(self, data, proposal_id):
        """Create all the proposal's assignments (with optional grid→worker edits) at once.

        Retrying the same accept returns the accepted proposal; If-Match, when sent, is checked
        against the open proposal. 409 ``proposal.stale`` when a grid changed since,
        ``proposal.superseded`` for an old one, ``proposal.already_accepted`` for other edits.
        """
        scope = current_scope()
        proposal = proposals.get_proposal(scope, proposal_id)
        if proposal.status == "proposed" and request.headers.get("If-Match"):
            require_if_match(etag("proposal", proposal.id, proposal.version))
        proposal = proposals.accept_proposal(scope, proposal_id, data)
        return proposal, 200, {"ETag": etag("proposal", proposal.id, proposal.version)}


@blp.route("/me/grids")
class MyGrids(MethodView):
    @roles_required("grid_worker")
    @blp.arguments(MyGridsArgs, location="query")
    @blp.response(200)
    @documents(200, MyGridCollection)
    def get(self, args):
        """The grids I hold now (GeoJSON FeatureCollection with role, since, last patrolled)."""
        grids = mine.my_grids(current_user.id, args.get("layer") or UNIFIED_LAYER)
        return features_to_datum(grids, args.get("crs"))
