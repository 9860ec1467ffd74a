"""The figures of one case, as assessment counts them (the rules live here, once).

**The period rule.** A case belongs to the Beijing day it was received (``incidents.received_at``,
the instant its deadlines count from), and so to every period holding that day. Its figures are
read *as of its day's settlement*: the end of that day plus ``ASSESSMENT_SETTLE_DAYS`` (30), or now
while that lies ahead. What happens to the case after its settlement does not count, and once
settled a day's figures are stored and never recomputed unless an admin asks
(:mod:`gridsvc.assessment.daily`). A period's figures are the sum of its days', whatever the
period: a month is exactly its days, a year its months.

**应结案 (due).** A filed case (立案) whose resolution deadline — the one in force, moved by an
approved extension or restarted by a rework — fell due by its as-of instant, or that was closed
(结案) by then: a case closed early is due as well, so 结案率 never exceeds 100 %.

Hours are counted on the case's own deadline basis (natural hours, or working hours on the
county's office calendar), from the moment the case was received, as its deadlines were, and to
the minute (rounded), as the platforms record them. Counting to the minute also keeps a year's
distinct values few, which is how :mod:`gridsvc.assessment.aggregate` reads percentiles fast.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from gridsvc.accounts import Scope
from gridsvc.extensions import db
from gridsvc.incidents import Incident
from gridsvc.localtime import SHANGHAI
from gridsvc.routing import Call, Case, ResponsibilityEntry, Team, hours_between, office_calendar

COUNTS = (
    "reported",
    "taken",
    "filed",
    "dispatched",
    "due",
    "closed",
    "closed_on_time",
    "reworked",
    "extended",
    "returned",
    "response_overdue",
    "resolution_overdue",
    "calls",
    "calls_rejected",
    "calls_on_time",
    "not_called",
    "fixed_on_site",
)
CLOSED = ("closed", "evaluated")
NOT_A_CASE = ("rejected", "duplicate")  # decided at intake: the response ends with them


def to_the_minute(hours: float) -> float:
    """Hours rounded to the whole minute (the same double for the same minute, every time)."""
    return round(hours * 60) / 60


@dataclass
class CaseFacts:
    incident_id: int
    county_code: str
    day: date
    township_code: str | None
    township_name: str | None
    team_id: int | None
    department_id: int | None
    grid_code: str | None
    worker_id: int
    reported: int = 1
    taken: int = 0  # 受理: not a confirmed duplicate
    filed: int = 0  # 立案
    dispatched: int = 0  # 派遣
    due: int = 0  # 应结案
    closed: int = 0  # 结案
    closed_on_time: int = 0  # 按期结案
    reworked: int = 0  # 返工 (a due case reopened at least once)
    extended: int = 0  # 延期 (a due case with at least one approved extension)
    returned: int = 0  # 退回 (returned at least once)
    response_overdue: int = 0
    resolution_overdue: int = 0
    calls: int = 0
    calls_rejected: int = 0  # 乱呼叫
    calls_on_time: int = 0
    not_called: int = 0  # 不呼叫
    fixed_on_site: int = 0  # 自处置 (fixed on the spot by the grid worker who reported it)
    response_hours: float | None = None
    resolution_hours: float | None = None


def _before(moment: datetime | None, as_of: datetime) -> bool:
    return moment is not None and moment <= as_of


def settles_at(received: datetime) -> datetime:
    """When a case received at ``received`` settles: its Beijing day's end plus the settle days."""
    day = received.astimezone(SHANGHAI).date()
    days = current_app.config["ASSESSMENT_SETTLE_DAYS"] + 1
    return datetime.combine(day + timedelta(days=days), time(0), SHANGHAI)


def case_rows(scope: Scope, start: datetime, end: datetime, filters: dict, where=()):
    """Cases received in ``[start, end)`` inside the caller's scope, with their incident."""
    stmt = (
        select(Case, Incident.received_at, Incident.grid_code, Incident.reporter_id,
               Incident.category_code, Incident.place_names)
        .join(Incident, Incident.id == Case.incident_id)
        .where(
            scope.where(Case.county_code, Case.township_code),
            Incident.received_at >= start,
            Incident.received_at < end,
            *where,
        )
        .order_by(Case.incident_id)
    )  # fmt: skip
    if filters.get("county"):
        stmt = stmt.where(Case.county_code == filters["county"])
    county = filters.get("county") or scope.county_code
    if county:
        # A case's county is its incident's (intake copies it): said on the incident's side too,
        # the receipt period is read by ix_incidents_county_received, not by scanning the county.
        stmt = stmt.where(Incident.county_code == county)
    if filters.get("township"):
        stmt = stmt.where(Case.township_code == filters["township"])
    if filters.get("team_id"):
        stmt = stmt.where(Case.team_id == filters["team_id"])
    return db.session.execute(stmt).all(), stmt


