"""Several teams in one township ("5+4+X") and stationed agencies, in the pure decision."""

from __future__ import annotations

from dataclasses import replace

from gridsvc.routing.decision.engine import COUNTY_CALL, TOWNSHIP_TEAM, EntryInfo, decide
from gridsvc.routing.decision.offices import TeamInfo
from tests.routing.test_catalogue_engine import ENTRY, PENALTY
from tests.routing.test_engine import BUILDING, TEAMS, given, rules

MARKET_OFFICE = TeamInfo(
    3, "township_team", "YHL-SJ", "雨湖路街道市场监管所", True, ("0501",), None, 12
)
BUILDING_OFFICE = TeamInfo(
    4, "township_team", "YHL-GJ", "雨湖路街道规建办", True, None, ("330217001",)
)
OFFICES = {**TEAMS, 3: MARKET_OFFICE, 4: BUILDING_OFFICE}
SERVED = {"430302001": (1, 3, 4), "430302002": (2,)}


def test_a_category_team_takes_its_category_and_the_general_team_the_rest():
    market = decide(given(teams=OFFICES, township_teams=SERVED))
    assert (market.target, market.team_id) == (TOWNSHIP_TEAM, 3)
    step = market.reason[-1]
    assert "市场监管所" in step.message_zh
    assert "区市场监督管理局派驻" in step.message_zh  # a stationed agency says whose it is
    assert "stationed there by 区市场监督管理局" in step.message
    building = decide(
        given(
            category=BUILDING,
            entry=EntryInfo(9, "township", None, delegated=False),
            teams=OFFICES,
            township_teams=SERVED,
        )
    )
    assert building.team_id == 1


def test_the_item_team_beats_the_category_team():
    both = replace(BUILDING_OFFICE, category_codes=("0501",))
    item = replace(PENALTY, code="330217001")
    teams = {**OFFICES, 4: both}
    decision = decide(given(entry=ENTRY, items=(item,), teams=teams, township_teams=SERVED))
    assert (decision.target, decision.team_id) == (TOWNSHIP_TEAM, 4)
    assert "承接事项330217001" in decision.reason[-1].message_zh


def test_a_returning_office_falls_back_to_the_general_team():
    decision = decide(given(teams=OFFICES, township_teams=SERVED, excluded_team_ids=frozenset({3})))
    assert decision.team_id == 1
    everyone_returned = decide(
        given(teams=OFFICES, township_teams=SERVED, excluded_team_ids=frozenset({1, 3}))
    )
    assert everyone_returned.target == COUNTY_CALL
    assert ("township_team", "returned") in rules(everyone_returned)


def test_a_township_with_only_specialised_offices_calls_the_county_for_the_rest():
    decision = decide(given(category=BUILDING, teams=OFFICES, township_teams={"430302001": (3,)}))
    assert decision.target == COUNTY_CALL
    assert ("township_team", "no_team") in rules(decision)
