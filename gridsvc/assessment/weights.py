"""The county's score weights, versioned by effective date (as the responsibility list is).

A period is scored with the version in force on its last day; a county without any version is
scored with the defaults (shown as ``version: null`` beside every score that used them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from gridsvc.accounts import Scope
from gridsvc.assessment.indicators import RATES
from gridsvc.assessment.models import DEFAULT_INDICATOR_WEIGHTS, ScoreWeights
from gridsvc.errors import Conflict, Forbidden, Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.routing import Team


@dataclass(frozen=True)
class Weights:
    version_id: int | None
    effective_from: date | None
    department_rating_share: float = 1 / 3
    township_rating_share: float = 1 / 3
    stationed_township_share: float = 0.7
    indicator_weights: dict = field(default_factory=lambda: dict(DEFAULT_INDICATOR_WEIGHTS))
    stationed: tuple = ()

    def cited(self) -> dict:
        return {"id": self.version_id, "effective_from": self.effective_from}


def in_force(county: str, day: date) -> Weights:
    row = db.session.scalar(
        select(ScoreWeights)
        .where(ScoreWeights.county_code == county, ScoreWeights.effective_from <= day)
        .order_by(ScoreWeights.effective_from.desc())
        .limit(1)
    )
    if row is None:
        return Weights(None, None)
    return Weights(
        row.id,
        row.effective_from,
        row.department_rating_share,
        row.township_rating_share,
        row.stationed_township_share,
        dict(row.indicator_weights),
        tuple(row.stationed or ()),
    )


def county_of(scope: Scope, county: str | None) -> str:
    """The county a county-wide read or write is about: the caller's own, or named by an admin."""
    if scope.county_code:
        if county not in (None, scope.county_code):
            raise NotFound("county not found", code="county.not_found")
        return scope.county_code
    if not county:
        raise Invalid(
            "Name the county.", code="assessment.county_required", errors={"county": ["required"]}
        )
    return county


def list_versions(scope: Scope, county: str | None) -> list[ScoreWeights]:
    return list(
        db.session.scalars(
            select(ScoreWeights)
            .where(ScoreWeights.county_code == county_of(scope, county))
            .order_by(ScoreWeights.effective_from)
        )
    )


def create_version(scope: Scope, data: dict, user_id: int | None) -> ScoreWeights:
    """A new version; one already in force is never edited (this is the only way to change)."""
    if scope.township_code is not None:  # a township's admin: the county's weights are not theirs
        raise Forbidden(
            "Assessment weights are set by the county's administrators.", code="auth.role_forbidden"
        )
    county = county_of(scope, data.pop("county", None))
    unknown = set(data["indicator_weights"]) - set(RATES)
    if (
        unknown
        or not data["indicator_weights"]
        or any(w < 0 for w in data["indicator_weights"].values())
    ):
        raise Invalid(
            f"indicator_weights name rates ({', '.join(RATES)}) with weights >= 0.",
            code="assessment.weights_unknown",
            errors={"indicator_weights": [f"unknown or negative: {sorted(unknown)}"]},
        )
    _check_stationed(county, data.get("stationed") or [])
    if db.session.scalar(
        select(ScoreWeights.id).where(
            ScoreWeights.county_code == county,
            ScoreWeights.effective_from == data["effective_from"],
        )
    ):
        raise Conflict(
            "A version already starts on that day; add one with another effective_from.",
            code="assessment.weights_version_exists",
        )
    row = ScoreWeights(county_code=county, created_by=user_id, **data)
    db.session.add(row)
    db.session.flush()
    return row


def _check_stationed(county: str, stationed: list[dict]) -> None:
    teams = {t.id: t for t in db.session.scalars(select(Team).where(Team.county_code == county))}
    for item in stationed:
        agency, parent = teams.get(item["team_id"]), teams.get(item["parent_department_id"])
        if agency is None or parent is None or parent.kind != "county_department":
            raise Invalid(
                "A stationed agency and its parent department must be teams of this county,"
                " the parent a county department.",
                code="assessment.stationed_unknown",
                errors={"stationed": [f"not teams of county {county}: {item}"]},
            )
