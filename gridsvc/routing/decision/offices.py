"""Which of a township's teams takes a case ("5+4+X": several offices in one township).

A team may handle catalogue items (by 事项编码), categories, or everything else (the general team,
综合行政执法队). The most specific team that handles the case comes first: one named for the item
that decided, then one named for the category, then the general team. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class TeamInfo:
    id: int
    kind: str  # township_team | county_department
    code: str
    name: str
    active: bool = True
    category_codes: tuple[str, ...] | None = None  # None (with item_codes None): general team
    item_codes: tuple[str, ...] | None = None
    parent_department_id: int | None = None  # a stationed agency's county department

    @property
    def general(self) -> bool:
        return self.category_codes is None and self.item_codes is None


def township_team_ids(
    township_teams: Mapping[str, object], township: str | None
) -> tuple[int, ...]:
    """The ids of the teams serving a township (a single id is accepted for one team)."""
    found = township_teams.get(township) if township else None
    if found is None:
        return ()
    return (found,) if isinstance(found, int) else tuple(found)


def ranked(
    teams: Iterable[TeamInfo], category: str, item_code: str | None
) -> list[tuple[TeamInfo, str]]:
    """The teams that handle the case, most specific first, each with why: item|category|general."""
    out = []
    for team in teams:
        if item_code and team.item_codes and item_code in team.item_codes:
            out.append((0, team.id, team, "item"))
        elif team.category_codes and category in team.category_codes:
            out.append((1, team.id, team, "category"))
        elif team.general:
            out.append((2, team.id, team, "general"))
    return [(team, why) for _rank, _id, team, why in sorted(out, key=lambda r: r[:2])]
