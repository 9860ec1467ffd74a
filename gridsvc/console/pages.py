"""The console's page table: the one place a page is declared.

Each row says where a page lives, its Chinese title (nav and <title>), which roles may open it,
the template that renders its shell and the ES module (under ``static/js/pages/``) that brings it
to life. The nav, the role's landing page and the 403 refusal are all read from this table, so a
new page is one row + one template + one JS module (see gridsvc/console/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """One console page.

    ``path`` is relative to ``/console/`` (``"queue"`` -> ``/console/queue``); ``roles`` are the
    account roles (gridsvc.accounts.ROLES) that may open it; the first page of the table a role may
    use is where ``/console/`` sends it.
    """

    path: str
    title: str
    roles: frozenset[str]
    template: str
    module: str  # file name under static/js/pages/


def _page(path: str, title: str, roles: set[str], template: str, module: str) -> Page:
    return Page(path, title, frozenset(roles), template, module)


PAGES: tuple[Page, ...] = (
    _page("queue", "执法队案件地图", {"team_lead", "officer"}, "queue.html", "queue.js"),
    _page("desk", "指挥中心", {"county_dispatcher", "admin"}, "desk.html", "desk.js"),
    _page("department", "县级部门", {"department_handler"}, "department.html", "department.js"),
    # The county desk reads every figure the dashboard shows (scores and ratings are theirs alone).
    _page(
        "dashboard",
        "考核看板",
        {"supervisor", "admin", "county_dispatcher"},
        "dashboard.html",
        "dashboard.js",
    ),
    _page("data", "数据管理", {"gis_staff", "admin"}, "data.html", "data.js"),
)

BY_PATH = {page.path: page for page in PAGES}

# Where a role lands when its first page in the table is not its best start: an admin may have
# no county (the global admin), which the desk needs; the dashboard reads every county.
LANDING = {"admin": "dashboard"}


def pages_for(role: str) -> list[Page]:
    """The pages a role may open, in table order (the nav)."""
    return [page for page in PAGES if role in page.roles]


def landing_page(role: str) -> Page | None:
    """Where ``/console/`` sends a role: its first page; None when the console has none for it."""
    if role in LANDING:
        return BY_PATH[LANDING[role]]
    pages = pages_for(role)
    return pages[0] if pages else None
