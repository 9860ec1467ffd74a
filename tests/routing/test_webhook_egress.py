"""Webhooks cannot reach internal addresses: refused when subscribed, refused again at delivery
(DNS rebinding), connected to the checked address only, TLS checked against the host name, and no
receiver's answer is ever stored."""

from __future__ import annotations

import base64
import ipaddress

import orjson
import pytest

from gridsvc.routing.notices import egress
from gridsvc.routing.notices.models import WebhookDelivery
from gridsvc.routing.notices.notify import notify
from gridsvc.routing.notices.webhooks import deliver_due, verify
from tests.routing.conftest import COUNTY
from tests.routing.receivers import LOOPBACK, Receiver, make_tls
from tests.test_app import assert_problem

PUBLIC = ipaddress.ip_address("1.1.1.1")  # only ever "resolved" here, never connected to


def ip(text):
    return ipaddress.ip_address(text)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def http_allowed(app, monkeypatch):
    """Plain http on (so the address check is what refuses), no private network allowed."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "")


@pytest.fixture
def resolver(monkeypatch):
    """Names resolve to what the test says, in turn: a rebinding DNS server in one dict."""
    answers: dict[str, list[list]] = {}
    calls: list[str] = []

    def resolve(host, _port):
        calls.append(host)
        if host not in answers:
            return [ip(host)]  # an address literal
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    monkeypatch.setattr(egress, "resolve_host", resolve)
    resolve.answers, resolve.calls = answers, calls
    return resolve


def subscribe(client, headers, url):
    return client.post("/api/v1/webhooks", json={"url": url}, headers=headers)


def dispatch(key="k1"):
    notify("case.dispatched", county_code=COUNTY, user_ids=[], title="新派遣", dedupe_key=key)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:5432/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[::1]:6379", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://192.168.1.1/admin", "private"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://100.100.100.200/latest/meta-data/", "metadata"),
        ("http://100.64.0.1/", "shared (CGNAT)"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://[64:ff9b::a00:1]/", "private"),  # NAT64 of 10.0.0.1
        ("http://224.0.0.251/", "multicast"),
        ("http://[fe80::1]/", "link-local"),
    ],
)
def test_internal_addresses_are_refused_at_subscription(
    client, admin_headers, http_allowed, url, reason
):
    body = assert_problem(subscribe(client, admin_headers, url), 422, "webhook.address_not_allowed")
    assert body["errors"] == {"url": [reason]}
    assert client.get("/api/v1/webhooks", headers=admin_headers).json == []


def test_a_name_resolving_inside_is_refused(client, admin_headers, resolver):
    # One private answer among public ones is enough: clients may be steered by order alone.
    resolver.answers["hooks.example.com"] = [[PUBLIC, ip("10.1.2.3")]]
    body = assert_problem(
        subscribe(client, admin_headers, "https://hooks.example.com/x"),
        422,
        "webhook.address_not_allowed",
    )
    assert body["errors"] == {"url": ["private"]}
    resolver.answers["localhost"] = [[ip("::1"), LOOPBACK]]
    response = subscribe(client, admin_headers, "https://localhost/x")
    assert_problem(response, 422, "webhook.address_not_allowed")


def test_http_needs_the_setting(client, admin_headers, resolver):
    resolver.answers["hooks.example.com"] = [[PUBLIC]]
    response = subscribe(client, admin_headers, "http://hooks.example.com/x")
    assert_problem(response, 422, "webhook.https_required")
    assert subscribe(client, admin_headers, "https://hooks.example.com/x").status_code == 201


def test_unresolvable_host_is_refused(client, admin_headers, monkeypatch):
    def fail(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(egress, "resolve_host", fail)
    response = subscribe(client, admin_headers, "https://no-such-host.invalid/x")
    assert_problem(response, 422, "webhook.host_unresolvable")


def test_metadata_stays_refused_inside_an_allowed_network(app, monkeypatch):
    allowed = egress.Policy.parse_networks("169.254.0.0/16, 100.64.0.0/10, 10.20.0.0/16")
    assert egress.refusal(ip("169.254.169.254"), allowed) == "metadata"
    assert egress.refusal(ip("100.100.100.200"), allowed) == "metadata"
    assert egress.refusal(ip("169.254.10.1"), allowed) == "link-local"
    assert egress.refusal(ip("10.20.3.4"), allowed) is None  # the operator vouched for it
    assert egress.refusal(ip("10.21.3.4"), allowed) == "private"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8: fine where DNS64 is in use
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("172.16.5.4", "private"),
        ("198.18.0.1", "reserved"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "not public"),  # documentation
        ("2001:db8::1", "not public"),
        ("ff02::1", "multicast"),
        ("::", "unspecified"),
    ],
)
def test_address_rules(address, reason):
    assert egress.refusal(ip(address)) == reason


def test_dns_rebinding_is_refused_at_delivery(
    client, admin_headers, http_allowed, resolver, receiver
):
    """Public when subscribed, 127.0.0.1 when delivered: nothing reaches the internal server."""
    host = "rebind.example.com"
    resolver.answers[host] = [[PUBLIC], [LOOPBACK]]
    created = subscribe(client, admin_headers, f"http://{host}:{receiver.port}/hook")
    assert created.status_code == 201, created.json
    dispatch()
    assert deliver_due() == {"delivered": 0, "retrying": 1, "failed": 0}
    assert (receiver.connections, receiver.requests) == (0, [])
    delivery = WebhookDelivery.query.one()
    assert delivery.last_error == "address_not_allowed: loopback"
    assert delivery.last_status_code is None
    assert resolver.calls == [host, host]  # once when subscribed, once for the attempt


def test_delivery_connects_to_the_checked_address(
    client, app, admin_headers, resolver, receiver, monkeypatch
):
    """The system's resolver cannot resolve this name; ours maps it to the receiver. Delivery
    works only if the connection goes to the address that was checked, with the URL's Host."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    host = "receiver.invalid"  # .invalid never resolves (RFC 6761)
    resolver.answers[host] = [[LOOPBACK]]
    url = f"http://hook%40user:p%3Ass@{host}:{receiver.port}/hook?county=1"
    created = subscribe(client, admin_headers, url)
    assert created.status_code == 201, created.json
    dispatch()
    assert deliver_due()["delivered"] == 1
    ((headers, body),) = receiver.requests
    assert headers["Host"] == f"{host}:{receiver.port}"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"hook@user:p:ss").decode()
    assert verify(created.json["secret"], headers["X-Gridsvc-Signature"], body)
    assert orjson.loads(body)["event"] == "case.dispatched"


