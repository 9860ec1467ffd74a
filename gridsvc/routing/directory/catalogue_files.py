"""The catalogue and its delegations in and out as the counties publish them (XLSX or CSV).

One row is an item and, when 承接方式 is filled, who holds it: 实施主体 names the townships (codes or
names, separated by 、 , ;) or says all of them (“全部乡镇”, “各乡镇（街道）”). Several rows may
share an 事项编码 (one to all townships, another to two pilot towns). Every row is checked before
anything is written; one bad row and nothing is imported, and each error names its row and column.
Importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Invalid
from gridsvc.extensions import db
from gridsvc.routing.directory.catalogue import (
    all_items,
    county_townships,
    departments_of,
    in_force_ids,
)
from gridsvc.routing.directory.labels import FORM_ZH, KIND_ZH
from gridsvc.routing.directory.models import ItemDelegation, PowerItem
from gridsvc.routing.directory.responsibility import category_names, today
from gridsvc.routing.directory.sheets import read_table, write_csv, write_xlsx

# Column key -> its Chinese header, in the order the export writes them.
COLUMNS = (
    ("seq", "序号"),
    ("name", "事项名称"),
    ("code", "事项编码"),
    ("legal_basis", "实施依据"),
    ("kind", "职权类型"),
    ("form", "承接方式"),
    ("holder", "实施主体"),
    ("domain", "领域"),
    ("department", "主管部门"),
    ("categories", "关联事件类型"),
    ("effective_from", "生效日期"),
    ("batch", "批次"),
)
HEADER = dict(COLUMNS)
ALIASES = {zh: key for key, zh in COLUMNS} | {key: key for key, _ in COLUMNS}
REQUIRED = ("name", "code", "kind", "form", "holder")
KINDS = {zh: key for key, zh in KIND_ZH.items()} | {key: key for key in KIND_ZH}
FORMS = {zh: key for key, zh in FORM_ZH.items()} | {key: key for key in FORM_ZH}
ALL_TOWNSHIPS = re.compile(r"^(all|\*|(全部|各|所有|全区|全县|全市)乡镇.*)$", re.IGNORECASE)
SEPARATORS = re.compile(r"[、,，;；\s]+")
ALL_LABEL = "全部乡镇（街道）"


@dataclass
class Parsed:
    row: int
    item: dict
    townships: list[str] | None = None  # None: all townships
    form: str | None = None  # None: listed, not delegated
    effective_from: date | None = None
    batch: str | None = None


@dataclass
class Plan:
    items_new: dict[str, dict] = field(default_factory=dict)
    items_changed: dict[str, tuple[PowerItem, dict]] = field(default_factory=dict)
    delegations: list[tuple[str, str | None, str, date, str | None]] = field(default_factory=list)
    unchanged_items: int = 0
    unchanged_delegations: int = 0


class RowErrors:
    def __init__(self) -> None:
        self.found: list[dict] = []

    def add(self, row: int, key: str, message: str) -> None:
        self.found.append({"row": row, "column": HEADER.get(key, key), "message": message})

    def raise_if_any(self) -> None:
        if not self.found:
            return
        rows = sorted({e["row"] for e in self.found})
        errors: dict[str, list[str]] = {}
        for e in self.found:
            errors.setdefault(f"row {e['row']}, {e['column']}", []).append(e["message"])
        raise Invalid(
            f"{len(rows)} row(s) are wrong (first: row {rows[0]}); nothing was imported.",
            code="catalogue.rows_invalid",
            errors=errors,
            problems=self.found[:200],
        )


def _townships(text: str, townships: dict[str, str]) -> tuple[list[str] | None, list[str]]:
    """(codes or None for all, the names not understood)."""
    if ALL_TOWNSHIPS.match(text):
        return None, []
    by_name = {name: code for code, name in townships.items()}
    codes, unknown = [], []
    for part in (p for p in SEPARATORS.split(text) if p):
        name = part.removesuffix("人民政府").removesuffix("办事处")
        code = part if part in townships else by_name.get(name)
        (codes.append(code) if code else unknown.append(part))
    return sorted(set(codes)), unknown


def _parse(
    number: int,
    row: dict[str, str],
    defaults: dict,
    lookups: dict,
    errors: RowErrors,
) -> Parsed | None:
    before = len(errors.found)
    name, code = row.get("name", ""), row.get("code", "")
    for key, value, limit in (("name", name, 512), ("code", code, 64)):
        if not value:
            errors.add(number, key, "required")
        elif len(value) > limit:
            errors.add(number, key, f"at most {limit} characters")
    kind = KINDS.get(row.get("kind", ""))
    if kind is None:
        errors.add(
            number,
            "kind",
            f"unknown kind {row.get('kind', '')!r}; one of " + "、".join(KIND_ZH.values()),
        )
    department_id = defaults.get("department_id")
    if row.get("department"):
        department_id = lookups["departments"].get(row["department"])
        if department_id is None:
            errors.add(
                number, "department", f"not a department of the county: {row['department']!r}"
            )
    categories = [c for c in SEPARATORS.split(row.get("categories", "")) if c]
    unknown = sorted(set(categories) - lookups["categories"])
    if unknown:
        errors.add(number, "categories", f"unknown categories {unknown}")
    parsed = Parsed(
        number,
        {
            "code": code,
            "name": name,
            "legal_basis": row.get("legal_basis") or None,
            "domain": (row.get("domain") or None) and row["domain"][:64],
            "kind": kind,
            "department_id": department_id,
            "category_codes": sorted(set(categories)),
        },
        batch=(row.get("batch") or defaults.get("batch") or None),
    )
    form_text = row.get("form", "")
    if form_text:
        parsed.form = FORMS.get(form_text)
        if parsed.form is None:
            errors.add(number, "form", f"unknown form {form_text!r}; one of 委托、延伸、赋权、收回")
        holder = row.get("holder", "")
        if not holder:
            errors.add(number, "holder", "name the townships (or 全部乡镇) that hold the item")
        else:
            parsed.townships, bad = _townships(holder, lookups["townships"])
            if bad:
                errors.add(number, "holder", f"not a township of the county: {'、'.join(bad)}")
        parsed.effective_from = defaults.get("effective_from")
        if row.get("effective_from"):
            try:
                parsed.effective_from = date.fromisoformat(row["effective_from"][:10])
            except ValueError:
                errors.add(number, "effective_from", "a date like 2027-01-01")
        if parsed.effective_from is None:
            parsed.effective_from = today()
    return parsed if len(errors.found) == before else None


def _plan(county: str, parsed: list[Parsed], errors: RowErrors) -> Plan:
    plan = Plan()
    existing = {i.code: i for i in all_items(county)}
    first_row: dict[str, Parsed] = {}
    for p in parsed:
        earlier = first_row.setdefault(p.item["code"], p)
        if earlier is not p and earlier.item["name"] != p.item["name"]:
            errors.add(p.row, "name", f"row {earlier.row} gives this 事项编码 another 事项名称")
    for code, p in first_row.items():
        item = existing.get(code)
        if item is None:
            plan.items_new[code] = p.item
            continue
        wanted = {k: v for k, v in p.item.items() if k != "code"}
        if wanted["department_id"] is None:
            wanted["department_id"] = item.department_id
        changed = {k: v for k, v in wanted.items() if getattr(item, k) != v}
        if changed:
            plan.items_changed[code] = (item, changed)
        else:
            plan.unchanged_items += 1
    rows = db.session.scalars(
        select(ItemDelegation).where(ItemDelegation.county_code == county)
    ).all()
    by_key = {(r.item_id, r.township_code, r.effective_from): r for r in rows}
    latest: dict[tuple[int, str | None], ItemDelegation] = {}
    for r in sorted(rows, key=lambda r: r.effective_from):
        latest[(r.item_id, r.township_code)] = r
    seen: dict[tuple[str, str | None], int] = {}
    for p in (p for p in parsed if p.form):
        for township in p.townships or [None]:
            key = (p.item["code"], township)
            if key in seen:
                where = township or ALL_LABEL
                errors.add(
                    p.row, "holder", f"row {seen[key]} already delegates this item to {where}"
                )
                continue
            seen[key] = p.row
            item = existing.get(p.item["code"])
            same_day = item and by_key.get((item.id, township, p.effective_from))
            current = item and latest.get((item.id, township))
            if same_day and (same_day.form, same_day.batch) != (p.form, p.batch):
                errors.add(
                    p.row,
                    "form",
                    f"delegation #{same_day.id} already starts on {p.effective_from} with "
                    f"{FORM_ZH[same_day.form]}; use another 生效日期",
                )
            elif same_day or (
                current and current.form == p.form and current.effective_from <= p.effective_from
            ):
                plan.unchanged_delegations += 1
            else:
                plan.delegations.append(
                    (p.item["code"], township, p.form, p.effective_from, p.batch)
                )
    return plan


def import_file(
    scope: Scope,
    raw: bytes,
    *,
    county: str | None,
    dry_run: bool,
    effective_from: date | None,
    batch: str | None,
    department_code: str | None,
    user_id: int | None,
) -> dict:
    county = policy.county_for_new(scope, county)
    rows, _headers = read_table(raw, ALIASES, REQUIRED)
    departments = departments_of(county)
    lookup_departments = {t.code: t.id for t in departments.values()} | {
        t.name: t.id for t in departments.values()
    }
    defaults = {"effective_from": effective_from, "batch": batch}
    if department_code:
        defaults["department_id"] = lookup_departments.get(department_code)
        if defaults["department_id"] is None:
            raise Invalid(
                f"{department_code!r} is not a department of county {county}.",
                code="responsibility.unknown_department",
                errors={"department_code": ["not a county department of this county"]},
            )
    lookups = {
        "departments": lookup_departments,
        "townships": county_townships(county),
        "categories": set(category_names()),
    }
    errors = RowErrors()
    parsed = [p for n, row in rows if (p := _parse(n, row, defaults, lookups, errors))]
    plan = _plan(county, parsed, errors)
    errors.raise_if_any()
    result = {
        "dry_run": dry_run,
        "rows": len(rows),
        "errors": 0,
        "items_created": len(plan.items_new),
        "items_updated": len(plan.items_changed),
        "items_unchanged": plan.unchanged_items,
        "delegations_created": len(plan.delegations),
        "delegations_unchanged": plan.unchanged_delegations,
    }
    if dry_run:
        return result
    _apply(county, plan, user_id)
    return result


def _apply(county: str, plan: Plan, user_id: int | None) -> None:
    items = {i.code: i for i in all_items(county)}
    for code, data in plan.items_new.items():
        items[code] = PowerItem(county_code=county, created_by=user_id, **data)
        db.session.add(items[code])
    for item, changed in plan.items_changed.values():
        for key, value in changed.items():
            setattr(item, key, value)
    db.session.flush()
    for code, township, form, day, batch in plan.delegations:
        db.session.add(
            ItemDelegation(
                county_code=county,
                item_id=items[code].id,
                township_code=township,
                form=form,
                effective_from=day,
                batch=batch,
                created_by=user_id,
            )
        )
    db.session.flush()


def export_rows(county: str) -> list[list]:
    """One row per item and delegation group in force (all townships; each date's pilot towns)."""
    items = all_items(county)
    townships = county_townships(county)
    departments = departments_of(county)
    in_force = in_force_ids([i.id for i in items])
    rows_by_item: dict[int, list[ItemDelegation]] = {}
    for r in db.session.scalars(select(ItemDelegation).where(ItemDelegation.id.in_(in_force))):
        if r.form != "withdrawn":
            rows_by_item.setdefault(r.item_id, []).append(r)
    out: list[list] = []
    for item in items:
        department = departments.get(item.department_id)
        base = [
            item.name,
            item.code,
            item.legal_basis or "",
            KIND_ZH.get(item.kind, item.kind),
        ]
        tail = [
            item.domain or "",
            department.code if department else "",
            "、".join(item.category_codes or []),
        ]
        groups: dict[tuple, list[str]] = {}
        for r in rows_by_item.get(item.id, []):
            groups.setdefault(
                (r.township_code is None, r.form, r.effective_from, r.batch), []
            ).append(r.township_code or "")
        if not groups:
            out.append([*base, "", department.name if department else "", *tail, "", ""])
        for (every, form, day, batch), codes in sorted(
            groups.items(), key=lambda g: (not g[0][0], g[0][2])
        ):
            holder = ALL_LABEL if every else "、".join(townships.get(c, c) for c in sorted(codes))
            out.append([*base, FORM_ZH[form], holder, *tail, day.isoformat(), batch or ""])
    return [[n, *row] for n, row in enumerate(out, start=1)]


def export_file(county: str, fmt: str) -> bytes:
    header = [zh for _key, zh in COLUMNS]
    rows = export_rows(county)
    if fmt == "csv":
        return write_csv(header, rows)
    return write_xlsx("权责事项", header, rows)
