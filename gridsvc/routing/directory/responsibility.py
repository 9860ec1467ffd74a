"""The responsibility list (属地管理事项清单): entries, the version in force, CSV in and out.

A county publishes which party answers for each kind of incident: the township itself (属地), or a
county department whose power may be delegated (委托/延伸) to the townships, with cooperating
departments, deadlines and the legal basis. Entries change by new versions with a later
``effective_from``; an entry already in force is history that routing decisions cite, so it is
never edited or deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, text

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.localtime import SHANGHAI
from gridsvc.paging import keyset_page, split_page
from gridsvc.routing.directory.models import ResponsibilityEntry, Team

IN_FORCE_SQL = """
SELECT DISTINCT ON (e.category_code) e.id
FROM responsibility_entries e
WHERE e.county_code = :county AND e.effective_from <= :day
  AND (CAST(:category AS text) IS NULL OR e.category_code = :category)
ORDER BY e.category_code, e.effective_from DESC
"""


def today() -> date:
    """The calendar day in Asia/Shanghai: a list "in force from 1 Dec" starts at local midnight."""
    return datetime.now(SHANGHAI).date()


def category_names(codes: list[str] | None = None) -> dict[str, str]:
    rows = db.session.execute(
        text(
            "SELECT code, name_zh FROM categories"
            " WHERE CAST(:codes AS text[]) IS NULL OR code = ANY(:codes)"
        ),
        {"codes": codes},
    ).all()
    return dict(rows)


def in_force_ids(county: str, day: date, category: str | None = None) -> list[int]:
    return list(
        db.session.scalars(text(IN_FORCE_SQL), {"county": county, "day": day, "category": category})
    )


def entry_in_force(
    county: str, category: str, day: date | None = None
) -> ResponsibilityEntry | None:
    ids = in_force_ids(county, day or today(), category)
    return db.session.get(ResponsibilityEntry, ids[0]) if ids else None


def list_entries(scope: Scope, args: dict) -> list[ResponsibilityEntry]:
    """Every entry the filters select (the CSV export), by category and effective day."""
    stmt = _entries(scope, args)
    stmt = stmt.order_by(ResponsibilityEntry.category_code, ResponsibilityEntry.effective_from)
    return list(db.session.scalars(stmt))


def page_entries(scope: Scope, args: dict) -> tuple[list[ResponsibilityEntry], str | None]:
    """One cursor page of :func:`list_entries`, in the same order (id breaks ties)."""
    keys = [
        ResponsibilityEntry.category_code,
        ResponsibilityEntry.effective_from,
        ResponsibilityEntry.id,
    ]
    stmt, size = keyset_page(_entries(scope, args), keys, args.get("cursor"), args.get("limit"))
    rows = list(db.session.scalars(stmt))
    return split_page(rows, size, lambda e: [e.category_code, e.effective_from, e.id])


def _entries(scope: Scope, args: dict):
    county = scope.county_code or args.get("county")
    if not county:
        raise Invalid(
            "Name the county (county=).",
            code="routing.county_required",
            errors={"county": ["required for a global user"]},
        )
    stmt = select(ResponsibilityEntry).where(ResponsibilityEntry.county_code == county)
    if args.get("versions", "in_force") == "in_force":
        ids = in_force_ids(county, args.get("at") or today(), args.get("category"))
        stmt = stmt.where(ResponsibilityEntry.id.in_(ids))
    elif args.get("category"):
        stmt = stmt.where(ResponsibilityEntry.category_code == args["category"])
    return stmt


def get_entry(scope: Scope, entry_id: int) -> ResponsibilityEntry:
    entry = db.session.get(ResponsibilityEntry, entry_id)
    if entry is None:
        policy.hidden("responsibility")
    policy.county_rule(scope, policy.READ, county=entry.county_code, kind="responsibility")
    return entry


def check_parties(scope: Scope, county: str, data: dict) -> None:
    """The department named must be a county department of the entry's county; cooperating
    parties any team of it (township teams cooperate too), which the caller sees (one it does not
    see answers like one that does not exist)."""
    wanted = {i for i in [data.get("department_id"), *data.get("cooperating_ids", [])] if i}
    if not wanted:
        return
    found = {
        t.id: t
        for t in db.session.scalars(select(Team).where(Team.id.in_(wanted)))
        if t.county_code == county and policy.sees_county(scope, t.county_code)
    }
    errors = {}
    department = found.get(data.get("department_id"))
    if data.get("department_id") and (department is None or department.kind != "county_department"):
        errors["department_id"] = ["not a county department of this county"]
    # 协办 parties may be township teams too (a township cooperating with a department).
    bad = [i for i in data.get("cooperating_ids", []) if i not in found]
    if bad:
        errors["cooperating_ids"] = [f"not a team of this county: {bad}"]
    if data.get("department_id") in data.get("cooperating_ids", []):
        errors["cooperating_ids"] = ["the responsible department cannot also cooperate"]
    if errors:
        raise Invalid(
            "Unknown or unsuitable departments.",
            code="responsibility.unknown_department",
            errors=errors,
        )


def check_category(code: str) -> None:
    if code not in category_names([code]):
        raise Invalid(
            f"Unknown category {code}.",
            code="responsibility.unknown_category",
            errors={"category_code": ["not in the category catalog"]},
        )


def create_entry(scope: Scope, data: dict, *, user_id: int | None):
    county = policy.county_for_new(scope, data.pop("county_code", None))
    check_category(data["category_code"])
    check_parties(scope, county, data)
    clash = db.session.scalar(
        select(ResponsibilityEntry.id).where(
            ResponsibilityEntry.county_code == county,
            ResponsibilityEntry.category_code == data["category_code"],
            ResponsibilityEntry.effective_from == data["effective_from"],
        )
    )
    if clash:
        raise Conflict(
            f"Entry #{clash} already starts on that day for that category; edit it instead.",
            code="responsibility.version_exists",
            existing_id=clash,
        )
    entry = ResponsibilityEntry(county_code=county, created_by=user_id, **data)
    entry.cooperating_ids = list(data.get("cooperating_ids") or [])
    db.session.add(entry)
    db.session.flush()
    return entry


def _refuse_history(entry: ResponsibilityEntry) -> None:
    if entry.effective_from <= today():
        raise Conflict(
            "This entry is in force or was: it is history that routing decisions cite. "
            "Add a new version with a later effective_from instead.",
            code="responsibility.entry_in_force",
        )


def update_entry(scope: Scope, entry: ResponsibilityEntry, data: dict) -> ResponsibilityEntry:
    policy.county_rule(scope, policy.WRITE, county=entry.county_code, kind="responsibility")
    _refuse_history(entry)
    merged = {
        "department_id": data.get("department_id", entry.department_id),
        "cooperating_ids": data.get("cooperating_ids", entry.cooperating_ids),
    }
    check_parties(scope, entry.county_code, merged)
    kind = data.get("primary_kind", entry.primary_kind)
    if kind == "department" and not merged["department_id"]:
        raise Invalid(
            "A department entry names its department.",
            code="request.validation_failed",
            errors={"department_id": ["required when primary_kind is department"]},
        )
    if data.get("effective_from") and data["effective_from"] <= today():
        raise Invalid(
            "Edits cannot move an entry into force retroactively.",
            code="responsibility.effective_in_past",
            errors={"effective_from": ["must be after today"]},
        )
    for key, value in data.items():
        setattr(entry, key, value)
    db.session.flush()
    return entry


def delete_entry(scope: Scope, entry: ResponsibilityEntry) -> None:
    policy.county_rule(scope, policy.WRITE, county=entry.county_code, kind="responsibility")
    _refuse_history(entry)
    db.session.delete(entry)
    db.session.flush()


def entries_out(entries: list[ResponsibilityEntry]) -> list[dict]:
    names = category_names(sorted({e.category_code for e in entries}))
    team_ids = {e.department_id for e in entries if e.department_id}
    teams = {t.id: t.name for t in db.session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    in_force: set[int] = set()
    for county in {e.county_code for e in entries}:
        in_force.update(in_force_ids(county, today()))
    return [
        {
            "id": e.id,
            "county_code": e.county_code,
            "category_code": e.category_code,
            "category_name": names.get(e.category_code),
            "primary_kind": e.primary_kind,
            "department_id": e.department_id,
            "department_name": teams.get(e.department_id),
            "delegated": e.delegated,
            "cooperating_ids": list(e.cooperating_ids or []),
            "response_hours": e.response_hours,
            "resolution_hours": e.resolution_hours,
            "deadline_basis": e.deadline_basis,
            "legal_basis": e.legal_basis,
            "fixable_on_site": e.fixable_on_site,
            "effective_from": e.effective_from,
            "in_force": e.id in in_force,
            "created_at": e.created_at,
        }
        for e in entries
    ]
