"""One demo user for every role, scoped to 雨湖区 and two of its townships."""

from __future__ import annotations

from gridsvc.accounts import SHELL_SCOPE, service

DEMO_PASSWORD = "gridsvc-demo"  # noqa: S105  (printed by `make run`; demo data only)
COUNTY = "430302"
YUHULU = "430302001"  # 雨湖路街道
CHENGZHENG = "430302002"  # 城正街街道

DEMO_USERS: list[dict] = [
    {"username": "admin", "role": "admin", "display_name": "系统管理员"},
    {
        "username": "county_admin",
        "role": "admin",
        "county_code": COUNTY,
        "display_name": "区管理员",
    },
    {"username": "gis", "role": "gis_staff", "county_code": COUNTY, "display_name": "GIS 专员"},
    {
        "username": "supervisor",
        "role": "supervisor",
        "county_code": COUNTY,
        "display_name": "督查员",
    },
    {
        "username": "dispatcher",
        "role": "county_dispatcher",
        "county_code": COUNTY,
        "display_name": "区指挥中心调度员",
    },
    {
        "username": "dept_zhifa",
        "role": "department_handler",
        "county_code": COUNTY,
        "display_name": "综合行政执法局 经办人",
    },
    {
        "username": "dept_ziran",
        "role": "department_handler",
        "county_code": COUNTY,
        "display_name": "自然资源和规划局 经办人",
    },
    {
        "username": "lead_yuhulu",
        "role": "team_lead",
        "township_code": YUHULU,
        "display_name": "雨湖路街道执法中队 队长",
    },
    {
        "username": "officer_yuhulu",
        "role": "officer",
        "township_code": YUHULU,
        "display_name": "雨湖路街道执法中队 队员",
    },
    {
        "username": "worker_yuhulu",
        "role": "grid_worker",
        "township_code": YUHULU,
        "display_name": "雨湖路街道 网格员",
    },
    {
        "username": "lead_chengzheng",
        "role": "team_lead",
        "township_code": CHENGZHENG,
        "display_name": "城正街街道执法中队 队长",
    },
    {
        "username": "worker_chengzheng",
        "role": "grid_worker",
        "township_code": CHENGZHENG,
        "display_name": "城正街街道 网格员",
    },
]


def ensure_demo_users() -> int:
    """Create the demo users that are missing; never touches existing accounts."""
    created = 0
    for spec in DEMO_USERS:
        if service.find_by_username(spec["username"]) is not None:
            continue
        data = dict(spec, password=DEMO_PASSWORD)
        if data.get("township_code"):
            data["county_code"] = data["township_code"][:6]
        service.create_user(SHELL_SCOPE, data)
        created += 1
    return created
