"""In a real browser: the county dispatcher's desk (指挥中心) and the department handlers' page.

A team lead calls the county about one of the township's cases (呼叫县级, through the API as the
lead's app would), the dispatcher takes the call, is refused 研判 without a lead department (the
API's Chinese text on the card), analyses and dispatches it to 综合行政执法局, and that
department's handler finds it on their page and responds. A handler cannot open the desk.
"""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from gridsvc.i18n.zh_routing import MESSAGES
from tests.console.conftest import RESULTS, _flask

ZHIFA = "综合行政执法局"
ZIRAN = "自然资源和规划局"
# The cases these tests file are 城正街街道's, so that 雨湖路街道's queue (the demo incidents the
# queue tests count, in the same served database) stays as the demo left it.
LEAD = "lead_chengzheng"
TOWNSHIP_CATEGORY = "0102"  # the township's own duty: routed to 城正街街道's general team
CHENGZHENG_POINT = [112.89187115638087, 27.85931325]  # inside 城正街街道, outside its zones
CALL_REASON = "违章搭建需县执法局协助拆除"
DEPARTMENT_CATEGORY = "0302"  # 住建局's power, never delegated: routing calls the county


def _csrf(page) -> str:
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies["csrf_access_token"]


def _lead_calls_the_county(console) -> int:
    """城正街街道's lead files a case and calls the county about it, as the lead's app would:
    the incident's id."""
    lead = console.login(LEAD)
    writes = {"X-CSRF-TOKEN": _csrf(lead)}
    me = lead.request.get("/api/v1/me").json()
    report = lead.request.post(
        "/api/v1/incidents",
        data={
            "category": TOWNSHIP_CATEGORY,
            "location": {"type": "Point", "coordinates": CHENGZHENG_POINT},
            "description": "沿街违章搭建雨棚，占用人行道",
            "address": "城正街128号",
        },
        headers=writes,
    )
    assert report.status == 201, report.text()
    incident = report.json()
    assert incident["routing"]["team"]["id"] == me["team_id"], incident["routing"]
    teams = lead.request.get("/api/v1/teams", params={"kind": "county_department"}).json()
    zhifa = next(t["id"] for t in teams["items"] if t["name"].endswith(ZHIFA))
    call = lead.request.post(
        "/api/v1/calls",
        data={"incident_id": incident["id"], "reason": CALL_REASON, "department_id": zhifa},
        headers=writes,
    )
    assert call.status == 201, call.text()
    assert call.json()["status"] == "called"
    # A second call the desk sees: routing itself calls the county for a department's power.
    routed = lead.request.post(
        "/api/v1/incidents",
        data={
            "category": DEPARTMENT_CATEGORY,
            "location": {"type": "Point", "coordinates": CHENGZHENG_POINT},
            "description": "工地夜间扬尘，未覆盖防尘网",
        },
        headers=writes,
    )
    assert routed.status == 201, routed.text()
    assert routed.json()["routing"]["target"] == "county_call", routed.json()["routing"]
    return incident["id"]


