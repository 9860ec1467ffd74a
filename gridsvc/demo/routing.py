"""Demo teams, county departments, the responsibility list and two zones for 雨湖区.

Chosen to show every routing branch: most townships have their own enforcement team, 万楼街道 and
先锋街道 share one, 长城乡 has none (its cases go to the county); some categories are the
township's own duty (属地), some are county powers delegated to the townships (委托), some stay with a
county department (乡呼县应). Loaded through the same service functions the API uses; idempotent.
"""

from __future__ import annotations

from datetime import date

import shapely
from sqlalchemy import select

from gridsvc.accounts import SHELL_SCOPE, User
from gridsvc.boundaries import store
from gridsvc.extensions import db
from gridsvc.geo.convert import to_geojson
from gridsvc.routing.directory import responsibility, teams, zones
from gridsvc.routing.directory.models import RoutingZone, Team

COUNTY = "430302"
TOWNSHIP_TEAMS = [
    ("YHL", "雨湖路街道综合行政执法中队", ["430302001"]),
    ("CZJ", "城正街街道综合行政执法中队", ["430302002"]),
    ("YT", "云塘街道综合行政执法中队", ["430302003"]),
    ("GC", "广场街道综合行政执法中队", ["430302004"]),
    ("YW", "窑湾街道综合行政执法中队", ["430302005"]),
    ("ZT", "昭潭街道综合行政执法中队", ["430302006"]),
    ("WLXF", "万楼·先锋街道联合执法中队", ["430302007", "430302008"]),
    ("HL", "鹤岭镇综合行政执法队", ["430302100"]),
    ("NZS", "楠竹山镇综合行政执法队", ["430302101"]),
    ("JS", "姜畲镇综合行政执法队", ["430302102"]),
    # 长城乡 (430302202) has no team of its own: its cases are called up to the county.
]
DEPARTMENTS = [
    ("ZHZF", "雨湖区综合行政执法局"),
    ("ZRZY", "雨湖区自然资源和规划局"),
    ("SCJG", "雨湖区市场监督管理局"),
    ("ZJJ", "雨湖区住房和城乡建设局"),
    ("STHJ", "湘潭市生态环境局雨湖分局"),
    ("JJ", "湘潭市公安局交通警察支队雨湖大队"),
]
# category, primary (township | department code), delegated, cooperating, response h, resolution h,
# deadline basis, legal basis
LIST = [
    ("0102", "township", False, [], 2, 24, "natural", "《城市市容和环境卫生管理条例》"),
    ("0103", "township", False, [], 4, 48, "natural", "《城市市容和环境卫生管理条例》"),
    ("0104", "township", False, [], 2, 24, "natural", "《城市市容和环境卫生管理条例》"),
    ("0201", "ZHZF", True, [], 4, 48, "natural", "《城市市容和环境卫生管理条例》第十七条"),
    ("0202", "ZHZF", True, ["SCJG"], 8, 120, "working", "《城市市容和环境卫生管理条例》"),
    ("0301", "ZHZF", True, ["STHJ"], 2, 24, "natural", "《中华人民共和国噪声污染防治法》"),
    (
        "0302",
        "ZJJ",
        False,
        ["STHJ"],
        2,
        24,
        "natural",
        "《中华人民共和国大气污染防治法》第六十九条",
    ),
    ("0303", "ZHZF", True, [], 1, 12, "natural", "《城市市容和环境卫生管理条例》"),
    ("0501", "ZHZF", True, ["SCJG"], 1, 24, "natural", "《城市市容和环境卫生管理条例》第十四条"),
    ("0502", "ZHZF", True, [], 2, 48, "natural", "《城市市容和环境卫生管理条例》"),
    ("0503", "JJ", False, [], 1, 4, "natural", "《中华人民共和国道路交通安全法》第五十六条"),
    ("0504", "ZHZF", True, ["SCJG"], 1, 24, "natural", "《无证无照经营查处办法》"),
    (
        "0601",
        "ZHZF",
        False,
        ["ZRZY", "ZJJ"],
        4,
        168,
        "working",
        "《中华人民共和国城乡规划法》第六十四条",
    ),
    ("0602", "township", False, [], 4, 72, "natural", "《中华人民共和国城乡规划法》"),
    ("0701", "STHJ", False, ["ZHZF"], 1, 24, "natural", "《中华人民共和国噪声污染防治法》"),
    ("0702", "ZHZF", True, ["STHJ"], 4, 72, "natural", "《中华人民共和国大气污染防治法》"),
    ("0801", "ZJJ", False, [], 0.5, 24, "natural", "《城市道路管理条例》"),
    ("0802", "ZJJ", False, [], 0.5, 12, "natural", "《城市道路管理条例》"),
]
LIST_EFFECTIVE = date(2026, 1, 1)
# 即知即改: small things a grid worker clears on the spot and reports fixed (自处置).
FIXABLE_ON_SITE = {"0104"}
MEMBERS = {
    "lead_yuhulu": "YHL",
    "officer_yuhulu": "YHL",
    "lead_chengzheng": "CZJ",
    "dept_zhifa": "ZHZF",
    "dept_ziran": "ZRZY",
}


