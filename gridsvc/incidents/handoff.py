"""The hand-off from a filed report to whoever routes it: a declared port the app factory wires.

The incidents room sits below routing (DESIGN.md §2) and never imports it. Instead it declares
what it needs done — :class:`Router` — and calls the implementation ``create_app`` installed with
:func:`install_router` (routing's ``CaseIntake``). Both calls run inside the reporting transaction:

- ``decide`` before the batch is inserted: its answer (one dict per report) is stored in each new
  incident's ``routing`` column by the same INSERT, so filing costs no second write;
- ``open_cases`` after the rows and their ``reported`` events are written and before the response
  is serialised, with the new :class:`~gridsvc.incidents.models.Incident` objects (replays of
  earlier reports are not handed over again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from gridsvc.incidents.models import Incident

EXTENSION_KEY = "gridsvc.incidents.router"


@dataclass(frozen=True)
class Filing:
    """A report about to be filed, as :meth:`Router.decide` sees it."""

    category_code: str
    county_code: str
    township_code: str | None
    village_code: str | None
    grid_code: str | None
    lon: float
    lat: float
    township_name: str | None = None
    resolved_on_site: bool = False  # 自处置: to be closed once its before/after photos arrive
    id: None = None  # not filed yet


class Router(Protocol):
    def decide(self, reports: Sequence[Filing]) -> list[dict]:
        """The routing decision to store with each report (same order)."""
        ...

    def open_cases(self, incidents: Sequence[Incident]) -> None:
        """Whatever follows from new incidents (cases, calls, notices), in the same transaction."""
        ...

    def fixable_on_site(self, county_code: str, category_code: str) -> bool:
        """Whether the county's list lets a grid worker fix this category on the spot (自处置)."""
        ...

    def photo_added(self, scope, incident: Incident) -> str | None:
        """A photo was attached: a report filed as fixed on the spot may now be complete.

        Returns the incident's on-the-spot state after it (``awaiting_photos``, ``closed``,
        ``awaiting_confirmation``; None for an ordinary incident), which the upload answers with.
        """
        ...

    def readable_as_party(self, scope) -> ColumnElement[bool] | None:
        """SQL condition for incidents outside the caller's area they take part in (协办)."""
        ...


def install_router(app: Flask, router: Router) -> None:
    app.extensions[EXTENSION_KEY] = router


def router() -> Router:
    """The installed router; an app built without one is a wiring mistake, not a silent skip."""
    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("no incidents Router installed (create_app wires routing's)") from None
