"""The category catalog: reads (cached per process, they sit on the report hot path) and
admin edits.

Categories are never deleted — incidents refer to them — an admin deactivates one instead, and a
deactivated category refuses new reports but keeps its old incidents readable.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from gridsvc.accounts import Scope, policy
from gridsvc.caching import VersionedCache
from gridsvc.errors import Conflict, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.incidents.models import Category

# {code: CategoryRule}: what a report needs to know about its category, kept until an edit.
_rules: VersionedCache[dict] = VersionedCache("categories", max_entries=1)


class CategoryRule:
    """The few facts a report needs, detached from the session (safe to keep between requests)."""

    __slots__ = ("active", "code", "duplicate_radius_m", "duplicate_window_hours", "name_zh")

    def __init__(self, row: Category) -> None:
        self.code = row.code
        self.name_zh = row.name_zh
        self.active = row.active
        self.duplicate_radius_m = row.duplicate_radius_m
        self.duplicate_window_hours = row.duplicate_window_hours


def rules() -> dict[str, CategoryRule]:
    """Every category by code, read again only after a category changed."""
    return _rules.get("all", _load_rules)


def _load_rules() -> dict[str, CategoryRule]:
    return {row.code: CategoryRule(row) for row in db.session.scalars(select(Category))}


def rule_for(code: str) -> CategoryRule:
    """The category a report names; 422 when unknown or deactivated."""
    rule = rules().get(code)
    if rule is None:
        raise Invalid(
            f"Unknown category {code!r}; GET /api/v1/categories lists them.",
            code="incident.unknown_category",
            errors={"category": ["unknown category"]},
        )
    if not rule.active:
        raise Invalid(
            f"Category {code} is no longer in use.",
            code="incident.category_inactive",
            errors={"category": ["category is inactive"]},
        )
    return rule


def list_categories(include_inactive: bool = False) -> list[Category]:
    stmt = select(Category).order_by(Category.sort_order, Category.code)
    if not include_inactive:
        stmt = stmt.where(Category.active.is_(True))
    return list(db.session.scalars(stmt))


def catalog_etag(categories: list[Category]) -> str:
    """A weak validator for the whole list, so phones re-download it only when it changed."""
    digest = hashlib.sha256()
    for c in categories:
        digest.update(f"{c.code}:{c.version};".encode())
    return f'W/"categories-{digest.hexdigest()[:20]}"'


def get_category(code: str) -> Category:
    category = db.session.get(Category, code)
    if category is None:
        raise NotFound(f"category {code} not found", code="category.not_found")
    return category


def _check_editor(scope: Scope) -> None:
    # One catalogue serves every county (routing, deadlines and the duplicate rules read it), so a
    # county admin editing it would change its neighbours' work: global admins only.
    policy.category(scope, policy.WRITE)


def _check_hours(data: dict, current: Category | None = None) -> None:
    response = data.get("response_hours", current.response_hours if current else None)
    resolution = data.get("resolution_hours", current.resolution_hours if current else None)
    if response is not None and resolution is not None and resolution < response:
        raise Invalid(
            "resolution_hours must not be shorter than response_hours.",
            code="category.invalid_hours",
            errors={"resolution_hours": ["must be >= response_hours"]},
        )


def create_category(scope: Scope, data: dict) -> Category:
    _check_editor(scope)
    if db.session.get(Category, data["code"]) is not None:
        raise Conflict(f"Category {data['code']} exists already.", code="category.exists")
    data.setdefault("class_code", data["code"][:2])
    if data["class_code"] != data["code"][:2]:
        raise Invalid(
            "class_code must be the first two digits of code.",
            code="category.invalid_class",
            errors={"class_code": ["must equal code[:2]"]},
        )
    _check_hours(data)
    category = Category(**data)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(scope: Scope, category: Category, data: dict) -> Category:
    _check_editor(scope)
    _check_hours(data, category)
    for key, value in data.items():
        setattr(category, key, value)
    db.session.flush()
    return category
