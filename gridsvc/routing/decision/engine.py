"""The routing decision: a pure function from what is known about an incident to who must act.

Order (DESIGN.md §2, issues 6 and 16): a zone override → the responsibility list entry → the
township's team when the township holds the power and has a team → otherwise a 乡呼县应 call to the
responsible county department; no entry and no catalogue item → the county dispatcher's triage
queue. Whether a township holds a department's power is read from the catalogue of powers and
duties (权责事项, per township and date: :mod:`.catalogue`) when the category has items there, else
from the entry's county-wide ``delegated`` flag. Teams that returned the case
(退回) are skipped. Nothing here touches the database, so every branch is tested directly, and the
trace it returns is stored with the incident so anyone can see why a case went where it went.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from gridsvc.routing.decision.catalogue import ItemInfo, explain, holding_department
from gridsvc.routing.decision.offices import TeamInfo, ranked, township_team_ids

TOWNSHIP_TEAM = "township_team"
COUNTY_CALL = "county_call"
TRIAGE = "triage"


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name: str
    response_hours: float
    resolution_hours: float


@dataclass(frozen=True)
class EntryInfo:
    """The responsibility-list entry in force for the category in the incident's county."""

    id: int
    primary_kind: str  # township | department
    department_id: int | None
    delegated: bool
    cooperating_ids: tuple[int, ...] = ()
    response_hours: float | None = None
    resolution_hours: float | None = None
    deadline_basis: str = "natural"
    legal_basis: str | None = None


@dataclass(frozen=True)
class ZoneInfo:
    """A zone that contains the incident's point."""

    id: int
    name: str
    team_id: int
    priority: int
    category_codes: tuple[str, ...] | None = None  # None: every category


@dataclass(frozen=True)
class RoutingInput:
    category: CategoryInfo
    county_code: str
    township_code: str | None
    entry: EntryInfo | None
    zones: tuple[ZoneInfo, ...]
    teams: Mapping[int, TeamInfo]
    # township code -> ids of the teams serving it (or the one id)
    township_teams: Mapping[str, tuple[int, ...] | int]
    excluded_team_ids: frozenset[int] = frozenset()
    township_name: str | None = None  # for the trace; the code when unknown
    # Catalogue items (权责事项) covering the category, with their delegations in force on the day.
    items: tuple[ItemInfo, ...] = ()


@dataclass(frozen=True)
class Step:
    rule: str
    outcome: str
    message: str
    message_zh: str


@dataclass(frozen=True)
class Decision:
    target: str  # township_team | county_call | triage
    team_id: int | None  # the team that acts: township team, or the department of a call
    cooperating_ids: tuple[int, ...]
    response_hours: float
    resolution_hours: float
    deadline_basis: str
    entry_id: int | None
    zone_id: int | None
    reason: tuple[Step, ...] = field(default_factory=tuple)
    item_id: int | None = None  # the catalogue item that decided, when one did

    def as_dict(self, teams: Mapping[int, TeamInfo]) -> dict:
        """The stored and served form: target with team names, and the readable trace."""

        def team(team_id: int | None) -> dict | None:
            info = teams.get(team_id) if team_id is not None else None
            if info is None:
                return None
            return {"id": info.id, "code": info.code, "name": info.name, "kind": info.kind}

        return {
            "target": self.target,
            "team": team(self.team_id),
            "cooperating": [t for t in (team(i) for i in self.cooperating_ids) if t],
            "response_hours": self.response_hours,
            "resolution_hours": self.resolution_hours,
            "deadline_basis": self.deadline_basis,
            "entry_id": self.entry_id,
            "zone_id": self.zone_id,
            "item_id": self.item_id,
            "reason": [asdict(step) for step in self.reason],
        }


