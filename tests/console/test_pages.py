"""The console's pages as the server serves them: who may open what, the login redirect, the
Chinese refusal pages, the page configuration, and nothing loaded from another site.

Browser behaviour (the scripts) is tested in test_browser_*.py; these run without a browser.
"""

from __future__ import annotations

import json
import re

import pytest
from lxml import html

from gridsvc.accounts import ROLES
from gridsvc.console import PAGES, landing_page
from gridsvc.incidents import STATUSES
from tests.accounts.test_cookie_sessions import browser_login, csrf

COUNTY_ROLES = {"admin", "gis_staff", "supervisor", "county_dispatcher", "department_handler"}


def signed_in(client, make_user, role: str, username: str | None = None):
    township = None if role in COUNTY_ROLES else "430302001"
    user = make_user(username=username or f"c_{role}", role=role, township_code=township)
    assert browser_login(client, user.username).status_code == 201
    return user


def page_config(response) -> dict:
    tree = html.fromstring(response.get_data(as_text=True))
    return json.loads(tree.get_element_by_id("console-config").text)


def test_login_page_is_chinese_and_asks_for_username_and_password(client):
    response = client.get("/console/login")
    assert response.status_code == 200
    tree = html.fromstring(response.get_data(as_text=True))
    assert tree.get("lang") == "zh-CN"
    assert tree.findtext(".//title").startswith("登录")
    assert tree.get_element_by_id("username") is not None
    assert tree.get_element_by_id("password").get("type") == "password"


def test_pages_redirect_to_the_login_when_signed_out(client):
    response = client.get("/console/queue")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/queue"
    assert client.get("/console/").headers["Location"] == "/console/login"


def test_login_only_goes_on_to_console_pages_of_this_site(client):
    assert page_config(client.get("/console/login?next=/console/queue"))["next"] == "/console/queue"
    for hostile in ("https://evil.example/console/", "//evil.example/x", "/api/v1/me"):
        assert page_config(client.get(f"/console/login?next={hostile}"))["next"] == "/console/"


def test_the_desk_roles_land_where_their_work_is():
    assert landing_page("county_dispatcher").path == "desk"
    assert landing_page("admin").path == "dashboard"  # a global admin has no county for the desk
    assert landing_page("supervisor").path == "dashboard"
    assert landing_page("gis_staff").path == "data"
    assert landing_page("team_lead").path == "queue"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_its_page_and_is_refused_the_others(client, make_user, role):
    signed_in(client, make_user, role)
    landing = landing_page(role)
    home = client.get("/console/")
    if landing is None:
        assert home.status_code == 403
        assert "手机应用" in home.get_data(as_text=True)
    else:
        assert home.headers["Location"] == f"/console/{landing.path}"
    for page in PAGES:
        response = client.get(f"/console/{page.path}")
        text = response.get_data(as_text=True)
        if role in page.roles:
            assert response.status_code == 200, (role, page.path)
            assert f"js/pages/{page.module}" in text
        else:
            assert response.status_code == 403, (role, page.path)
            assert response.mimetype == "text/html"
            assert "无权访问" in text
            assert page.title in text
            assert "js/pages/" not in text  # the refusal, never the page's shell


def test_the_nav_shows_only_the_pages_the_role_may_use(client, make_user):
    signed_in(client, make_user, "team_lead")
    tree = html.fromstring(client.get("/console/queue").get_data(as_text=True))
    links = [a.get("href") for a in tree.xpath("//nav[@class='nav']/a")]
    assert links == ["/console/queue"]
    client.delete("/api/v1/auth/session", headers=csrf(client))
    signed_in(client, make_user, "admin")
    tree = html.fromstring(client.get("/console/dashboard").get_data(as_text=True))
    assert [a.text for a in tree.xpath("//nav[@class='nav']/a")] == [
        "指挥中心",
        "考核看板",
        "数据管理",
    ]


def test_a_worker_is_refused_every_page(client, make_user):
    signed_in(client, make_user, "grid_worker")
    for page in PAGES:
        response = client.get(f"/console/{page.path}")
        assert response.status_code == 403
        assert "网格员" in response.get_data(as_text=True)


def test_an_unknown_page_is_a_chinese_404(client, make_user):
    response = client.get("/console/nowhere")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_a_logged_out_cookie_no_longer_opens_pages(client, make_user):
    signed_in(client, make_user, "team_lead")
    access = client.get_cookie("access_token_cookie").value
    assert client.delete("/api/v1/auth/session", headers=csrf(client)).status_code == 204
    client.set_cookie("access_token_cookie", access)  # a copy kept from before the logout
    assert client.get("/console/queue").status_code == 302


def test_the_page_config_carries_the_user_the_labels_and_no_basemap_by_default(client, make_user):
    user = signed_in(client, make_user, "team_lead")
    config = page_config(client.get("/console/queue"))
    assert config["user"]["id"] == user.id
    assert config["user"]["township_code"] == "430302001"
    assert config["page"] == "queue"
    assert config["basemap"] is None
    for status in STATUSES:  # every status a page may show has its Chinese name
        assert re.search(r"[\u4e00-\u9fff]", config["labels"][status]), status


def test_a_configured_basemap_reaches_the_page_with_its_key(app, client, make_user, monkeypatch):
    monkeypatch.setitem(
        app.config, "CONSOLE_BASEMAP_URL", "https://t0.tianditu.gov.cn/vec_w/{z}/{x}/{y}?tk={key}"
    )
    monkeypatch.setitem(app.config, "CONSOLE_BASEMAP_KEY", "k123")
    signed_in(client, make_user, "team_lead")
    basemap = page_config(client.get("/console/queue"))["basemap"]
    assert basemap["url"] == "https://t0.tianditu.gov.cn/vec_w/{z}/{x}/{y}?tk=k123"


def test_every_script_and_stylesheet_is_served_from_this_site(client, make_user):
    """No CDN: government intranets have no internet. Every asset a page names is ours, and is
    there (scripts/console.sh copies the vendor builds)."""
    pages = [client.get("/console/login")]
    for role in ("team_lead", "county_dispatcher", "department_handler", "gis_staff", "admin"):
        signed_in(client, make_user, role)
        pages.append(client.get(client.get("/console/").headers["Location"]))
    seen = set()
    for response in pages:
        assert response.status_code == 200
        tree = html.fromstring(response.get_data(as_text=True))
        for node in tree.xpath("//script[@src] | //link[@href]"):
            url = node.get("src") or node.get("href")
            assert url.startswith("/console/static/"), url
            seen.add(url)
    assert "/console/static/vendor/maplibre-gl.js" in seen
    for url in seen:
        assert client.get(url).status_code == 200, f"{url} missing: run scripts/console.sh"
    # The shared modules import each other by relative paths only.
    for module in ("api.js", "map.js", "format.js", "labels.js", "ui.js", "pages/queue.js"):
        source = client.get(f"/console/static/js/{module}").get_data(as_text=True)
        assert not re.search(r"""(from|import)\s*\(?\s*["'](https?:)?//""", source), module
