"""Chinese answers through the API: the same code, Chinese title/detail/errors/findings, and the
headers that say which language an answer is in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import box

from gridsvc import create_app
from gridsvc.config import TestConfig
from gridsvc.jobs import init_celery
from tests.boundaries.conftest import TOWNSHIPS, feature, geojson_bytes, upload_request
from tests.conftest import bearer
from tests.factories import PASSWORD
from tests.incidents.conftest import (  # noqa: F401  (fixtures used here)
    as_worker,
    hierarchy,
    publish,
    report,
    worker,
)
from tests.test_app import assert_problem

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
ROOT = Path(__file__).resolve().parents[2]


def _both(send) -> tuple[dict, dict, object]:
    """The same request asked in English and in Chinese: (English body, Chinese body, response)."""
    english = send(EN)
    chinese = send(ZH)
    assert english.status_code == chinese.status_code
    assert english.headers["Content-Language"] == "en"
    assert chinese.headers["Content-Language"] == "zh-CN"
    for response in (english, chinese):
        assert "Accept-Language" in response.headers["Vary"]
    en_body, zh_body = english.get_json(force=True), chinese.get_json(force=True)
    if english.status_code >= 400:
        assert zh_body["code"] == en_body["code"]
        assert zh_body["type"] == en_body["type"]
    return en_body, zh_body, chinese


def test_bad_login_in_chinese_keeps_its_code(client, make_user):
    user = make_user()

    def send(headers):
        body = {"username": user.username, "password": PASSWORD + "-wrong"}
        return client.post("/api/v1/auth/login", json=body, headers=headers)

    english, chinese, response = _both(send)
    assert_problem(response, 401, "auth.invalid_credentials")
    assert english["detail"] == "Wrong username or password."
    assert chinese["title"] == "登录失败"
    assert chinese["detail"] == "登录失败：用户名或密码错误。"


def test_out_of_scope_incident_in_chinese_is_the_same_404(client, report, make_user):  # noqa: F811
    incident = report().get_json()
    stranger = bearer(make_user(role="county_dispatcher", county_code="430321", township_code=None))
    url = f"/api/v1/incidents/{incident['id']}"
    english, chinese, response = _both(lambda h: client.get(url, headers=stranger | h))
    assert_problem(response, 404, "incident.not_found")
    assert english["detail"] == f"incident {incident['id']} not found"
    assert chinese["title"] == "事件不存在"
    assert chinese["detail"] == f"找不到事件 {incident['id']}，或您无权查看。"


@pytest.fixture
def gis_admin(make_user):
    return bearer(make_user(role="admin", township_code=None, county_code=None))


def test_refused_upload_in_chinese(client, gis_admin):
    def send(headers):
        return upload_request(
            client, gis_admin | headers, b"Rar!\x1a\x07\x00" + b"\0" * 64, "x.rar", level="county"
        )

    english, chinese, response = _both(send)
    assert_problem(response, 415, "upload.unsupported_format")
    assert english["detail"] == "RAR and 7z are not accepted: use zip."
    assert chinese["title"] == "不支持的文件格式"
    assert chinese["detail"] == "不接受 RAR 和 7z 压缩包：请使用 zip。"


def test_upload_report_findings_in_chinese(client, gis_admin, publish):  # noqa: F811
    publish("county", [feature(box(112.80, 27.85, 112.90, 27.95), code="430302", name="雨湖区")])
    publish("township", [feature(g, code=c, name=c) for c, g in TOWNSHIPS.items()])
    villages = [
        feature(box(112.80, 27.85, 112.83, 27.95), code="430302001001", name="甲村"),
        feature(box(112.82, 27.85, 112.85, 27.945), code="430302001002", name="乙村"),
        feature(box(112.80, 27.85, 112.81, 27.86), code="43030200100X", name="丙村"),
    ]
    created = upload_request(
        client, gis_admin, geojson_bytes(villages), "v.geojson", level="village"
    )
    url = created.headers["Location"]
    english, chinese, _ = _both(lambda h: client.get(url, headers=gis_admin | h))
    assert chinese["status"] == "invalid"
    en_findings, zh_findings = english["report"]["findings"], chinese["report"]["findings"]
    assert [f["code"] for f in zh_findings] == [f["code"] for f in en_findings]
    assert {"coverage.overlap", "coverage.gap", "code.malformed"} <= {
        f["code"] for f in zh_findings
    }
    for en, zh in zip(en_findings, zh_findings, strict=True):
        assert zh["detail"] != en["detail"], en
        assert {k: v for k, v in zh.items() if k != "detail"} == {
            k: v for k, v in en.items() if k != "detail"
        }
    overlap = next(f for f in zh_findings if f["code"] == "coverage.overlap")
    assert overlap["detail"].startswith("430302001001 与 430302001002 重叠 ")
    malformed = next(f for f in zh_findings if f["code"] == "code.malformed")
    assert malformed["detail"] == "编码 '43030200100X' 只能由数字组成。"
    # The stored report stays English: a later English reader gets English.
    assert client.get(url, headers=gis_admin | EN).get_json()["report"] == english["report"]


def test_marshmallow_field_errors_in_chinese(client, make_user):
    english, chinese, response = _both(
        lambda h: client.post("/api/v1/auth/login", json={"password": ""}, headers=h)
    )
    assert_problem(response, 422, "request.validation_failed")
    assert english["errors"]["username"] == ["Missing data for required field."]
    assert chinese["errors"]["username"] == ["缺少必填字段。"]
    assert chinese["errors"]["password"] == ["长度必须在 1 到 256 之间。"]
    assert chinese["title"] == "提交的内容有误"
    admin = bearer(make_user(role="admin", township_code=None))
    _, chinese, _ = _both(
        lambda h: client.get("/api/v1/boundary-uploads?limit=abc", headers=admin | h)
    )
    assert chinese["errors"]["limit"] == ["不是有效的整数。"]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh", "zh"),
        ("zh-Hans-CN", "zh"),
        ("zh-TW", "zh"),
        ("fr-FR, zh;q=0.5", "zh"),
        ("en-US,zh-CN;q=0.9", "en"),
        ("zh-CN;q=0.8, en;q=0.9", "en"),
        ("fr", "en"),
        ("*", "en"),
        ("zh;q=0", "en"),
    ],
)
def test_accept_language_picks_the_language(client, header, language):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": header})
    assert_problem(response, 404, "not_found")
    assert response.headers["Content-Language"] == ("zh-CN" if language == "zh" else "en")
    assert (response.get_json()["title"] == "未找到") == (language == "zh")


def test_english_is_the_default_without_the_setting(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.get_json()["title"] == "Not found"
    assert response.headers["Content-Language"] == "en"
    # Config itself, from an environment without DEFAULT_LANGUAGE (or with it set to zh).
    env = {k: v for k, v in os.environ.items() if k != "DEFAULT_LANGUAGE"}
    read = [
        sys.executable,
        "-c",
        "from gridsvc.config import Config; print(Config.DEFAULT_LANGUAGE)",
    ]
    assert _run(read, env) == "en"
    assert _run(read, env | {"DEFAULT_LANGUAGE": "zh"}) == "zh"


def _run(command: list[str], env: dict) -> str:
    """Our own interpreter with fixed arguments, in the checkout (so .env is read as in use)."""
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout.strip()


@pytest.fixture
def second_app(app):
    """Builds another app; the session app is handed back to Celery afterwards (create_app
    hands itself over, and tasks outside a request would otherwise run in the other one)."""
    yield lambda **settings: create_app({**_test_settings(), **settings})
    init_celery(app)


def test_default_language_setting_makes_chinese_the_default(make_user, second_app):
    client = second_app(DEFAULT_LANGUAGE="zh").test_client()
    user = make_user()
    bad = {"username": user.username, "password": "wrong-password"}
    chinese = client.post("/api/v1/auth/login", json=bad)
    body = assert_problem(chinese, 401, "auth.invalid_credentials")
    assert body["detail"] == "登录失败：用户名或密码错误。"
    assert chinese.headers["Content-Language"] == "zh-CN"
    english = client.post("/api/v1/auth/login", json=bad, headers=EN)
    assert assert_problem(english, 401, "auth.invalid_credentials")["detail"] == (
        "Wrong username or password."
    )


def test_an_unknown_default_language_is_refused_at_start(second_app):
    with pytest.raises(ValueError, match="DEFAULT_LANGUAGE"):
        second_app(DEFAULT_LANGUAGE="fr")


def _test_settings() -> dict:
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
