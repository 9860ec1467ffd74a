"""The catalogue of powers and duties (权责事项) and its delegation to townships.

A county's 权责清单 lists items: code, name, legal basis, domain, kind, the department that holds
the power, and the incident categories it covers. Which townships hold an item is a delegation
row from a date on, to every township (township_code NULL, the one-line default) or to one
(pilot towns), in a form: 委托 entrusted, 延伸 extended, 赋权 granted, or withdrawn (收回). Rows in
force are history that routing decisions cite: a change is a new row with a later date.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import any_, select, text

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.paging import keyset_page, split_page
from gridsvc.routing.directory.models import ItemDelegation, PowerItem, Team
from gridsvc.routing.directory.responsibility import category_names, today

TOWNSHIPS_SQL = """
SELECT code, name FROM areas
WHERE level = 'township' AND layer = 'admin' AND gen_from IS NOT NULL AND gen_to IS NULL
  AND code LIKE :county || '%'
"""
DELEGATIONS_IN_FORCE_SQL = """
SELECT DISTINCT ON (d.item_id, d.township_code) d.id
FROM item_delegations d
WHERE d.item_id = ANY(:items) AND d.effective_from <= :day
ORDER BY d.item_id, d.township_code, d.effective_from DESC
"""


def county_townships(county: str) -> dict[str, str]:
    """The county's current townships: code -> name."""
    return dict(db.session.execute(text(TOWNSHIPS_SQL), {"county": county}).all())


def departments_of(county: str) -> dict[int, Team]:
    return {
        t.id: t
        for t in db.session.scalars(
            select(Team).where(Team.county_code == county, Team.kind == "county_department")
        )
    }


def _county(scope: Scope, args: dict) -> str:
    county = scope.county_code or args.get("county")
    if not county:
        raise Invalid(
            "Name the county (county=).",
            code="routing.county_required",
            errors={"county": ["required for a global user"]},
        )
    return county


def list_items(scope: Scope, args: dict) -> tuple[list[PowerItem], str | None]:
    stmt = select(PowerItem).where(PowerItem.county_code == _county(scope, args))
    if args.get("category"):
        stmt = stmt.where(any_(PowerItem.category_codes) == args["category"])
    if args.get("kind"):
        stmt = stmt.where(PowerItem.kind == args["kind"])
    stmt, size = keyset_page(stmt, [PowerItem.id], args.get("cursor"), args.get("limit"))
    return split_page(list(db.session.scalars(stmt)), size, lambda i: [i.id])


def all_items(county: str) -> list[PowerItem]:
    return list(
        db.session.scalars(
            select(PowerItem).where(PowerItem.county_code == county).order_by(PowerItem.code)
        )
    )


def get_item(scope: Scope, item_id: int) -> PowerItem:
    item = db.session.get(PowerItem, item_id)
    if item is None:
        policy.hidden("power_item")
    policy.county_rule(scope, policy.READ, county=item.county_code, kind="power_item")
    return item


def check_item(scope: Scope, county: str, data: dict) -> None:
    """The holding department is a department of the county the caller sees; categories exist."""
    department_id = data.get("department_id")
    if department_id is not None:
        team = db.session.get(Team, department_id)
        if team is None or not policy.sees_county(scope, team.county_code):
            raise Invalid(
                "Unknown department.",
                code="responsibility.unknown_department",
                errors={"department_id": ["not a county department of this county"]},
            )
        if team.county_code != county or team.kind != "county_department":
            raise Invalid(
                "The holder must be a county department of the item's county.",
                code="responsibility.unknown_department",
                errors={"department_id": ["not a county department of this county"]},
            )
    codes = data.get("category_codes") or []
    unknown = sorted(set(codes) - set(category_names(list(codes))))
    if unknown:
        raise Invalid(
            f"Unknown categories: {', '.join(unknown)}.",
            code="responsibility.unknown_category",
            errors={"category_codes": [f"not in the category catalog: {unknown}"]},
        )