def compute(
    scope: Scope, start: datetime, end: datetime, now: datetime, filters: dict, where=()
) -> list[CaseFacts]:
    """The facts of every case received in ``[start, end)``, each read as of its settlement."""
    rows, stmt = case_rows(scope, start, end, filters, where)
    if not rows:
        return []
    ids = stmt.with_only_columns(Case.incident_id).order_by(None).scalar_subquery()
    calls: dict[int, list[Call]] = defaultdict(list)
    for call in db.session.scalars(select(Call).where(Call.incident_id.in_(ids)).order_by(Call.id)):
        calls[call.incident_id].append(call)
    counties = {r.Case.county_code for r in rows}
    teams = county_teams(counties)
    entries = _entries(counties)
    calendar = office_calendar(min(r.received_at for r in rows))
    facts = []
    for r in rows:
        as_of = min(now, settles_at(r.received_at))
        made = [c for c in calls[r.Case.incident_id] if c.called_at <= as_of]
        facts.append(case_facts(r, made, teams, entries, calendar, as_of))
    return facts


def county_teams(counties) -> dict[int, Team]:
    return {t.id: t for t in db.session.scalars(select(Team).where(Team.county_code.in_(counties)))}


def _entries(counties) -> dict[tuple[str, str], list[ResponsibilityEntry]]:
    """The responsibility list of the counties, every version, newest first per category."""
    found: dict[tuple[str, str], list[ResponsibilityEntry]] = defaultdict(list)
    for entry in db.session.scalars(
        select(ResponsibilityEntry)
        .where(ResponsibilityEntry.county_code.in_(counties))
        .order_by(ResponsibilityEntry.effective_from.desc())
    ):
        found[(entry.county_code, entry.category_code)].append(entry)
    return found


def _in_force(versions: list[ResponsibilityEntry], day: date) -> ResponsibilityEntry | None:
    return next((e for e in versions if e.effective_from <= day), None)


def case_facts(row, calls, teams, entries, calendar, as_of: datetime) -> CaseFacts:
    case: Case = row.Case
    received = row.received_at
    basis = case.deadline_basis
    township_kind = {i for i, t in teams.items() if t.kind == "township_team"}
    facts = CaseFacts(
        incident_id=case.incident_id,
        county_code=case.county_code,
        day=received.astimezone(SHANGHAI).date(),
        township_code=case.township_code,
        township_name=(row.place_names or {}).get("township"),
        team_id=case.team_id,
        department_id=_department(case, calls, teams),
        grid_code=row.grid_code,
        worker_id=row.reporter_id,
    )
    closed_by = case.closed_at if _before(case.closed_at, as_of) else None
    status_closed = closed_by is not None and case.status in CLOSED
    facts.taken = int(not (closed_by is not None and case.status == "duplicate"))
    filed = _before(case.accepted_at, as_of)
    facts.filed = int(filed)
    facts.returned = int(case.return_count > 0)
    # The response ends when the case is filed, or turned down (rejected / a duplicate).
    decided = case.accepted_at if filed else (closed_by if case.status in NOT_A_CASE else None)
    facts.response_overdue = int((decided or as_of) > case.response_due_at)
    if filed:
        facts.response_hours = to_the_minute(
            hours_between(received, case.accepted_at, basis, calendar)
        )
        facts.dispatched = int(_before(case.dispatched_at, as_of))
        resolved = case.resolved_at if _before(case.resolved_at, as_of) else None
        facts.resolution_overdue = int((resolved or as_of) > case.resolution_due_at)
        if resolved is not None:
            facts.resolution_hours = to_the_minute(
                hours_between(received, resolved, basis, calendar)
            )
        facts.due = int(status_closed or case.resolution_due_at <= as_of)
        if facts.due:
            facts.closed = int(status_closed)
            facts.closed_on_time = int(
                status_closed and resolved is not None and resolved <= case.resolution_due_at
            )
            facts.reworked = int(case.reopen_count > 0)
            facts.extended = int(case.extension_count > 0)
    # 自处置 counts once the worker's fix is recorded, sampled for confirmation or not.
    facts.fixed_on_site = int(case.on_site and _before(case.resolved_at, as_of))
    facts.calls = len(calls)
    facts.calls_rejected = sum(c.status == "rejected" for c in calls)
    facts.calls_on_time = sum(_answered_on_time(c, as_of) for c in calls)
    facts.not_called = int(_not_called(case, row, calls, entries, township_kind, facts))
    return facts


def _department(case: Case, calls: list[Call], teams: dict) -> int | None:
    """The county department answerable for the case: its call's lead, or the handling team."""
    for call in reversed(calls):
        if call.status != "rejected" and call.primary_department_id is not None:
            return call.primary_department_id
    team = teams.get(case.team_id)
    return team.id if team is not None and team.kind == "county_department" else None


def _answered_on_time(call: Call, as_of: datetime) -> bool:
    """按时响应: the county accepted in time and the department responded in time."""
    return (
        _before(call.accepted_at, as_of)
        and call.accepted_at <= call.accept_due_at
        and _before(call.responded_at, as_of)
        and call.respond_due_at is not None
        and call.responded_at <= call.respond_due_at
    )


def _not_called(case, row, calls, entries, township_teams, facts: CaseFacts) -> bool:
    """不呼叫: a township team returned the case, or let it run overdue, on a power the list keeps
    with a county department (not delegated), and the township never called the county."""
    if any(c.origin == "township" for c in calls):
        return False
    day = row.received_at.astimezone(SHANGHAI).date()
    entry = _in_force(entries.get((case.county_code, row.category_code), []), day)
    if entry is None or entry.primary_kind != "department" or entry.delegated:
        return False
    returned = bool(set(case.returned_by or []) & township_teams)
    overdue_here = case.team_id in township_teams and (
        facts.response_overdue or facts.resolution_overdue
    )
    return returned or overdue_here
