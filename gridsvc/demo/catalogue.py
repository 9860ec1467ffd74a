"""Demo: 雨湖区's catalogue of powers and duties in two batches, and a township with three teams.

The first batch delegates street-order penalties to every township (委托); the second grants
(赋权) the illegal-construction penalty to two pilot towns only, 鹤岭镇 and 姜畲镇: 违法建设 there
goes to the town's team, elsewhere to 区综合行政执法局 through 乡呼县应. 雨湖路街道 has, beside its
general team, an office for refuse and dirty roads and a stationed 市场监管所 of the district market
regulator for hawkers and shop-front business. Idempotent: nothing is added twice.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gridsvc.accounts import SHELL_SCOPE
from gridsvc.extensions import db
from gridsvc.routing.directory import catalogue, teams
from gridsvc.routing.directory.models import PowerItem, Team

COUNTY = "430302"
PILOTS = ["430302100", "430302102"]  # 鹤岭镇, 姜畲镇
BATCHES = [
    ("第一批（全区乡镇街道）", date(2026, 1, 1), "entrusted", None),
    ("第二批（试点：鹤岭镇、姜畲镇）", date(2026, 6, 1), "granted", PILOTS),
]
# code, name, legal basis, domain, holder, categories, batch number
ITEMS = [
    (
        "YH-XZCF-001",
        "对在城市道路两侧和公共场地摆摊设点、占道经营的处罚",
        "《城市市容和环境卫生管理条例》第十四条、第三十六条",
        "市容环卫",
        "ZHZF",
        ["0501", "0504"],
        0,
    ),
    (
        "YH-XZCF-002",
        "对擅自设置大型户外广告的处罚",
        "《城市市容和环境卫生管理条例》第十一条、第三十六条",
        "市容环卫",
        "ZHZF",
        ["0202"],
        0,
    ),
    (
        "YH-XZCF-003",
        "对超出门窗和外墙经营的处罚",
        "《城市市容和环境卫生管理条例》第十四条",
        "市容环卫",
        "ZHZF",
        ["0502"],
        0,
    ),
    (
        "YH-XZCF-101",
        "对未取得建设工程规划许可证进行建设的处罚",
        "《中华人民共和国城乡规划法》第六十四条",
        "规划建设",
        "ZHZF",
        ["0601"],
        1,
    ),
]
# code, name, township, categories, parent department (a stationed agency) or None
OFFICES = [
    ("YHL-HW", "雨湖路街道环卫督查办", "430302001", ["0103", "0104"], None),
    ("YHL-SJS", "雨湖区市场监督管理局雨湖路市场监管所", "430302001", ["0502", "0504"], "SCJG"),
]


def _team(code: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.county_code == COUNTY, Team.code == code))


def load_demo_catalogue(echo=print) -> None:
    if db.session.scalar(select(PowerItem.id).where(PowerItem.county_code == COUNTY).limit(1)):
        echo("demo: catalogue of powers and duties already present")
        return
    for code, name, township, categories, parent in OFFICES:
        teams.create_team(
            SHELL_SCOPE,
            {
                "county_code": COUNTY,
                "kind": "township_team",
                "code": code,
                "name": name,
                "township_code": township,
                "category_codes": categories,
                "parent_department_id": _team(parent).id if parent else None,
            },
        )
    for code, name, law, domain, holder, categories, batch in ITEMS:
        item = catalogue.create_item(
            SHELL_SCOPE,
            {
                "county_code": COUNTY,
                "code": code,
                "name": name,
                "legal_basis": law,
                "domain": domain,
                "kind": "penalty",
                "department_id": _team(holder).id,
                "category_codes": categories,
            },
            user_id=None,
        )
        label, day, form, townships = BATCHES[batch]
        catalogue.delegate(
            SHELL_SCOPE,
            item,
            townships=townships,
            form=form,
            effective_from=day,
            batch=label,
            user_id=None,
        )
    echo(
        f"demo: {len(ITEMS)} catalogue items in {len(BATCHES)} delegation batches, "
        f"{len(OFFICES)} more teams in 雨湖路街道 (one a stationed 市场监管所)"
    )
