"""Which township holds which power: the catalogue (权责事项) as the pure decision reads it.

A category may be covered by several catalogue items (占道经营: a penalty power, an inspection
duty); each item is delegated to all townships, to some (pilot towns), or to none, in a form
(委托/延伸/赋权), from a date on. The loader hands the engine, for each item, the delegation rows in
force on the day (at most one per township and one for "all townships"); here a township's own
row beats the all-townships row, and a withdrawn row (收回) means the township does not hold it.
Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gridsvc.routing.directory.labels import FORM_ZH, KIND_ZH

WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class DelegationInfo:
    id: int
    township_code: str | None  # None: every township of the county
    form: str  # entrusted | extended | granted | withdrawn
    effective_from: date
    batch: str | None = None


@dataclass(frozen=True)
class ItemInfo:
    """A catalogue item covering the incident's category, with its delegations in force."""

    id: int
    code: str
    name: str
    kind: str
    department_id: int | None
    delegations: tuple[DelegationInfo, ...] = ()


def delegation_for(item: ItemInfo, township_code: str | None) -> DelegationInfo | None:
    """The row that says whether the township holds the item: its own, else the county-wide one."""
    own = [d for d in item.delegations if township_code and d.township_code == township_code]
    if own:
        return max(own, key=lambda d: d.effective_from)
    every = [d for d in item.delegations if d.township_code is None]
    return max(every, key=lambda d: d.effective_from) if every else None


def held_by_township(
    items: tuple[ItemInfo, ...], township_code: str | None
) -> tuple[ItemInfo, DelegationInfo] | None:
    """The first item (by code) the township holds, with the row that gives it; None if none."""
    for item in sorted(items, key=lambda i: i.code):
        row = delegation_for(item, township_code)
        if row is not None and row.form != WITHDRAWN:
            return item, row
    return None


def withdrawn_from(
    items: tuple[ItemInfo, ...], township_code: str | None
) -> tuple[ItemInfo, DelegationInfo] | None:
    """An item taken back from this township (收回), for the trace to say so."""
    for item in sorted(items, key=lambda i: i.code):
        row = delegation_for(item, township_code)
        if row is not None and row.form == WITHDRAWN:
            return item, row
    return None


def holding_department(items: tuple[ItemInfo, ...]) -> int | None:
    """The county department that keeps the power where the township does not hold it."""
    for item in sorted(items, key=lambda i: i.code):
        if item.department_id is not None:
            return item.department_id
    return None


def explain(
    items: tuple[ItemInfo, ...],
    township_code: str | None,
    category_name: str,
    township: str,
    township_zh: str,
) -> tuple[ItemInfo | None, str, str, str]:
    """The item the township holds (or None), and the trace step's outcome and messages."""
    held = held_by_township(items, township_code)
    if held is not None:
        item, row = held
        whom = township if row.township_code else f"all townships (including {township})"
        whom_zh = township_zh if row.township_code else "各乡镇（街道）"
        batch = f", batch “{row.batch}”" if row.batch else ""
        batch_zh = f"（{row.batch}）" if row.batch else ""
        day = row.effective_from.isoformat()
        return (
            item,
            "delegated",
            f"Catalogue item {item.code} “{item.name}” ({KIND_ZH.get(item.kind, item.kind)}) "
            f"is delegated to {whom} by {FORM_ZH[row.form]} ({row.form}) from {day}{batch}.",
            f"权责事项“{item.name}”（{item.code}）自{day}起以{FORM_ZH[row.form]}方式"
            f"下放{whom_zh}{batch_zh}。",
        )
    taken = withdrawn_from(items, township_code)
    if taken is not None:
        item, row = taken
        day = row.effective_from.isoformat()
        return (
            None,
            "withdrawn",
            f"Catalogue item {item.code} “{item.name}” was withdrawn from {township} (收回) "
            f"on {day}: the power is the county department's again.",
            f"权责事项“{item.name}”（{item.code}）已于{day}从{township_zh}收回，由县级部门行使。",
        )
    codes = "、".join(sorted(i.code for i in items))
    return (
        None,
        "not_delegated",
        f"None of the catalogue items covering {category_name} ({codes}) is delegated to "
        f"{township}: the power stays with the county department.",
        f"{township_zh}未承接“{category_name}”相关权责事项（{codes}），仍由县级部门行使。",
    )