def create_item(scope: Scope, data: dict, *, user_id: int | None) -> PowerItem:
    county = policy.county_for_new(scope, data.pop("county_code", None))
    check_item(scope, county, data)
    clash = db.session.scalar(
        select(PowerItem.id).where(PowerItem.county_code == county, PowerItem.code == data["code"])
    )
    if clash:
        raise Conflict(
            f"Item #{clash} already has the code {data['code']}.",
            code="catalogue.item_exists",
            existing_id=clash,
        )
    item = PowerItem(county_code=county, created_by=user_id, **data)
    item.category_codes = sorted(set(data.get("category_codes") or []))
    db.session.add(item)
    db.session.flush()
    return item


def update_item(scope: Scope, item: PowerItem, data: dict) -> PowerItem:
    """Names, basis, domain, kind, holder and categories change in place: the delegation rows
    carry the dated history routing cites."""
    policy.county_rule(scope, policy.WRITE, county=item.county_code, kind="power_item")
    check_item(scope, item.county_code, data)
    for key, value in data.items():
        setattr(item, key, sorted(set(value)) if key == "category_codes" else value)
    db.session.flush()
    return item


def delegations(item: PowerItem) -> list[ItemDelegation]:
    return list(
        db.session.scalars(
            select(ItemDelegation)
            .where(ItemDelegation.item_id == item.id)
            .order_by(ItemDelegation.effective_from, ItemDelegation.township_code)
        )
    )


def check_townships(county: str, townships: list[str] | None) -> None:
    if not townships:
        return
    known = county_townships(county)
    unknown = sorted(set(townships) - set(known))
    if unknown:
        raise Invalid(
            f"Not a current township of county {county}: {', '.join(unknown)}.",
            code="catalogue.unknown_township",
            errors={"townships": [f"not a current township of the county: {unknown}"]},
        )


def delegate(
    scope: Scope,
    item: PowerItem,
    *,
    townships: list[str] | None,
    form: str,
    effective_from: date,
    batch: str | None,
    user_id: int | None,
) -> list[ItemDelegation]:
    """Add delegation rows (townships None: all of them); the same row again changes nothing."""
    policy.county_rule(scope, policy.WRITE, county=item.county_code, kind="power_item")
    check_townships(item.county_code, townships)
    made = []
    for township in townships or [None]:
        existing = db.session.scalar(
            select(ItemDelegation).where(
                ItemDelegation.item_id == item.id,
                ItemDelegation.effective_from == effective_from,
                ItemDelegation.township_code.is_(None)
                if township is None
                else ItemDelegation.township_code == township,
            )
        )
        if existing is not None:
            if (existing.form, existing.batch) != (form, batch):
                raise Conflict(
                    f"Delegation #{existing.id} already starts on that day for that township "
                    "with another form or batch; use another effective date.",
                    code="catalogue.delegation_exists",
                    existing_id=existing.id,
                )
            made.append(existing)
            continue
        row = ItemDelegation(
            county_code=item.county_code,
            item_id=item.id,
            township_code=township,
            form=form,
            effective_from=effective_from,
            batch=batch,
            created_by=user_id,
        )
        db.session.add(row)
        made.append(row)
    db.session.flush()
    return made


def in_force_ids(item_ids: list[int], day: date | None = None) -> set[int]:
    if not item_ids:
        return set()
    return set(
        db.session.scalars(
            text(DELEGATIONS_IN_FORCE_SQL), {"items": item_ids, "day": day or today()}
        )
    )


def delegations_out(rows: list[ItemDelegation]) -> list[dict]:
    in_force = in_force_ids(sorted({r.item_id for r in rows}))
    return [
        {
            "id": r.id,
            "item_id": r.item_id,
            "township_code": r.township_code,
            "form": r.form,
            "effective_from": r.effective_from,
            "batch": r.batch,
            "in_force": r.id in in_force,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def items_out(items: list[PowerItem]) -> list[dict]:
    team_ids = {i.department_id for i in items if i.department_id}
    names = {t.id: t.name for t in db.session.scalars(select(Team).where(Team.id.in_(team_ids)))}
    return [
        {
            "id": i.id,
            "county_code": i.county_code,
            "code": i.code,
            "name": i.name,
            "legal_basis": i.legal_basis,
            "domain": i.domain,
            "kind": i.kind,
            "department_id": i.department_id,
            "department_name": names.get(i.department_id),
            "category_codes": list(i.category_codes or []),
            "created_at": i.created_at,
        }
        for i in items
    ]