def _team(code: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.county_code == COUNTY, Team.code == code))


def load_demo_routing(echo=print) -> None:
    if _team("ZHZF") is not None:
        echo("demo: teams, departments and the responsibility list already present")
        return
    for code, name, townships in TOWNSHIP_TEAMS:
        teams.create_team(
            SHELL_SCOPE,
            {
                "county_code": COUNTY,
                "kind": "township_team",
                "code": code,
                "name": name,
                "township_code": townships[0],
                "townships": townships,
            },
        )
    for code, name in DEPARTMENTS:
        teams.create_team(
            SHELL_SCOPE,
            {"county_code": COUNTY, "kind": "county_department", "code": code, "name": name},
        )
    echo(f"demo: {len(TOWNSHIP_TEAMS)} township teams and {len(DEPARTMENTS)} county departments")
    ids = {code: _team(code).id for code, _n in DEPARTMENTS}
    for category, primary, delegated, cooperating, response, resolution, basis, law in LIST:
        responsibility.create_entry(
            SHELL_SCOPE,
            {
                "county_code": COUNTY,
                "category_code": category,
                "primary_kind": "township" if primary == "township" else "department",
                "department_id": None if primary == "township" else ids[primary],
                "delegated": delegated,
                "cooperating_ids": [ids[c] for c in cooperating],
                "response_hours": response,
                "resolution_hours": resolution,
                "deadline_basis": basis,
                "legal_basis": law,
                "fixable_on_site": category in FIXABLE_ON_SITE,
                "effective_from": LIST_EFFECTIVE,
            },
            user_id=None,
        )
    echo(f"demo: responsibility list with {len(LIST)} entries, in force from {LIST_EFFECTIVE}")
    for username, code in MEMBERS.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            teams.add_member(SHELL_SCOPE, _team(code), user.id)
    _demo_zones(ids)


def _demo_zones(departments: dict[str, int]) -> None:
    """A market district in 雨湖路街道 for the market regulator, a 路长制 road in 城正街街道."""
    if db.session.scalar(select(RoutingZone.id).where(RoutingZone.county_code == COUNTY)):
        return
    outlines = store.current_geometries("township", ["430302001", "430302002"])
    market = shapely.buffer(outlines["430302001"].representative_point(), 0.002)
    zones.create_zone(
        SHELL_SCOPE,
        {
            "county_code": COUNTY,
            "name": "雨湖路农贸市场片区",
            "geometry": to_geojson(market),
            "team_id": departments["SCJG"],
            "category_codes": ["0502", "0504"],
            "priority": 10,
        },
        None,
    )
    centre = outlines["430302002"].representative_point()
    road = shapely.LineString([(centre.x - 0.004, centre.y), (centre.x + 0.004, centre.y)])
    zones.create_zone(
        SHELL_SCOPE,
        {
            "county_code": COUNTY,
            "name": "城正街路长制示范路段",
            "geometry": to_geojson(shapely.intersection(road, outlines["430302002"])),
            "buffer_m": 25,
            "team_id": _team("CZJ").id,
            "priority": 20,
        },
        None,
    )
