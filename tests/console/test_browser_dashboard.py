"""In a real browser: the 考核看板 shows the API's figures as charts, tables, a map and exports.

The demo county has no cases, so the test first reports some through the API as the phone app
would (a grid worker's reports, five of them at one spot, which makes a hotspot) and has the
team lead accept three; then a supervisor opens the dashboard.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from io import BytesIO

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.console.conftest import DEMO_PASSWORD, ROOT

# The dashboard's cases are filed in 城正街街道 (430302002): the queue tests count 雨湖路街道's
# demo cases in the same browser database, which is shared by every browser test of the session.
MARKET = (112.90275, 27.85484)  # a spot in 城正街街道 (430302002)
KPI_FIELDS = ("reported", "filed", "due", "closed", "filing_rate", "closing_rate")


def _token(request, username: str) -> dict:
    answer = request.post(
        "/api/v1/auth/login", data={"username": username, "password": DEMO_PASSWORD}
    )
    assert answer.ok, answer.text()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _report(request, headers, lonlat, note: str) -> int:
    body = {
        "client_id": str(uuid.uuid4()),
        "category": "0102",
        "location": {"type": "Point", "coordinates": list(lonlat)},
        "reported_at": datetime.now(UTC).isoformat(),
        "description": note,
    }
    answer = request.post("/api/v1/incidents", data=body, headers=headers)
    assert answer.status == 201, answer.text()
    return answer.json()["id"]


def _accept(request, headers, incident_id: int) -> None:
    etag = request.get(f"/api/v1/incidents/{incident_id}", headers=headers).headers["etag"]
    answer = request.post(
        f"/api/v1/incidents/{incident_id}/actions",
        data={"action": "accept"},
        headers={**headers, "If-Match": etag},
    )
    assert answer.ok, answer.text()


@pytest.fixture(scope="module")
def reported_cases(chromium, console_server):
    """Seven reports today at the market spot, three accepted by the lead."""
    context = chromium.new_context(base_url=console_server)
    request = context.request
    worker = _token(request, "worker_chengzheng")
    ids = [
        _report(request, worker, (MARKET[0] + i * 0.00002, MARKET[1]), f"占道经营 {i}")
        for i in range(7)
    ]
    lead = _token(request, "lead_chengzheng")
    for incident_id in ids[:3]:
        _accept(request, lead, incident_id)
    context.close()
    return ids


def _shown(name: str, value) -> str:
    """How the page writes a figure: rates as percentages with one decimal, '—' for none."""
    if name.endswith("_rate"):
        return "—" if value is None else f"{value * 100:.1f}%"
    return str(value)


def _series(page, chart_id: str) -> dict:
    return page.evaluate(
        """(id) => Object.fromEntries(echarts.getInstanceByDom(document.getElementById(id))
             .getOption().series.map((s) => [s.id, s.data]))""",
        chart_id,
    )


def test_a_supervisor_sees_the_api_figures_as_charts_and_exports_xlsx(console, reported_cases):
    page = console.login("supervisor")
    assert page.url.endswith("/console/dashboard")  # the supervisor's landing page
    page.wait_for_function("() => document.body.dataset.loaded")
    query = page.evaluate("() => JSON.parse(document.body.dataset.loaded)")
    assert query["period"] == "month"
    assert query["by"] == "township"
    api = page.request.get("/api/v1/indicators", params=query).json()
    total = api["total"]
    assert total["reported"] >= 7
    assert total["filed"] >= 3

    for name in KPI_FIELDS:
        shown = page.inner_text(f".kpi[data-field={name}] .value")
        assert shown == _shown(name, total[name]), name
    assert page.inner_text(".kpi[data-field=filing_rate] .value").endswith("%")

    # The table: one line per township, its figures as the API's, rates as percentages.
    for row in api["rows"]:
        line = page.locator(f"#indicators tbody tr[data-key='{row['key']}']")
        assert line.locator("td").first.inner_text() == row["name"]
        for name in ("reported", "filed", "filing_rate", "on_time_rate"):
            cell = line.locator(f"td[data-field={name}]").inner_text()
            assert cell == _shown(name, row[name]), (row["key"], name)
    assert page.inner_text("#indicators tfoot td[data-field=reported]") == str(total["reported"])

    # The charts plot the same numbers: counts as they are, rates as percentages.
    counts = _series(page, "chart-counts")
    assert counts["reported"] == [row["reported"] for row in api["rows"]]
    assert counts["filed"] == [row["filed"] for row in api["rows"]]
    rates = _series(page, "chart-rates")
    expected = [
        None if r["filing_rate"] is None else round(r["filing_rate"] * 100, 1) for r in api["rows"]
    ]
    assert rates["filing_rate"] == expected

    # Scores, each beside its inputs.
    scores = page.request.get("/api/v1/scores", params={"period": "month", "from": query["from"]})
    scores = scores.json()["scores"]
    expect(page.locator("#scores tbody tr")).to_have_count(len(scores))
    for score in scores:
        line = page.locator(f"#scores tbody tr[data-key='{score['kind']}:{score['key']}']")
        want = "—" if score["score"] is None else f"{score['score']:.1f}"
        assert line.locator(".score").inner_text() == want
        for part in score["inputs"]:
            assert part["label_zh"] in line.locator(".inputs").inner_text()

    # The hotspot map: the market spot's five-plus reports are a cluster.
    hotspots = page.request.get("/api/v1/hotspots").json()["features"]
    assert any(f["properties"]["kind"] == "cluster" for f in hotspots)
    expect(page.locator(".hotspot-item")).to_have_count(len(hotspots))
    page.set_viewport_size({"width": 1366, "height": 1700})  # the whole page in one picture
    page.wait_for_timeout(800)  # let the charts resize and the map draw before the picture
    console.screenshot(page, "dashboard")
    page.set_viewport_size({"width": 1366, "height": 768})
    shutil.copy(
        ROOT / "var/test-results/console/dashboard.png", ROOT / "docs/console-dashboard.png"
    )

    # Export: an XLSX that openpyxl opens, holding the same numbers, rates in percent format.
    with page.expect_download() as download:
        page.click("#export-xlsx")
    book = openpyxl.load_workbook(BytesIO(download.value.path().read_bytes()))
    sheet = book.active
    cells = [row for row in sheet.iter_rows() if row[0].value == "合计"]
    assert cells, "no 合计 row"
    headers = next(
        [c.value for c in row] for row in sheet.iter_rows() if "上报数" in [c.value for c in row]
    )
    total_row = cells[0]
    assert total_row[headers.index("上报数")].value == total["reported"]
    assert total_row[headers.index("立案数")].value == total["filed"]
    rate = total_row[headers.index("立案率")]
    assert rate.value == pytest.approx(total["filing_rate"])
    assert "%" in rate.number_format


def test_the_period_picker_asks_the_api_again(console, reported_cases):
    page = console.login("supervisor")
    page.wait_for_function("() => document.body.dataset.loaded")
    page.select_option("#by", "county")
    page.select_option("#period", "custom")
    expect(page.locator("#to-field")).to_be_visible()
    page.fill("#to", page.input_value("#from"))
    page.click("#apply")
    page.wait_for_function("() => JSON.parse(document.body.dataset.loaded || '{}').by === 'county'")
    query = page.evaluate("() => JSON.parse(document.body.dataset.loaded)")
    assert query["period"] == "custom"
    assert query["to"] == query["from"]
    total = page.request.get("/api/v1/indicators", params=query).json()["total"]
    assert page.inner_text(".kpi[data-field=reported] .value") == str(total["reported"])
    assert "format=csv" in page.get_attribute("#export-csv", "href")
    assert "by=county" in page.get_attribute("#export-csv", "href")


def test_a_team_lead_is_refused_the_dashboard(console):
    page = console.login("lead_yuhulu")
    assert page.locator("nav.nav a", has_text="考核看板").count() == 0
    answer = page.goto("/console/dashboard")
    assert answer.status == 403
    assert "考核看板" in page.inner_text("#message")
    assert page.locator("#chart-counts").count() == 0


def test_an_export_after_the_access_cookie_expired_is_still_the_file(console, reported_cases):
    page = console.login("supervisor")
    page.wait_for_function("() => document.body.dataset.loaded")
    # The 30-minute access cookie runs out while the page stays open; the refresh cookie lives.
    context = page.context
    kept = [c for c in context.cookies() if c["name"] != "access_token_cookie"]
    assert len(kept) < len(context.cookies()), "no access cookie to expire"
    context.clear_cookies()
    context.add_cookies(kept)
    with page.expect_download() as download:
        page.click("#export-csv")
    body = download.value.path().read_bytes().decode("utf-8-sig")
    assert "上报数" in body  # the indicators' header row, not a saved problem+json
    assert '"code"' not in body
    assert any(c["name"] == "access_token_cookie" for c in context.cookies())