def _report(lead, description: str) -> int:
    """城正街街道's lead files a township case: its id."""
    answer = lead.request.post(
        "/api/v1/incidents",
        data={
            "category": TOWNSHIP_CATEGORY,
            "location": {"type": "Point", "coordinates": CHENGZHENG_POINT},
            "description": description,
        },
        headers={"X-CSRF-TOKEN": _csrf(lead)},
    )
    assert answer.status == 201, answer.text()
    return answer.json()["id"]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_dispatcher_takes_analyses_and_dispatches_a_call_that_the_department_answers(console):
    incident_id = _lead_calls_the_county(console)

    desk = console.login("dispatcher")
    assert desk.url.endswith("/console/desk")
    card = desk.locator(f"#panel-calls .item[data-incident-id='{incident_id}']")
    expect(card.locator(".call-status")).to_have_text("待受理")
    expect(card).to_contain_text(CALL_REASON)
    expect(card.locator("[data-due]")).to_contain_text("剩余")
    expect(desk.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    console.screenshot(desk, "desk")

    # The card and the map in step: picking the card marks it (and flies the map to the case).
    card.locator(".title").click()
    expect(card).to_have_class("item selected")

    card.locator("[data-action='accept']").click()
    card = desk.locator(f"#panel-calls .item[data-incident-id='{incident_id}']")
    expect(card.locator(".call-status")).to_have_text("已受理·待研判")

    # The lead department also ticked as cooperating: the API refuses, in Chinese, on the card.
    card.locator("select[name='primary_department_id']").select_option(label=f"雨湖区{ZHIFA}")
    card.locator("fieldset.cooperating label", has_text=ZHIFA).locator("input").check()
    card.locator("[data-action='analyse']").click()
    expect(card.locator(".problem")).to_have_text(MESSAGES["call.department_twice"][1])
    expect(card.locator(".call-status")).to_have_text("已受理·待研判")

    card.locator("fieldset.cooperating label", has_text=ZHIFA).locator("input").uncheck()
    card.locator("fieldset.cooperating label", has_text=ZIRAN).locator("input").check()
    card.locator("input[name='note']").fill("属违法建设，执法局主办，自然资源局协办")
    card.locator("[data-action='analyse']").click()
    card = desk.locator(f"#panel-calls .item[data-incident-id='{incident_id}']")
    expect(card.locator(".call-status")).to_have_text("已研判·待派发")
    expect(card).to_contain_text(f"主办：雨湖区{ZHIFA}；协办：雨湖区{ZIRAN}")
    card.locator("[data-action='dispatch']").click()
    card = desk.locator(f"#panel-calls .item[data-incident-id='{incident_id}']")
    expect(card.locator(".call-status")).to_have_text("已派发·待响应")
    console.screenshot(desk, "desk-dispatched")

    handler = console.login("dept_zhifa")
    assert handler.url.endswith("/console/department")
    item = handler.locator(f"#panel-queue .item[data-incident-id='{incident_id}']")
    expect(item.locator(".call-status")).to_have_text("乡呼县应：已派发·待响应")
    expect(item.locator(".case-status")).to_have_text("已派遣")
    item.locator("input[name='note']").fill("已安排执法人员前往")
    item.locator("[data-action='respond']").click()
    item = handler.locator(f"#panel-queue .item[data-incident-id='{incident_id}']")
    expect(item.locator(".call-status")).to_have_text("乡呼县应：已响应·处置中")
    expect(item.locator(".case-status")).to_have_text("处置中")
    expect(handler.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    console.screenshot(handler, "department")

    # The desk sees the answer too.
    desk.reload()
    card = desk.locator(f"#panel-calls .item[data-incident-id='{incident_id}']")
    expect(card.locator(".call-status")).to_have_text("已响应·处置中")

    # 处置反馈 without a photo is refused on the page; with one, the case is resolved and the
    # call completed, ready for 一呼一评.
    item.locator("[data-action='resolve']").click()
    expect(item.locator(".problem")).to_have_text("请先选择一张处置照片")
    item.locator("input[type='file']").set_input_files(
        files=[{"name": "after.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    expect(item.locator(".file-pick .name")).to_have_text("after.jpg")
    item.locator("input[name='note']").fill("违章雨棚已拆除")
    item.locator("[data-action='resolve']").click()
    expect(handler.locator(".toast.ok", has_text="已提交处置反馈")).to_be_visible()
    handler.locator("#desk-tabs [data-tab='ratings']").click()
    rating = handler.locator(f"#panel-ratings .item[data-incident-id='{incident_id}']")
    expect(rating).to_contain_text("乡镇评价本部门：未评价")
    _assert_rating_figures_match_the_api(handler)
    unrated = int(handler.inner_text(PENDING))
    assert unrated >= 1
    rating.locator("[data-action='rate_township']").click()  # no score chosen: the API says so
    expect(rating.locator(".problem")).to_have_text(MESSAGES["call.rating_required"][1])
    rating.locator("select[name='rating']").select_option("4")
    rating.locator("input[name='comment']").fill("乡镇配合及时")
    rating.locator("[data-action='rate_township']").click()
    rating = handler.locator(f"#panel-ratings .item[data-incident-id='{incident_id}']")
    expect(rating).to_contain_text("本部门评价乡镇：★★★★☆")
    expect(rating.locator("[data-action='rate_township']")).to_have_count(0)
    expect(handler.locator(PENDING)).to_have_text(str(unrated - 1))
    _assert_rating_figures_match_the_api(handler)

    # The township rates the department's response (as the lead's app would): the page's mean
    # is the API's, to two decimals.
    lead = console.login(LEAD)
    call_id = int(rating.get_attribute("data-call-id"))
    etag = lead.request.get(f"/api/v1/calls/{call_id}").headers["etag"]
    rated = lead.request.post(
        f"/api/v1/calls/{call_id}/actions",
        data={"action": "rate_department", "rating": 3, "comment": "响应较慢"},
        headers={"X-CSRF-TOKEN": _csrf(lead), "If-Match": etag},
    )
    assert rated.status == 200, rated.text()
    handler.reload()
    expect(handler.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    handler.locator("#desk-tabs [data-tab='ratings']").click()
    figures = _assert_rating_figures_match_the_api(handler)
    assert figures["received"] >= 1
    assert figures["month"]["count"] >= 1  # the township's rating counts in this month's figure
    console.screenshot(handler, "department-rated")


PENDING = "#rating-summary [data-figure='pending'] b"


def _assert_rating_figures_match_the_api(handler) -> dict:
    """The 一呼一评 figures on the page equal those computed from /calls, counted as the
    assessment counts them (a call is its lead department's)."""
    me = handler.request.get("/api/v1/me").json()
    answer = handler.request.get(
        "/api/v1/calls",
        params={"department_id": me["team_id"], "status": "completed", "limit": 200},
    )
    assert answer.status == 200, answer.text()
    mine = [c for c in answer.json()["items"] if c["primary_department_id"] == me["team_id"]]
    received = [c["township_rating"] for c in mine if c["township_rating"]]
    want = {
        "total": len(mine),
        "rated": sum(c["department_rating"] is not None for c in mine),
        "received": len(received),
        "mean": f"{round(sum(received) / len(received), 2):.2f} 分" if received else "暂无",
    }
    want["pending"] = want["total"] - want["rated"]
    summary = handler.locator("#rating-summary")
    for name in ("rated", "pending", "received", "mean"):
        expect(summary.locator(f"[data-figure='{name}'] b")).to_have_text(str(want[name]))
    expect(handler.locator("#count-ratings")).to_have_text(f"{want['rated']}/{want['total']}")
    # This month as the assessment counts it: the department's row of /ratings.
    table = handler.request.get("/api/v1/ratings", params={"period": "month"})
    assert table.status == 200, table.text()
    row = next(
        (r for r in table.json()["departments"] if r["key"] == str(me["team_id"])),
        {"mean": None, "count": 0},
    )
    month_mean = "暂无" if row["mean"] is None else f"{row['mean']:.2f} 分"
    expect(summary.locator("[data-figure='month-count'] b")).to_have_text(str(row["count"]))
    expect(summary.locator("[data-figure='month-mean'] b")).to_have_text(month_mean)
    want["month"] = row
    return want


def test_a_department_handler_cannot_open_the_desk(console):
    handler = console.login("dept_ziran")
    answer = handler.goto("/console/desk")
    assert answer.status == 403
    assert "指挥中心" in handler.inner_text("#message")
    assert handler.locator("#panel-calls").count() == 0
    console.screenshot(handler, "department-refused-desk")
    assert (RESULTS / "department-refused-desk.png").exists()


def test_the_desk_is_usable_on_a_tablet(console):
    """Portrait tablet: the map stacks over the list and the cards' buttons stay reachable."""
    desk = console.login("dispatcher")
    desk.set_viewport_size({"width": 768, "height": 1024})
    desk.reload()
    expect(desk.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    map_box = desk.locator("#map").bounding_box()
    tabs_box = desk.locator("#desk-tabs").bounding_box()
    assert map_box["y"] + map_box["height"] <= tabs_box["y"] + 1  # map above the list
    assert tabs_box["width"] >= 700  # the list takes the full width
    desk.locator("#desk-tabs [data-tab='notices']").click()
    expect(desk.locator("#panel-notices")).to_be_visible()
    expect(desk.locator("#panel-calls")).to_be_hidden()
    console.screenshot(desk, "desk-tablet")


def test_supervision_notices_come_overdue_first_and_are_acknowledged(console, console_database):
    """Two cases miss their deadline (moved into the past), the real SLA sweep issues the 督办
    notices; the desk lists the longest overdue first and 签收 moves it below the open ones."""
    lead = console.login(LEAD)
    older = _report(lead, "督办测试：超时较久")
    newer = _report(lead, "督办测试：刚刚超时")
    engine = sa.create_engine(console_database)
    with engine.begin() as conn:
        for incident_id, late in ((older, "5 hours"), (newer, "20 minutes")):
            conn.execute(
                sa.text(
                    "UPDATE cases SET due_at = now() - CAST(:late AS interval),"
                    " response_due_at = now() - CAST(:late AS interval) WHERE incident_id = :id"
                ),
                {"late": late, "id": incident_id},
            )
    engine.dispose()
    _flask(make_url(console_database), "routing", "sla-sweep")

    desk = console.login("dispatcher")
    desk.locator("#desk-tabs [data-tab='notices']").click()
    cards = desk.locator("#panel-notices .item")
    expect(cards.first).to_have_attribute("data-incident-id", str(older))
    mine = desk.locator(f"#panel-notices .item[data-incident-id='{newer}']")
    expect(mine.first).to_contain_text("超时未受理")
    expect(mine.first.locator("[data-due]")).to_contain_text("已超时")
    opened = int(desk.inner_text("#count-notices"))
    assert opened >= 2
    expect(desk.locator("body[data-ready='true']")).to_have_count(1, timeout=30000)
    # On the county map both cases wear the overdue ring (their notices are open).
    rings = desk.evaluate(
        """(ids) => {
            const map = document.getElementById("map").map;
            const drawn = map.querySourceFeatures("cases");
            return ids.map((id) => drawn.find((f) => f.properties.id === id)?.properties.overdue);
        }""",
        [older, newer],
    )
    assert rings == [True, True]
    console.screenshot(desk, "desk-notices")

    first = cards.first
    notice_id = first.get_attribute("data-notice-id")
    first.get_by_role("button", name="签收").click()
    acknowledged = desk.locator(f"#panel-notices .item[data-notice-id='{notice_id}']")
    expect(acknowledged).to_contain_text("已签收")
    expect(desk.locator("#count-notices")).to_have_text(str(opened - 1))
    expect(cards.first).not_to_have_attribute("data-notice-id", notice_id)
