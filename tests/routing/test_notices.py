"""Inbox notices and signed webhooks, delivered to a real HTTP server on localhost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from gridsvc.routing.notices.models import WebhookDelivery
from gridsvc.routing.notices.notify import notify
from gridsvc.routing.notices.webhooks import MAX_ATTEMPTS, deliver_due, verify
from tests.conftest import bearer
from tests.routing.conftest import COUNTY
from tests.routing.receivers import Receiver


@pytest.fixture
def local_receivers(app, monkeypatch):
    """Receivers here listen on 127.0.0.1 over plain http: allow exactly that, as an operator
    would allow a receiver on the county's own network (tests/routing/test_webhook_egress.py
    checks the defaults refuse it)."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")


@pytest.fixture
def receiver(local_receivers):
    server = Receiver()
    yield server
    server.close()


def subscribe(client, headers, url, **body):
    response = client.post("/api/v1/webhooks", json={"url": url, **body}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_notice_reaches_inbox_once(client, make_user):
    lead = make_user(role="team_lead", township_code="430302001")
    for _ in range(2):  # a retried sweep sends the same notice again
        notify(
            "case.overdue",
            county_code=COUNTY,
            user_ids=[lead.id],
            title="案件超期",
            incident_id=42,
            dedupe_key="overdue:42:1",
        )
    notify(
        "case.dispatched", county_code=COUNTY, user_ids=[lead.id], title="新派遣", dedupe_key="d:1"
    )
    inbox = client.get("/api/v1/me/notifications?limit=1", headers=bearer(lead)).json
    assert inbox["unread"] == 2
    assert [n["event"] for n in inbox["items"]] == ["case.dispatched"]  # newest first
    rest = client.get(
        f"/api/v1/me/notifications?cursor={inbox['next_cursor']}", headers=bearer(lead)
    ).json
    assert [n["event"] for n in rest["items"]] == ["case.overdue"]
    assert rest["next_cursor"] is None
    marked = client.post(
        "/api/v1/me/notifications/read",
        json={"ids": [rest["items"][0]["id"]]},
        headers=bearer(lead),
    )
    assert marked.json == {"updated": 1}
    unread = client.get("/api/v1/me/notifications?unread=true", headers=bearer(lead)).json
    assert [n["event"] for n in unread["items"]] == ["case.dispatched"]
    nothing = client.post("/api/v1/me/notifications/read", json={}, headers=bearer(lead))
    assert nothing.status_code == 422
    assert nothing.json["code"] == "notification.nothing_to_mark"
    # Someone else's inbox is not reachable: ids of other users mark nothing.
    other = make_user(role="team_lead", township_code="430302001")
    stolen = client.post("/api/v1/me/notifications/read", json={"all": True}, headers=bearer(other))
    assert stolen.json == {"updated": 0}


def test_signed_webhook_is_delivered(client, admin_headers, directory, receiver):
    created = subscribe(client, admin_headers, receiver.url, events=["case.dispatched"])
    secret = created["secret"]
    notify(
        "case.dispatched",
        county_code=COUNTY,
        user_ids=[],
        title="新派遣",
        incident_id=7,
        team_id=directory["t1"]["id"],
        dedupe_key="dispatch:7",
    )
    notify("case.other", county_code=COUNTY, user_ids=[], title="x", dedupe_key="other:7")
    assert deliver_due() == {"delivered": 1, "retrying": 0, "failed": 0}
    ((headers, body),) = receiver.requests
    assert verify(secret, headers["X-Gridsvc-Signature"], body)
    assert not verify("wrong-secret", headers["X-Gridsvc-Signature"], body)
    assert not verify(secret, headers["X-Gridsvc-Signature"], body + b" ")
    payload = orjson.loads(body)
    assert (payload["event"], payload["incident_id"]) == ("case.dispatched", 7)
    assert payload["delivery_id"] == headers["X-Gridsvc-Delivery"]
    assert deliver_due() == {"delivered": 0, "retrying": 0, "failed": 0}
    listed = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=admin_headers).json
    assert [d["status"] for d in listed] == ["delivered"]
    assert "secret" not in client.get("/api/v1/webhooks", headers=admin_headers).json[0]


def test_failed_deliveries_back_off_then_give_up(client, admin_headers, directory, receiver):
    subscribe(client, admin_headers, receiver.url)
    receiver.status = 500
    notify("case.overdue", county_code=COUNTY, user_ids=[], title="超期", dedupe_key="o:1")
    now = datetime.now(UTC)
    assert deliver_due(now=now)["retrying"] == 1
    delivery = WebhookDelivery.query.one()
    assert delivery.next_attempt_at == now + timedelta(seconds=60)
    assert deliver_due(now=now + timedelta(seconds=30))["retrying"] == 0  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now = delivery.next_attempt_at
        result = deliver_due(now=now)
        assert result == (
            {"delivered": 0, "retrying": 0, "failed": 1}
            if attempt == MAX_ATTEMPTS
            else {"delivered": 0, "retrying": 1, "failed": 0}
        )
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 8, 500)
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_unreachable_receiver_is_retried(client, admin_headers, directory, local_receivers):
    subscribe(client, admin_headers, "http://127.0.0.1:9/hook")  # the discard port: refused
    notify("case.overdue", county_code=COUNTY, user_ids=[], title="超期", dedupe_key="o:2")
    assert deliver_due()["retrying"] == 1
    delivery = WebhookDelivery.query.one()
    assert (delivery.last_error, delivery.last_status_code) == ("connection_refused", None)
    assert delivery.last_duration_ms is not None


def test_team_subscription_only_gets_its_team(client, admin_headers, directory, receiver):
    subscribe(client, admin_headers, receiver.url, team_id=directory["t2"]["id"])
    notify(
        "e",
        county_code=COUNTY,
        user_ids=[],
        title="x",
        team_id=directory["t1"]["id"],
        dedupe_key="a",
    )
    notify(
        "e",
        county_code=COUNTY,
        user_ids=[],
        title="y",
        team_id=directory["t2"]["id"],
        dedupe_key="b",
    )
    deliver_due()
    assert [orjson.loads(body)["title"] for _h, body in receiver.requests] == ["y"]


def test_webhook_refusals_and_scope(client, admin_headers, directory, make_user, local_receivers):
    bad = client.post("/api/v1/webhooks", json={"url": "ftp://x/y"}, headers=admin_headers)
    assert bad.status_code == 422
    worker = make_user(role="grid_worker", township_code="430302001")
    denied = client.post("/api/v1/webhooks", json={"url": "http://x/y"}, headers=bearer(worker))
    assert denied.status_code == 403
    created = subscribe(client, admin_headers, "http://127.0.0.1:9/x")
    stranger = make_user(role="admin", county_code="430321", township_code=None)
    url = f"/api/v1/webhooks/{created['id']}"
    assert client.delete(url, headers=bearer(stranger)).status_code == 404
    assert client.delete(url, headers=admin_headers).status_code == 204
    assert client.get("/api/v1/webhooks", headers=admin_headers).json[0]["active"] is False
