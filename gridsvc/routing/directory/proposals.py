"""Proposals to the responsibility list: a township admin proposes, the county admin decides.

The proposed entry is checked as an entry would be (category, departments the proposer sees) when
it is filed, and again when it is accepted (the directory may have changed): accepting creates
the new version through the same service as ``POST /responsibility-list``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.paging import keyset_page, split_page
from gridsvc.routing.directory.proposal_models import ListProposal, ListProposalEvent
from gridsvc.routing.directory.responsibility import (
    check_category,
    check_parties,
    create_entry,
    today,
)


def _event(proposal: ListProposal, event: str, actor_id, reason=None, **detail) -> None:
    db.session.add(
        ListProposalEvent(
            proposal_id=proposal.id,
            event=event,
            actor_id=actor_id,
            reason=reason,
            detail=detail,
        )
    )


def _future(day: date) -> None:
    if day <= today():
        raise Invalid(
            "A proposed version starts after today (entries in force are history).",
            code="proposal.effective_in_past",
            errors={"effective_from": ["must be after today"]},
        )


def propose(scope: Scope, data: dict, *, user_id: int | None) -> ListProposal:
    policy.list_proposal(scope, "propose", county=scope.county_code, township=scope.township_code)
    county = scope.township_code[:6]
    entry = {k: v for k, v in data.items() if k not in ("reason", "category_code")}
    check_category(data["category_code"])
    check_parties(scope, county, entry)
    _future(entry["effective_from"])
    entry["effective_from"] = entry["effective_from"].isoformat()
    proposal = ListProposal(
        county_code=county,
        township_code=scope.township_code,
        category_code=data["category_code"],
        entry=entry,
        reason=data["reason"],
        proposed_by=user_id,
    )
    db.session.add(proposal)
    db.session.flush()
    _event(proposal, "proposed", user_id, data["reason"], entry=entry)
    db.session.flush()
    return proposal


def get_proposal(scope: Scope, proposal_id: int) -> ListProposal:
    proposal = db.session.get(ListProposal, proposal_id)
    if proposal is None:
        policy.hidden("proposal")
    policy.list_proposal(
        scope, policy.READ, county=proposal.county_code, township=proposal.township_code
    )
    return proposal


def list_proposals(scope: Scope, args: dict) -> tuple[list[ListProposal], str | None]:
    policy.require_role(scope, ("admin",))
    stmt = select(ListProposal).where(
        scope.where(ListProposal.county_code, ListProposal.township_code)
    )
    if args.get("status"):
        stmt = stmt.where(ListProposal.status == args["status"])
    stmt, size = keyset_page(stmt, [ListProposal.id], args.get("cursor"), args.get("limit"))
    return split_page(list(db.session.scalars(stmt)), size, lambda p: [p.id])


def _pending(proposal: ListProposal) -> None:
    if proposal.status != "pending":
        raise Conflict(
            f"The proposal was already {proposal.status}.", code="proposal.already_decided"
        )


def accept(scope: Scope, proposal: ListProposal, data: dict, *, user_id: int | None):
    policy.list_proposal(
        scope, "decide", county=proposal.county_code, township=proposal.township_code
    )
    _pending(proposal)
    entry = dict(proposal.entry)
    entry["effective_from"] = data.get("effective_from") or date.fromisoformat(
        entry["effective_from"]
    )
    _future(entry["effective_from"])
    made = create_entry(
        scope,
        {**entry, "category_code": proposal.category_code, "county_code": proposal.county_code},
        user_id=user_id,
    )
    proposal.status, proposal.entry_id = "accepted", made.id
    proposal.decided_by, proposal.decided_at = user_id, datetime.now(UTC)
    proposal.decision_reason = data.get("reason")
    _event(proposal, "accepted", user_id, data.get("reason"), entry_id=made.id)
    db.session.flush()
    return proposal


def reject(scope: Scope, proposal: ListProposal, data: dict, *, user_id: int | None):
    policy.list_proposal(
        scope, "decide", county=proposal.county_code, township=proposal.township_code
    )
    _pending(proposal)
    proposal.status = "rejected"
    proposal.decided_by, proposal.decided_at = user_id, datetime.now(UTC)
    proposal.decision_reason = data["reason"]
    _event(proposal, "rejected", user_id, data["reason"])
    db.session.flush()
    return proposal


def proposals_out(proposals: list[ListProposal]) -> list[dict]:
    ids = [p.id for p in proposals]
    events: dict[int, list[dict]] = {i: [] for i in ids}
    for e in db.session.scalars(
        select(ListProposalEvent)
        .where(ListProposalEvent.proposal_id.in_(ids))
        .order_by(ListProposalEvent.id)
    ):
        events[e.proposal_id].append(
            {"event": e.event, "actor_id": e.actor_id, "reason": e.reason, "at": e.at}
        )
    return [
        {
            "id": p.id,
            "county_code": p.county_code,
            "township_code": p.township_code,
            "category_code": p.category_code,
            "entry": p.entry,
            "reason": p.reason,
            "status": p.status,
            "proposed_by": p.proposed_by,
            "decided_by": p.decided_by,
            "decided_at": p.decided_at,
            "decision_reason": p.decision_reason,
            "entry_id": p.entry_id,
            "created_at": p.created_at,
            "events": events[p.id],
        }
        for p in proposals
    ]
