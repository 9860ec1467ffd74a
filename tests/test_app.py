"""App-wide conventions: health, OpenAPI, problem+json for every error, logs, production secrets."""

from __future__ import annotations

import json
import logging
import os

import pytest

from gridsvc import create_app
from gridsvc.config import DEFAULT_SECRET, TestConfig
from gridsvc.logs import JsonLineFormatter

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(code)
    assert body["title"]
    assert body["detail"]
    return body


def test_healthz_answers_without_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_postgis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["postgis"][0].isdigit()


def test_openapi_document_lists_auth_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/api/v1/docs-assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/api/v1/docs-assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.data) > 100_000


def test_unknown_api_path_is_problem_json_404(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert "request_id" in body


def test_wrong_method_is_problem_json_405_with_allow(client):
    response = client.delete("/api/v1/auth/login")
    assert_problem(response, 405, "request.method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_validation_error_is_422_with_field_errors(client):
    response = client.post("/api/v1/auth/login", json={"username": "x"})
    body = assert_problem(response, 422, "request.validation_failed")
    assert "password" in body["errors"]


def test_malformed_json_is_problem_json(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert response.mimetype == PROBLEM
    assert response.status_code in (400, 422)


def test_oversized_body_is_413(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/api/v1/auth/login", data=b"x" * 4096, content_type="application/json")
    body = assert_problem(response, 413, "request.too_large")
    assert "1024" in body["detail"]


def test_unexpected_exception_is_500_problem_without_traceback():
    app = create_app(TestConfig)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    body = assert_problem(response, 500, "server.internal_error")
    assert "secret internals" not in json.dumps(body)


def test_login_rate_limit_answers_429_problem():
    app = create_app(TestConfig)
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    statuses = []
    with app.app_context():
        for _ in range(3):
            r = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
            statuses.append(r.status_code)
    assert statuses[:2] == [401, 401]
    assert_problem(r, 429, "request.rate_limited")
    assert "Retry-After" in r.headers


def test_request_id_is_echoed_and_logged_as_json(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    record = logging.makeLogRecord(
        {"name": "t", "msg": "hello %s", "args": ("world",), "levelname": "INFO", "path": "/x"}
    )
    line = json.loads(JsonLineFormatter().format(record))
    assert line["msg"] == "hello world"
    assert line["path"] == "/x"
    assert line["level"] == "info"


def test_overlong_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize("secret", [DEFAULT_SECRET, "short"])
def test_production_refuses_default_or_short_secrets(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": secret, "JWT_SECRET_KEY": "j" * 40})


def test_production_starts_with_real_secrets():
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "s" * 40,
            "JWT_SECRET_KEY": "j" * 40,
            "SQLALCHEMY_DATABASE_URI": TestConfig.SQLALCHEMY_DATABASE_URI,
        }
    )
    assert app.config["ENV_NAME"] == "production"


def test_readyz_is_503_problem_when_the_database_is_unreachable(monkeypatch):
    from gridsvc.extensions import db

    # The harness binds db.session to the test database; this app must use its own engine.
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://nobody@127.0.0.1:1/none",
            "SECRET_KEY": TestConfig.SECRET_KEY,
            "JWT_SECRET_KEY": TestConfig.JWT_SECRET_KEY,
        }
    )
    response = app.test_client().get("/readyz")
    assert_problem(response, 503, "server.not_ready")
    assert app.test_client().get("/healthz").status_code == 200


def test_minted_request_ids_are_unique_32_hex_and_new_after_a_fork(client):
    from gridsvc.logs import request_ids

    ids = [client.get("/healthz").headers["X-Request-ID"] for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child reports the id it mints, then leaves at once
        os.write(write, request_ids.new().encode())
        os._exit(0)
    os.waitpid(child, 0)
    in_child = os.read(read, 64).decode()
    os.close(read), os.close(write)
    assert in_child[:16] != ids[-1][:16]  # its own prefix, not the parent's