def decide(given: RoutingInput) -> Decision:
    """Route one incident; always returns a decision (triage when nobody fits)."""
    trace: list[Step] = []
    category = given.category
    entry = given.entry
    hours = _deadlines(category, entry)

    zone = _zone_override(given, trace)
    if zone is not None:
        team = given.teams[zone.team_id]
        target = TOWNSHIP_TEAM if team.kind == "township_team" else COUNTY_CALL
        return Decision(
            target, team.id, (), *hours, entry.id if entry else None, zone.id, (*trace,)
        )

    if entry is None and not given.items:
        trace.append(
            Step(
                "list",
                "missing",
                f"No responsibility-list entry for {category.code} {category.name} in county "
                f"{given.county_code}: the county dispatcher triages it.",
                f"属地管理事项清单中无“{category.name}”（{category.code}）事项：转区县指挥中心分拨。",
            )
        )
        return Decision(TRIAGE, None, (), *hours, None, None, (*trace,))

    entry_id = entry.id if entry else None
    cooperating_ids = entry.cooperating_ids if entry else ()
    by_catalogue = bool(given.items) and (entry is None or entry.primary_kind == "department")
    if entry is not None:
        trace.append(_entry_step(category, entry, given.teams, catalogue=by_catalogue))
    item_id = None
    if by_catalogue:
        held = _catalogue_step(given, trace)
        if held is not None:
            item_id = held.id
        township_holds = held is not None
        department_id = entry.department_id if entry else holding_department(given.items)
    else:
        township_holds = entry.primary_kind == "township" or entry.delegated
        department_id = entry.department_id
    if township_holds:
        item_code = next((i.code for i in given.items if i.id == item_id), None)
        team_id = _township_team(given, trace, item_code)
        if team_id is not None:
            return Decision(
                TOWNSHIP_TEAM,
                team_id,
                cooperating_ids,
                *hours,
                entry_id,
                None,
                (*trace,),
                item_id,
            )
    if department_id is not None:
        department = given.teams.get(department_id)
        usable = _usable(department, given.excluded_team_ids)
        if usable:
            trace.append(
                Step(
                    "county_call",
                    "matched",
                    f"Call the county (乡呼县应): {department.name} is responsible"
                    + (
                        f", with {_names(cooperating_ids, given.teams)} cooperating."
                        if cooperating_ids
                        else "."
                    ),
                    f"乡呼县应：由{department.name}承办"
                    + (
                        f"，{_names(cooperating_ids, given.teams, '、')}协办。"
                        if cooperating_ids
                        else "。"
                    ),
                )
            )
            cooperating = tuple(
                i for i in cooperating_ids if _usable(given.teams.get(i), given.excluded_team_ids)
            )
            return Decision(
                COUNTY_CALL, department.id, cooperating, *hours, entry_id, None, (*trace,), item_id
            )
        trace.append(_unusable_step("department", department, department_id, given))
    trace.append(
        Step(
            "triage",
            "matched",
            "Nobody on the list can take it: the county dispatcher triages it.",
            "清单内无可承办单位：转区县指挥中心分拨。",
        )
    )
    return Decision(TRIAGE, None, (), *hours, entry_id, None, (*trace,), item_id)


def _deadlines(category: CategoryInfo, entry: EntryInfo | None) -> tuple[float, float, str]:
    if entry is None:
        return category.response_hours, category.resolution_hours, "natural"
    return (
        entry.response_hours if entry.response_hours is not None else category.response_hours,
        entry.resolution_hours if entry.resolution_hours is not None else category.resolution_hours,
        entry.deadline_basis,
    )


def _usable(team: TeamInfo | None, excluded: frozenset[int]) -> bool:
    return team is not None and team.active and team.id not in excluded


def _names(ids: tuple[int, ...], teams: Mapping[int, TeamInfo], sep: str = ", ") -> str:
    return sep.join(teams[i].name for i in ids if i in teams)


def _zone_override(given: RoutingInput, trace: list[Step]) -> ZoneInfo | None:
    code = given.category.code
    for zone in sorted(given.zones, key=lambda z: (z.priority, z.id)):
        if zone.category_codes is not None and code not in zone.category_codes:
            continue
        team = given.teams.get(zone.team_id)
        if not _usable(team, given.excluded_team_ids):
            trace.append(_unusable_step("zone", team, zone.team_id, given, zone=zone))
            continue
        trace.append(
            Step(
                "zone",
                "matched",
                f"The point lies in zone “{zone.name}” (priority {zone.priority}), "
                f"handled by {team.name}: the zone overrides the list.",
                f"位于“{zone.name}”区域（优先级 {zone.priority}），由{team.name}负责，优先于清单。",
            )
        )
        return zone
    if given.zones:
        trace.append(
            Step(
                "zone",
                "none",
                f"No zone at this point takes category {code}.",
                f"所在区域均不受理“{given.category.name}”。",
            )
        )
    return None


