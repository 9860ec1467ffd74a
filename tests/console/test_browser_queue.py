"""In a real browser: the team lead's map queue (执法队案件地图) and the officer's view.

The demo county's 雨湖路街道 has four cases in its team's queue (gridsvc/demo/incidents.py): two
reported, one accepted, one dispatched to officer_yuhulu.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

MAP = "document.getElementById('map').map"
RENDERED = f"{MAP}.queryRenderedFeatures({{layers: ['incidents-0']}})"


def open_queue(console, username):
    page = console.login(username)
    page.wait_for_url("**/console/queue")
    page.wait_for_selector("body[data-ready=true]")
    return page


def call_api(page, path):
    """What the page's own session reads from the API (same cookies)."""
    return page.evaluate(f"fetch('/api/v1/{path}').then(r => r.json())")


def test_team_lead_sees_the_queue_dispatches_a_case_and_the_officer_has_it(console):
    page = open_queue(console, "lead_yuhulu")
    items = page.locator("#queue-list li.incident")
    expect(items).to_have_count(4)
    expect(page.locator("#team-name")).to_have_text("雨湖路街道综合行政执法中队")
    expect(page.locator("#queue-counts")).to_contain_text("全部 4")
    # The same four cases are drawn on the map (inside the township it was fitted to).
    page.wait_for_function(f"() => new Set({RENDERED}.map(f => f.id)).size === 4")

    # In step: hovering a list entry highlights its point; hovering a point, its entry.
    page.locator('#queue-list li[data-id="1"]').hover()
    assert page.evaluate(f"{MAP}.getFeatureState({{source: 'incidents', id: 1}}).hover") is True
    x, y = page.evaluate(
        f"""() => {{
            const f = {MAP}.getSource('incidents')._data.features.find(f => f.id === 5);
            const p = {MAP}.project(f.geometry.coordinates);
            const box = {MAP}.getCanvas().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }}"""
    )
    page.mouse.move(x, y)
    expect(page.locator('#queue-list li[data-id="5"]')).to_have_class("incident hover")
    console.screenshot(page, "queue-lead")

    # Filters: only the reported ones, then everything again.
    page.select_option("#filter-status", "reported")
    expect(items).to_have_count(2)
    page.select_option("#filter-status", "")
    expect(items).to_have_count(4)

    # The incident page: routing reason in Chinese, deadlines counting down, trail, Beijing time.
    page.locator('#queue-list li[data-id="1"]').click()
    expect(page.locator("#incident-title")).to_contain_text("#1 占道经营")
    expect(page.locator("#incident-reason")).to_contain_text("雨湖路街道有权处置")
    expect(page.locator("#incident-deadlines")).to_contain_text("剩余")
    expect(page.locator("#incident-timeline")).to_contain_text("自动分派")
    reported = call_api(page, "incidents/1")["reported_at"]
    beijing = datetime.fromisoformat(reported).astimezone(ZoneInfo("Asia/Shanghai"))
    expect(page.locator(".facts")).to_contain_text(beijing.strftime("%Y-%m-%d %H:%M"))

    # A refused action shows the API's own Chinese message: 退回 without a reason.
    page.click('#incident-actions button[data-action="return"]')
    page.click('form[data-action="return"] button[type="submit"]')
    expect(page.locator('form[data-action="return"] .error')).to_contain_text("需要填写理由")

    # 受理 (立案), then 派遣 to the officer.
    page.click('#incident-actions button[data-action="accept"]')
    page.click('form[data-action="accept"] button[type="submit"]')
    expect(page.locator("#incident-status")).to_have_text("已立案")
    page.click('#incident-actions button[data-action="dispatch"]')
    page.select_option('form[data-action="dispatch"] select', label="雨湖路街道执法中队 队员")
    page.click('form[data-action="dispatch"] button[type="submit"]')
    expect(page.locator("#incident-status")).to_have_text("已派遣")
    expect(page.locator("#incident-timeline")).to_contain_text("派遣")
    console.screenshot(page, "incident-dispatched")
    case = call_api(page, "incidents/1/case")
    assert case["status"] == "dispatched"
    officer_id = case["assignee_id"]

    # The officer's view: their own cases by default, the one just dispatched among them.
    officer = open_queue(console, "officer_yuhulu")
    expect(officer.locator("#filter-assignee")).to_have_value("me")
    mine = officer.locator("#queue-list li.incident")
    expect(mine.locator("text=#1 占道经营")).to_be_visible()
    assert call_api(officer, "me")["id"] == officer_id
    console.screenshot(officer, "queue-officer")


def _post(base_url, path, body: bytes, headers: dict) -> dict:
    """A phone's request to the served app (plain http to our own server)."""
    request = urllib.request.Request(f"{base_url}/api/v1/{path}", body, headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return json.load(answer)


def _login_bearer(base_url, username):
    body = json.dumps({"username": username, "password": "gridsvc-demo"}).encode()
    answer = _post(base_url, "auth/login", body, {"Content-Type": "application/json"})
    return answer["access_token"]


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_new_report_appears_without_reload_with_its_photo(console, console_server):
    page = open_queue(console, "lead_yuhulu")
    before = page.locator("#queue-list li.incident").count()
    # A grid worker reports from the phone (bearer API) while the page is open.
    token = _login_bearer(console_server, "worker_yuhulu")
    where = call_api(page, "incidents/5")["location"]
    report = {
        "client_id": "7d8e2a0c-4b7c-4f4f-9d7e-3f1b2c3d4e5f",
        "category": "0501",
        "location": where,
        "description": "新上报：夜市摊点占道",
        "address": "雨湖路 88 号",
    }
    bearer = {"Authorization": f"Bearer {token}"}
    created = _post(
        console_server,
        "incidents",
        json.dumps(report).encode(),
        {**bearer, "Content-Type": "application/json"},
    )
    boundary = "----consoletest"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nreport\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + _png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    multipart = {**bearer, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    _post(console_server, f"incidents/{created['id']}/photos", form, multipart)

    new = page.locator(f'#queue-list li[data-id="{created["id"]}"]')
    # No reload: /me/feed is polled every 5 s; it waits while an older transaction anywhere in
    # the database cluster is open (other test sessions on a shared server), so the page also
    # re-reads the queue every 30 s.
    expect(new).to_be_visible(timeout=45000)
    assert page.locator("#queue-list li.incident").count() == before + 1
    expect(page.locator(".toast")).to_contain_text(f"新案件 #{created['id']}")

    new.click()
    thumb = page.locator("#incident-photos img")
    expect(thumb).to_have_count(1)
    page.wait_for_function("() => document.querySelector('#incident-photos img').naturalWidth > 0")
    thumb.click()
    page.wait_for_function("() => document.getElementById('lightbox-img').naturalWidth === 640")
    console.screenshot(page, "incident-photo")
    page.click("#lightbox-close")
    expect(page.locator("#lightbox")).to_be_hidden()
