"""The console's security headers: on every answer of its blueprint, and the basemap's origin."""

from __future__ import annotations

import pytest

from gridsvc.console.security import basemap_source, content_security_policy


def directives(policy: str) -> dict[str, list[str]]:
    parts = (item.split() for item in policy.split(";"))
    return {words[0]: words[1:] for words in parts if words}


@pytest.mark.parametrize("path", ["/console/login", "/console/", "/console/queue"])
def test_pages_and_redirects_carry_the_policy(client, path):
    response = client.get(path)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["style-src-attr"] == ["'unsafe-inline'"]  # attributes, never <style>
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "blob:" in policy["worker-src"]  # MapLibre's workers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_files_carry_it_too(client):
    response = client.get("/console/static/css/console.css")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_api_is_not_given_a_page_policy(client):
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_without_a_basemap_images_and_fetches_stay_on_this_site():
    policy = directives(content_security_policy(None))
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["connect-src"] == ["'self'"]


def test_a_configured_basemap_adds_its_origin(app, client, monkeypatch):
    monkeypatch.setitem(
        app.config, "CONSOLE_BASEMAP_URL", "https://tiles.example.cn/{z}/{x}/{y}.png?tk={key}"
    )
    policy = directives(client.get("/console/login").headers["Content-Security-Policy"])
    assert "https://tiles.example.cn" in policy["img-src"]
    assert "https://tiles.example.cn" in policy["connect-src"]
    assert "https://tiles.example.cn" not in policy["script-src"]


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk={key}", "https://*.tianditu.gov.cn"),
        ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
        ("https://{s}.example.cn/{z}/{x}/{y}", "https://*.example.cn"),
        ("https://tiles.{region}/x", None),  # no CSP source says "any domain"
        ("javascript:alert(1)", None),
        ("/local/{z}/{x}/{y}.png", None),  # this site: 'self' already covers it
        ("", None),
        (None, None),
    ],
)
def test_basemap_sources(url, source):
    assert basemap_source(url) == source