def _entry_step(
    category: CategoryInfo, entry: EntryInfo, teams: Mapping[int, TeamInfo], *, catalogue: bool
) -> Step:
    if entry.primary_kind == "township":
        return Step(
            "list",
            "township",
            f"Responsibility list entry #{entry.id}: {category.name} is the township's duty (属地).",
            f"清单第 {entry.id} 项：“{category.name}”属乡镇（街道）属地管理事项。",
        )
    department = teams.get(entry.department_id) if entry.department_id else None
    name = department.name if department else f"department #{entry.department_id}"
    if catalogue:
        return Step(
            "list",
            "department",
            f"Responsibility list entry #{entry.id}: {name} holds the power; the catalogue of "
            "powers and duties says which townships it is delegated to.",
            f"清单第 {entry.id} 项：执法权在{name}，是否下放以权责事项清单为准。",
        )
    if entry.delegated:
        return Step(
            "list",
            "delegated",
            f"Responsibility list entry #{entry.id}: {name} holds the power and has delegated it "
            "to the townships (委托/延伸).",
            f"清单第 {entry.id} 项：{name}的执法权已委托（延伸）至乡镇（街道）。",
        )
    return Step(
        "list",
        "department",
        f"Responsibility list entry #{entry.id}: {name} holds the power; it is not delegated.",
        f"清单第 {entry.id} 项：执法权在{name}，未下放乡镇（街道）。",
    )


def _catalogue_step(given: RoutingInput, trace: list[Step]) -> ItemInfo | None:
    """Say which catalogue item the township holds, and how; None when it holds none."""
    township, township_zh = _township_labels(given)
    item, outcome, message, message_zh = explain(
        given.items, given.township_code, given.category.name, township, township_zh
    )
    trace.append(Step("catalogue", outcome, message, message_zh))
    return item


def _township_labels(given: RoutingInput) -> tuple[str, str]:
    """How the trace names the township, in English and in Chinese."""
    if given.township_name:
        return f"{given.township_name} ({given.township_code})", given.township_name
    return f"township {given.township_code}", f"乡镇（街道）{given.township_code}"


def _township_team(given: RoutingInput, trace: list[Step], item_code: str | None) -> int | None:
    township, township_zh = _township_labels(given)
    teams = [
        given.teams[i]
        for i in township_team_ids(given.township_teams, given.township_code)
        if i in given.teams
    ]
    handling = ranked(teams, given.category.code, item_code)
    for team, why in handling:
        if not _usable(team, given.excluded_team_ids):
            continue
        how, how_zh = {
            "item": (f" for catalogue item {item_code}", f"（承接事项{item_code}）"),
            "category": (f" for {given.category.name}", f"（负责“{given.category.name}”）"),
            "general": ("", ""),
        }[why]
        parent = given.teams.get(team.parent_department_id) if team.parent_department_id else None
        stationed = f", stationed there by {parent.name}" if parent else ""
        stationed_zh = f"（{parent.name}派驻）" if parent else ""
        trace.append(
            Step(
                "township_team",
                "matched",
                f"{township[0].upper()}{township[1:]} holds the power and {team.name} serves it"
                f"{how}{stationed}.",
                f"{township_zh}有权处置，由{team.name}{stationed_zh}{how_zh}承办。",
            )
        )
        return team.id
    first = handling[0][0] if handling else None
    trace.append(_unusable_step("township_team", first, first.id if first else None, given))
    return None


def _unusable_step(
    rule: str,
    team: TeamInfo | None,
    team_id: int | None,
    given: RoutingInput,
    *,
    zone: ZoneInfo | None = None,
) -> Step:
    where = f"zone “{zone.name}”: " if zone else ""
    where_zh = f"“{zone.name}”区域：" if zone else ""
    if team is None and rule == "township_team":
        township, township_zh = _township_labels(given)
        return Step(
            rule,
            "no_team",
            f"{township[0].upper()}{township[1:]} has no enforcement team.",
            f"{township_zh}未设综合行政执法队。",
        )
    if team is None:
        return Step(
            rule,
            "unknown_team",
            f"{where}team #{team_id} does not exist.",
            f"{where_zh}单位 #{team_id} 不存在。",
        )
    if team.id in given.excluded_team_ids:
        return Step(
            rule,
            "returned",
            f"{where}{team.name} returned this case (退回), so it is skipped.",
            f"{where_zh}{team.name}已退回本案，不再派给该单位。",
        )
    return Step(
        rule,
        "inactive",
        f"{where}{team.name} is inactive.",
        f"{where_zh}{team.name}已停用。",
    )
