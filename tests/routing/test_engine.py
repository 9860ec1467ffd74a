"""The routing decision as a pure function: every branch, and the trace it leaves."""

from __future__ import annotations

from dataclasses import replace

from gridsvc.routing.decision.engine import (
    COUNTY_CALL,
    TOWNSHIP_TEAM,
    TRIAGE,
    CategoryInfo,
    EntryInfo,
    RoutingInput,
    TeamInfo,
    ZoneInfo,
    decide,
)

TEAMS = {
    1: TeamInfo(1, "township_team", "YHL", "雨湖路街道综合行政执法队"),
    2: TeamInfo(2, "township_team", "CZJ", "城正街街道综合行政执法队"),
    10: TeamInfo(10, "county_department", "ZHZF", "区综合行政执法局"),
    11: TeamInfo(11, "county_department", "ZRZY", "区自然资源和规划局"),
    12: TeamInfo(12, "county_department", "SCJG", "区市场监督管理局"),
}
MARKET = CategoryInfo("0501", "占道经营", 1, 24)
BUILDING = CategoryInfo("0601", "违法建设", 4, 168)


def given(**changes) -> RoutingInput:
    base = RoutingInput(
        category=MARKET,
        county_code="430302",
        township_code="430302001",
        entry=EntryInfo(7, "department", 10, delegated=True, response_hours=2),
        zones=(),
        teams=TEAMS,
        township_teams={"430302001": 1, "430302002": 2},
    )
    return replace(base, **changes)


def rules(decision) -> list[tuple[str, str]]:
    return [(s.rule, s.outcome) for s in decision.reason]


def test_delegated_power_goes_to_the_township_team():
    decision = decide(given())
    assert (decision.target, decision.team_id, decision.entry_id) == (TOWNSHIP_TEAM, 1, 7)
    assert rules(decision) == [("list", "delegated"), ("township_team", "matched")]
    # The entry's deadline wins over the category default where it is set.
    assert (decision.response_hours, decision.resolution_hours) == (2, 24)
    assert "委托" in decision.reason[0].message_zh


def test_township_duty_goes_to_the_township_team():
    entry = EntryInfo(8, "township", None, delegated=False)
    decision = decide(given(entry=entry, township_code="430302002"))
    assert (decision.target, decision.team_id) == (TOWNSHIP_TEAM, 2)
    assert rules(decision)[0] == ("list", "township")


def test_undelegated_power_becomes_a_county_call_with_cooperating_departments():
    entry = EntryInfo(9, "department", 10, delegated=False, cooperating_ids=(11,))
    decision = decide(given(category=BUILDING, entry=entry))
    assert (decision.target, decision.team_id, decision.cooperating_ids) == (COUNTY_CALL, 10, (11,))
    assert rules(decision) == [("list", "department"), ("county_call", "matched")]
    assert "区自然资源和规划局协办" in decision.reason[-1].message_zh
    assert (decision.response_hours, decision.resolution_hours) == (4, 168)


def test_township_without_a_team_calls_the_county():
    decision = decide(given(township_teams={"430302002": 2}))
    assert (decision.target, decision.team_id) == (COUNTY_CALL, 10)
    assert rules(decision) == [
        ("list", "delegated"),
        ("township_team", "no_team"),
        ("county_call", "matched"),
    ]


def test_no_entry_goes_to_triage():
    decision = decide(given(entry=None))
    assert (decision.target, decision.team_id, decision.entry_id) == (TRIAGE, None, None)
    assert rules(decision) == [("list", "missing")]
    assert (decision.response_hours, decision.resolution_hours) == (1, 24)


def test_township_duty_without_a_team_goes_to_triage():
    entry = EntryInfo(8, "township", None, delegated=False)
    decision = decide(given(entry=entry, township_teams={}))
    assert decision.target == TRIAGE
    assert rules(decision)[-1] == ("triage", "matched")


def test_zone_overrides_the_list_in_priority_order():
    zones = (
        ZoneInfo(5, "步行街", team_id=2, priority=20),
        ZoneInfo(4, "农贸市场片区", team_id=12, priority=10, category_codes=("0501", "0502")),
    )
    decision = decide(given(zones=zones))
    assert (decision.target, decision.team_id, decision.zone_id) == (COUNTY_CALL, 12, 4)
    assert rules(decision) == [("zone", "matched")]
    assert "农贸市场片区" in decision.reason[0].message


def test_zone_with_another_category_filter_is_passed_over():
    zones = (ZoneInfo(4, "农贸市场片区", team_id=12, priority=10, category_codes=("0502",)),)
    decision = decide(given(zones=zones))
    assert (decision.target, decision.team_id, decision.zone_id) == (TOWNSHIP_TEAM, 1, None)
    assert rules(decision)[0] == ("zone", "none")


def test_returning_team_is_skipped_everywhere():
    zones = (ZoneInfo(5, "步行街", team_id=1, priority=10),)
    decision = decide(given(zones=zones, excluded_team_ids=frozenset({1})))
    # The zone's team and the township team both returned it: the department is called.
    assert (decision.target, decision.team_id) == (COUNTY_CALL, 10)
    assert ("zone", "returned") in rules(decision)
    assert ("township_team", "returned") in rules(decision)


def test_returned_by_the_department_too_goes_to_triage():
    entry = EntryInfo(9, "department", 10, delegated=False, cooperating_ids=(11,))
    decision = decide(given(entry=entry, excluded_team_ids=frozenset({10})))
    assert decision.target == TRIAGE
    assert rules(decision) == [
        ("list", "department"),
        ("department", "returned"),
        ("triage", "matched"),
    ]


def test_inactive_teams_are_skipped():
    teams = dict(TEAMS)
    teams[1] = replace(TEAMS[1], active=False)
    decision = decide(given(teams=teams))
    assert (decision.target, decision.team_id) == (COUNTY_CALL, 10)
    assert ("township_team", "inactive") in rules(decision)


def test_stored_form_names_the_teams():
    entry = EntryInfo(9, "department", 10, delegated=False, cooperating_ids=(11,))
    stored = decide(given(entry=entry)).as_dict(TEAMS)
    assert stored["target"] == COUNTY_CALL
    assert stored["team"] == {
        "id": 10,
        "code": "ZHZF",
        "name": "区综合行政执法局",
        "kind": "county_department",
    }
    assert [t["code"] for t in stored["cooperating"]] == ["ZRZY"]
    assert stored["reason"][0]["rule"] == "list"


def test_the_trace_names_the_township_when_it_is_known():
    decision = decide(given(township_name="雨湖路街道"))
    assert decision.reason[-1].message_zh == "雨湖路街道有权处置，由雨湖路街道综合行政执法队承办。"
    assert decision.reason[-1].message.startswith("雨湖路街道 (430302001) holds the power")
    unnamed = decide(given(township_teams={}))
    assert unnamed.reason[1].message_zh == "乡镇（街道）430302001未设综合行政执法队。"
