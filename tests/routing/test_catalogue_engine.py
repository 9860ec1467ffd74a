"""The decision with a catalogue of powers and duties (权责事项): township × item, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from gridsvc.routing.decision import DelegationInfo, ItemInfo
from gridsvc.routing.decision.engine import COUNTY_CALL, TOWNSHIP_TEAM, TRIAGE, EntryInfo, decide
from tests.routing.test_engine import given, rules

PILOT, OTHER = "430302001", "430302002"
PENALTY = ItemInfo(
    50,
    "330217001",
    "对占用城市道路摆摊设点的处罚",
    "penalty",
    10,
    (DelegationInfo(1, PILOT, "entrusted", date(2026, 1, 1), "第二批"),),
)
# The entry names the department but says nothing county-wide: the catalogue decides per township.
ENTRY = EntryInfo(7, "department", 10, delegated=False, cooperating_ids=(12,))


def test_pilot_township_holds_the_item_and_its_team_acts():
    decision = decide(given(entry=ENTRY, items=(PENALTY,), township_name="三家镇"))
    assert (decision.target, decision.team_id, decision.item_id) == (TOWNSHIP_TEAM, 1, 50)
    assert rules(decision) == [
        ("list", "department"),
        ("catalogue", "delegated"),
        ("township_team", "matched"),
    ]
    step = decision.reason[1]
    assert "330217001" in step.message
    assert "entrusted" in step.message
    assert "第二批" in step.message
    assert "委托" in step.message_zh
    assert "三家镇" in step.message_zh
    assert decision.as_dict({})["item_id"] == 50


def test_other_township_calls_the_department_and_says_why():
    decision = decide(
        given(entry=ENTRY, items=(PENALTY,), township_code=OTHER, township_name="城正街街道")
    )
    assert (decision.target, decision.team_id, decision.cooperating_ids) == (COUNTY_CALL, 10, (12,))
    assert rules(decision) == [
        ("list", "department"),
        ("catalogue", "not_delegated"),
        ("county_call", "matched"),
    ]
    assert "城正街街道" in decision.reason[1].message_zh
    assert "乡呼县应" in decision.reason[2].message_zh
    # The county-wide flag would have sent it to the township team: the catalogue wins.
    flagged = decide(given(entry=replace(ENTRY, delegated=True), township_code=OTHER))
    assert flagged.target == TOWNSHIP_TEAM


def test_all_townships_default_and_a_township_withdrawal():
    every = DelegationInfo(2, None, "extended", date(2025, 1, 1), "第一批")
    back = DelegationInfo(3, OTHER, "withdrawn", date(2026, 6, 1))
    item = replace(PENALTY, delegations=(every, back))
    here = decide(given(entry=ENTRY, items=(item,)))
    assert (here.target, here.team_id) == (TOWNSHIP_TEAM, 1)
    assert "各乡镇" in here.reason[1].message_zh
    assert "延伸" in here.reason[1].message_zh
    there = decide(given(entry=ENTRY, items=(item,), township_code=OTHER))
    assert there.target == COUNTY_CALL
    assert rules(there)[1] == ("catalogue", "withdrawn")
    assert "收回" in there.reason[1].message_zh


def test_a_second_item_for_the_same_category_may_be_the_one_held():
    inspection = ItemInfo(
        51,
        "330217002",
        "对摆摊设点的行政检查",
        "inspection",
        10,
        (DelegationInfo(4, OTHER, "granted", date(2026, 1, 1)),),
    )
    decision = decide(given(entry=ENTRY, items=(PENALTY, inspection), township_code=OTHER))
    assert (decision.target, decision.team_id, decision.item_id) == (TOWNSHIP_TEAM, 2, 51)
    assert "赋权" in decision.reason[1].message_zh


def test_items_without_an_entry_route_by_the_items_department():
    decision = decide(given(entry=None, items=(PENALTY,), township_code=OTHER))
    assert (decision.target, decision.team_id, decision.entry_id) == (COUNTY_CALL, 10, None)
    assert rules(decision) == [("catalogue", "not_delegated"), ("county_call", "matched")]
    # Category deadlines apply when no entry sets its own.
    assert decision.response_hours == 1


def test_an_item_without_department_and_not_held_goes_to_triage():
    duty = replace(PENALTY, department_id=None, delegations=())
    decision = decide(given(entry=None, items=(duty,), township_code=OTHER))
    assert decision.target == TRIAGE
    assert rules(decision)[-1] == ("triage", "matched")


def test_township_duty_entry_ignores_the_catalogue():
    entry = EntryInfo(8, "township", None, delegated=False)
    decision = decide(given(entry=entry, items=(PENALTY,), township_code=OTHER))
    assert (decision.target, decision.team_id) == (TOWNSHIP_TEAM, 2)
    assert rules(decision) == [("list", "township"), ("township_team", "matched")]


def test_pilot_township_without_team_falls_back_to_the_department():
    decision = decide(given(entry=ENTRY, items=(PENALTY,), township_teams={}))
    assert decision.target == COUNTY_CALL
    assert rules(decision) == [
        ("list", "department"),
        ("catalogue", "delegated"),
        ("township_team", "no_team"),
        ("county_call", "matched"),
    ]
