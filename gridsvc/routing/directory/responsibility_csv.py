"""The responsibility list as CSV: what county offices keep in Excel, in and out.

Export writes UTF-8 with a BOM (Excel then shows Chinese correctly). Import takes the same columns
under their English or Chinese headers, UTF-8 or GB18030 (what Excel on a Chinese Windows saves),
checks every row before writing any, and writes all rows or none. Importing the same file twice
changes nothing.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Invalid, TooLarge
from gridsvc.extensions import db
from gridsvc.routing.directory.models import ResponsibilityEntry, Team
from gridsvc.routing.directory.responsibility import category_names, create_entry, today

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
COLUMNS = (
    ("category_code", "事项编码"),
    ("category_name", "事项名称"),
    ("primary", "责任主体"),
    ("delegated", "是否委托乡镇"),
    ("cooperating", "配合单位"),
    ("response_hours", "响应时限(小时)"),
    ("resolution_hours", "办结时限(小时)"),
    ("deadline_basis", "时限口径"),
    ("legal_basis", "法律依据"),
    ("effective_from", "生效日期"),
)
_HEADER = {zh: en for en, zh in COLUMNS} | {en: en for en, _ in COLUMNS}
_YES = {"yes", "true", "1", "是", "y"}
_NO = {"no", "false", "0", "否", "n", ""}
TOWNSHIP = "township"


def export_csv(entries: list[ResponsibilityEntry]) -> bytes:
    teams = _teams_by_id({e.county_code for e in entries})
    names = category_names(sorted({e.category_code for e in entries}))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([en for en, _ in COLUMNS])
    for e in entries:
        primary = TOWNSHIP if e.primary_kind == "township" else teams[e.department_id].code
        writer.writerow(
            [
                e.category_code,
                names.get(e.category_code, ""),
                primary,
                "yes" if e.delegated else "no",
                ";".join(teams[i].code for i in e.cooperating_ids or [] if i in teams),
                _num(e.response_hours),
                _num(e.resolution_hours),
                e.deadline_basis,
                e.legal_basis or "",
                e.effective_from.isoformat(),
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _teams_by_id(counties: set[str]) -> dict[int, Team]:
    return {t.id: t for t in db.session.scalars(select(Team).where(Team.county_code.in_(counties)))}


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("The file is neither UTF-8 nor GB18030 text.", code="responsibility.csv_encoding")


def import_csv(scope: Scope, raw: bytes, *, county: str | None, dry_run: bool, user_id: int | None):
    """Check every row, then write them all (or, for a dry run, only report what would change)."""
    county = policy.county_for_new(scope, county)
    if len(raw) > MAX_BYTES:
        raise TooLarge(f"The CSV exceeds {MAX_BYTES} bytes.", code="responsibility.csv_too_large")
    reader = csv.DictReader(io.StringIO(_decode(raw)))
    headers = [_HEADER.get((h or "").strip()) for h in reader.fieldnames or []]
    missing = {"category_code", "primary", "effective_from"} - set(headers)
    if missing:
        raise Invalid(
            f"Missing column(s): {', '.join(sorted(missing))}.",
            code="responsibility.csv_columns",
            errors={"file": [f"needs the columns {', '.join(en for en, _ in COLUMNS)}"]},
        )
    reader.fieldnames = [h or f"_ignored{i}" for i, h in enumerate(headers)]
    departments = {
        t.code: t for t in _teams_by_id({county}).values() if t.kind == "county_department"
    }
    known_categories = set(category_names())
    existing = {
        (e.category_code, e.effective_from): e
        for e in db.session.scalars(
            select(ResponsibilityEntry).where(ResponsibilityEntry.county_code == county)
        )
    }
    plan, errors, seen = [], {}, set()
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        if number - 1 > MAX_ROWS:
            raise TooLarge(f"At most {MAX_ROWS} rows.", code="responsibility.csv_too_many_rows")
        if not any((v or "").strip() for k, v in row.items() if k and not k.startswith("_")):
            continue
        try:
            data = _row(row, departments, known_categories)
        except ValueError as exc:
            errors[f"line {number}"] = [str(exc)]
            continue
        key = (data["category_code"], data["effective_from"])
        if key in seen:
            errors[f"line {number}"] = ["the same category and effective date appear twice"]
            continue
        seen.add(key)
        current = existing.get(key)
        if current is None:
            plan.append(("create", number, data, None))
        elif _same(current, data):
            plan.append(("unchanged", number, data, current))
        elif current.effective_from <= today():
            errors[f"line {number}"] = [
                f"entry #{current.id} is in force and cannot change; use a later effective date"
            ]
        else:
            plan.append(("update", number, data, current))
    if errors:
        raise Invalid(
            f"{len(errors)} line(s) of the CSV are wrong; nothing was imported.",
            code="responsibility.csv_invalid",
            errors=errors,
        )
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for action, _line, data, current in plan:
        counts[action] += 1
        if dry_run or action == "unchanged":
            continue
        if action == "create":
            create_entry(scope, {**data, "county_code": county}, user_id=user_id)
        else:
            for key, value in data.items():
                setattr(current, key, value)
    if not dry_run:  # a dry run wrote nothing: the loop above skips every write
        db.session.flush()
    return {
        "dry_run": dry_run,
        "rows": len(plan),
        "created": counts["create"],
        "updated": counts["update"],
        "unchanged": counts["unchanged"],
    }


def _row(row: dict, departments: dict[str, Team], categories: set[str]) -> dict:
    code = (row.get("category_code") or "").strip()
    if code not in categories:
        raise ValueError(f"unknown category {code!r}")
    primary = (row.get("primary") or "").strip()
    delegated_text = (row.get("delegated") or "").strip().lower()
    if delegated_text not in _YES | _NO:
        raise ValueError(f"delegated must be yes or no, not {delegated_text!r}")
    data: dict = {"category_code": code, "delegated": delegated_text in _YES}
    if primary in (TOWNSHIP, "乡镇", "属地"):
        data.update(primary_kind="township", department_id=None)
        if data["delegated"]:
            raise ValueError("only a department's power can be delegated")
    elif primary in departments:
        data.update(primary_kind="department", department_id=departments[primary].id)
    else:
        raise ValueError(f"primary must be 'township' or a department code, not {primary!r}")
    cooperating = []
    for part in (row.get("cooperating") or "").replace("、", ";").replace(",", ";").split(";"):
        if part.strip():
            if part.strip() not in departments:
                raise ValueError(f"unknown cooperating department {part.strip()!r}")
            cooperating.append(departments[part.strip()].id)
    data["cooperating_ids"] = cooperating
    for key in ("response_hours", "resolution_hours"):
        text_value = (row.get(key) or "").strip()
        if text_value:
            try:
                hours = float(text_value)
            except ValueError:
                raise ValueError(f"{key} must be a number of hours") from None
            if not 0 < hours <= 24 * 365:
                raise ValueError(f"{key} must be between 0 and 8760 hours")
            data[key] = hours
        else:
            data[key] = None
    basis = (row.get("deadline_basis") or "natural").strip() or "natural"
    if basis not in ("natural", "working"):
        raise ValueError("deadline_basis must be natural or working")
    data["deadline_basis"] = basis
    data["legal_basis"] = (row.get("legal_basis") or "").strip()[:2000] or None
    try:
        data["effective_from"] = date.fromisoformat((row.get("effective_from") or "").strip())
    except ValueError:
        raise ValueError("effective_from must be a date like 2027-01-01") from None
    return data


def _same(entry: ResponsibilityEntry, data: dict) -> bool:
    return all(
        (list(getattr(entry, key) or []) if key == "cooperating_ids" else getattr(entry, key))
        == value
        for key, value in data.items()
    )