def test_receiver_answers_are_never_stored(client, app, admin_headers, receiver, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    created = subscribe(client, admin_headers, receiver.url)
    receiver.status, receiver.body = 500, b'{"internal": "SECRET-ANSWER redis_version:7.0"}'
    dispatch()
    assert deliver_due()["retrying"] == 1
    delivery = WebhookDelivery.query.one()
    assert (delivery.last_status_code, delivery.last_error) == (500, "status 500")
    assert delivery.last_attempt_at is not None
    assert delivery.last_duration_ms >= 0
    listed = client.get(f"/api/v1/webhooks/{created.json['id']}/deliveries", headers=admin_headers)
    assert b"SECRET-ANSWER" not in listed.data
    assert listed.json[0]["last_error"] == "status 500"


def test_tls_is_checked_against_the_host_name(
    client, app, admin_headers, resolver, monkeypatch, tmp_path
):
    """Connected to the pinned address, TLS still names and verifies the URL's host."""
    context, ca_file, offered = make_tls(tmp_path, "hooks.county.test")
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    monkeypatch.setitem(app.config, "WEBHOOK_CA_BUNDLE", str(ca_file))
    server = Receiver(tls=context)
    try:
        resolver.answers["hooks.county.test"] = [[LOOPBACK]]
        resolver.answers["impostor.county.test"] = [[LOOPBACK]]
        good = subscribe(client, admin_headers, f"https://hooks.county.test:{server.port}/hook")
        bad = subscribe(client, admin_headers, f"https://impostor.county.test:{server.port}/hook")
        assert (good.status_code, bad.status_code) == (201, 201)
        dispatch()
        assert deliver_due() == {"delivered": 1, "retrying": 1, "failed": 0}
        assert len(server.requests) == 1  # the impostor's certificate check failed: nothing sent
        assert offered == ["hooks.county.test", "impostor.county.test"]
        by_subscription = {d.subscription_id: d for d in WebhookDelivery.query.all()}
        assert by_subscription[good.json["id"]].status == "delivered"
        assert by_subscription[bad.json["id"]].last_error == "tls_error"
    finally:
        server.close()
