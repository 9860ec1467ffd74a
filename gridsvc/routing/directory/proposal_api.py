"""Endpoints of proposals to the responsibility list (建议权): file, read, accept, reject."""

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user
from marshmallow import Schema, fields, validate

from gridsvc.accounts import current_scope, roles_required
from gridsvc.http import Blueprint
from gridsvc.routing.directory import proposals
from gridsvc.routing.directory.schemas import EntryIn, PageArgs
from gridsvc.transactions import atomic

blp = Blueprint("proposals", __name__, description="Proposals to the responsibility list (建议权)")
REASON = validate.Length(1, 2000)


class ListProposalIn(EntryIn):
    """The entry a township wants (a new version from ``effective_from``), and why."""

    class Meta:
        exclude = ("county_code",)

    reason = fields.String(required=True, validate=REASON)


class ListProposalArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(("pending", "accepted", "rejected")))


class ListProposalAcceptIn(Schema):
    reason = fields.String(validate=REASON)
    effective_from = fields.Date(metadata={"description": "another start date than proposed"})


class ListProposalRejectIn(Schema):
    reason = fields.String(required=True, validate=REASON)


class ListProposalOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    township_code = fields.String()
    category_code = fields.String()
    entry = fields.Dict()
    reason = fields.String()
    status = fields.String()
    proposed_by = fields.Integer(allow_none=True)
    decided_by = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    entry_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    events = fields.List(fields.Dict())


class ListProposalPage(Schema):
    items = fields.List(fields.Nested(ListProposalOut))
    next_cursor = fields.String(allow_none=True)


def _one(proposal, status: int = 200):
    return proposals.proposals_out([proposal])[0], status


@blp.route("/list-proposals")
class Proposals(MethodView):
    @roles_required("admin")
    @blp.arguments(ListProposalArgs, location="query")
    @blp.response(200, ListProposalPage)
    def get(self, args):
        """The proposals the caller may read: a township's own, or the whole county's."""
        items, next_cursor = proposals.list_proposals(current_scope(), args)
        return {"items": proposals.proposals_out(items), "next_cursor": next_cursor}

    @roles_required("admin")
    @atomic
    @blp.arguments(ListProposalIn)
    @blp.response(201, ListProposalOut)
    def post(self, data):
        """A township admin proposes a new version of a list entry, with a reason."""
        return _one(proposals.propose(current_scope(), data, user_id=current_user.id), 201)


@blp.route("/list-proposals/<int:proposal_id>")
class ProposalItem(MethodView):
    @roles_required("admin")
    @blp.response(200, ListProposalOut)
    def get(self, proposal_id):
        """One proposal with its audit trail."""
        return _one(proposals.get_proposal(current_scope(), proposal_id))


@blp.route("/list-proposals/<int:proposal_id>/accept")
class ProposalAccept(MethodView):
    @roles_required("admin")
    @atomic
    @blp.arguments(ListProposalAcceptIn)
    @blp.response(200, ListProposalOut)
    def post(self, data, proposal_id):
        """The county accepts: the proposal becomes a new version of the list."""
        scope = current_scope()
        proposal = proposals.get_proposal(scope, proposal_id)
        return _one(proposals.accept(scope, proposal, data, user_id=current_user.id))


@blp.route("/list-proposals/<int:proposal_id>/reject")
class ProposalReject(MethodView):
    @roles_required("admin")
    @atomic
    @blp.arguments(ListProposalRejectIn)
    @blp.response(200, ListProposalOut)
    def post(self, data, proposal_id):
        """The county rejects, with a reason."""
        scope = current_scope()
        proposal = proposals.get_proposal(scope, proposal_id)
        return _one(proposals.reject(scope, proposal, data, user_id=current_user.id))
