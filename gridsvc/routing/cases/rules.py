"""The case workflow as data (DESIGN.md §4, GB/T 30428's case loop): which action moves a case
from which status to which, and who may take it.

``who`` names the party inside the allowed roles, checked by :mod:`gridsvc.routing.cases.workflow`:

- ``handler``  — a member of the team handling the case (its lead for lead-only actions);
- ``county``   — the county's dispatchers (and its county-level admins: ``policy.county_desk``);
- ``field``    — the grid worker of the incident's grid, or the worker who reported it;
- ``supervisor`` — the county's supervisors (and its county-level admins: ``policy.supervises``);
- ``cooperator`` — a member of a cooperating team (协办) of a joint case.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN_WORK = ("dispatched", "in_progress", "reopened")


@dataclass(frozen=True)
class Rule:
    action: str
    from_statuses: tuple[str, ...]
    to_status: str | None  # None: the status stays
    who: tuple[str, ...]
    lead_only: bool = False
    needs_note: bool = False


RULES: dict[str, Rule] = {
    r.action: r
    for r in (
        Rule("accept", ("reported",), "accepted", ("handler", "county"), lead_only=True),
        Rule(
            "reject",
            ("reported",),
            "rejected",
            ("handler", "county"),
            lead_only=True,
            needs_note=True,
        ),
        Rule(
            "mark_duplicate",
            ("reported", "accepted"),
            "duplicate",
            ("handler", "county"),
            lead_only=True,
        ),
        Rule(
            "dismiss_duplicate",
            ("reported", "accepted"),
            None,
            ("handler", "county"),
            lead_only=True,
        ),
        Rule(
            "dispatch",
            ("accepted", "reopened"),
            "dispatched",
            ("handler", "county"),
            lead_only=True,
        ),
        Rule("assign", ("accepted", *OPEN_WORK), None, ("handler", "county"), lead_only=True),
        Rule("start", ("dispatched", "reopened"), "in_progress", ("handler",)),
        Rule("resolve", ("in_progress",), "resolved", ("handler",)),
        Rule("verify", ("resolved",), "verified", ("field",)),
        Rule("fail_verification", ("resolved",), "reopened", ("field",), needs_note=True),
        Rule("close", ("verified",), "closed", ("handler", "county"), lead_only=True),
        # 自处置: the field worker fixed it on the spot (before and after photos); closed, or
        # for a sampled one, left verified for the team lead to confirm with ``close``.
        Rule("fix_on_site", ("reported",), None, ("field",)),
        # 协办: a cooperating party records its part (note, photos); the status stays.
        Rule(
            "assist",
            ("accepted", *OPEN_WORK, "resolved", "verified"),
            None,
            ("cooperator",),
            needs_note=True,
        ),
        Rule("evaluate", ("closed",), "evaluated", ("field", "county", "supervisor")),
        Rule(
            "return",
            ("reported", "accepted", "dispatched", "in_progress"),
            None,  # back to reported or accepted, with the next party (see workflow.return_case)
            ("handler",),
            lead_only=True,
            needs_note=True,
        ),
        Rule("request_extension", OPEN_WORK, None, ("handler",), lead_only=True, needs_note=True),
        Rule("approve_extension", OPEN_WORK, None, ("county", "supervisor")),
        Rule("deny_extension", OPEN_WORK, None, ("county", "supervisor"), needs_note=True),
    )
}

# Which roles can be which party; the county and supervisor parties are the accounts policy's
# (``county_desk``, ``supervises``), which also require a county-level scope.
PARTY_ROLES = {
    "handler": ("team_lead", "officer", "department_handler"),
    "field": ("grid_worker",),
}
LEADS = ("team_lead", "department_handler")


def actions_from(status: str) -> list[str]:
    """Every action the workflow allows from ``status`` (whoever may take it)."""
    return [name for name, rule in RULES.items() if status in rule.from_statuses]


# 乡呼县应 calls: action -> (statuses it starts from, status it leads to, who)
CALL_RULES = {
    "accept": (("called",), "accepted", "county"),
    "reject": (("called",), "rejected", "county"),
    "analyse": (("accepted",), "analysed", "county"),
    "dispatch": (("analysed",), "dispatched", "county"),
    "respond": (("dispatched",), "responded", "department"),
    "rate_department": (("completed",), None, "township"),
    "rate_township": (("completed",), None, "department"),
}


def allowed_call_actions(call) -> list[str]:
    """The call actions its status allows (who may take them is checked by call_actions)."""
    return [name for name, (starts, _to, _who) in CALL_RULES.items() if call.status in starts]
