"""Webhook subscriptions and delivery.

Each POST carries ``X-Gridsvc-Signature: t=<unix seconds>,v1=<hex>``, the HMAC-SHA256 of
``"<t>.<body>"`` under the subscription's secret (the scheme payment platforms use): the receiver
recomputes it, compares in constant time and refuses old timestamps, so a captured request cannot
be replayed later. ``X-Gridsvc-Delivery`` is stable across retries so receivers can deduplicate.

Receivers are vetted by :mod:`egress` when subscribed and again before every attempt (https, public
addresses, the checked address pinned for the connection). A delivery keeps the status code, a
short failure word and the time taken, never what the receiver answered: an admin reading
``/deliveries`` must not be able to read another server's response through us.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta

import certifi
from flask import current_app
from sqlalchemy import select, text

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.jsonio import dumps_bytes
from gridsvc.routing.directory.teams import get_team
from gridsvc.routing.notices import egress
from gridsvc.routing.notices.models import WebhookDelivery, WebhookSubscription

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5
# 1 min, 2, 4, … capped at 6 h between attempts.
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (used by our tests; documented in the README)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


REFUSALS = {
    "webhook.bad_url": "The URL must be https://host/… .",
    "webhook.https_required": "Webhooks are delivered over https only.",
    "webhook.host_unresolvable": "The URL's host name does not resolve.",
    "webhook.address_not_allowed": (
        "The URL's host resolves to an address webhooks may not reach ({reason}): only public"
        " addresses are allowed."
    ),
}


def egress_policy() -> egress.Policy:
    """Where deliveries may go, from the settings (not the authorization ``policy``)."""
    config = current_app.config
    return egress.Policy(
        allow_http=config["WEBHOOK_ALLOW_HTTP"],
        allowed_networks=egress.Policy.parse_networks(config["WEBHOOK_ALLOWED_NETWORKS"]),
        ca_certs=config["WEBHOOK_CA_BUNDLE"] or certifi.where(),
        timeout=TIMEOUT_SECONDS,
    )


def create_subscription(scope: Scope, data: dict, user_id: int | None) -> WebhookSubscription:
    county = policy.county_for_new(scope, data.get("county_code"))
    try:
        egress.vet(data["url"], egress_policy())
    except egress.Refused as refused:
        raise Invalid(
            REFUSALS[refused.code].format(reason=refused.reason),
            code=refused.code,
            errors={"url": [refused.reason]},
        ) from None
    if data.get("team_id"):
        team = get_team(scope, data["team_id"])
        if team.county_code != county:
            raise NotFound("team not found", code="team.not_found")
    subscription = WebhookSubscription(
        county_code=county,
        team_id=data.get("team_id"),
        url=data["url"],
        secret=secrets.token_urlsafe(32),
        events=data.get("events"),
        created_by=user_id,
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription


def get_subscription(scope: Scope, subscription_id: int) -> WebhookSubscription:
    found = db.session.get(WebhookSubscription, subscription_id)
    if found is None:
        policy.hidden("webhook")
    policy.webhook(scope, policy.READ, county=found.county_code)
    return found


def list_subscriptions(scope: Scope) -> list[WebhookSubscription]:
    if not policy.county_level(scope):
        policy.forbidden("Webhooks are managed by the county's administrators.")
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if scope.county_code:
        stmt = stmt.where(WebhookSubscription.county_code == scope.county_code)
    return list(db.session.scalars(stmt.limit(500)))


def deactivate(scope: Scope, subscription: WebhookSubscription) -> None:
    policy.webhook(scope, policy.ADMINISTER, county=subscription.county_code)
    subscription.active = False
    db.session.flush()


def recent_deliveries(subscription: WebhookSubscription, limit: int = 100) -> list:
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.created_at.desc())
            .limit(limit)
        )
    )


DUE_SQL = """
SELECT d.id FROM webhook_deliveries d
WHERE d.status = 'pending' AND d.next_attempt_at <= :now
ORDER BY d.next_attempt_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""


def deliver_due(limit: int = 20, now: datetime | None = None) -> dict:
    """Post due deliveries; several workers may run this at once (SKIP LOCKED).

    The rows stay locked until the caller (task or CLI) commits the round's outcomes.
    """
    now = now or datetime.now(UTC)
    ids = db.session.scalars(text(DUE_SQL), {"now": now, "limit": limit}).all()
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    rules = egress_policy()
    for delivery_id in ids:
        delivery = db.session.get(WebhookDelivery, delivery_id)
        subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
        counts[_attempt(rules, delivery, subscription, now)] += 1
    db.session.flush()
    return counts


def _attempt(
    rules: egress.Policy, delivery: WebhookDelivery, subscription: WebhookSubscription, now
) -> str:
    body = dumps_bytes({"delivery_id": str(delivery.id), **delivery.payload})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "gridsvc-webhooks/1",
        "X-Gridsvc-Event": delivery.event,
        "X-Gridsvc-Delivery": str(delivery.id),
        "X-Gridsvc-Signature": sign(subscription.secret, int(time.time()), body),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = None
    started = time.monotonic()
    try:
        # Resolved and checked again now: the answer at subscription time proves nothing today.
        target = egress.vet(subscription.url, rules)
        status = egress.post(target, body, headers, rules)
    except egress.Refused as refused:
        word = refused.code.removeprefix("webhook.")
        delivery.last_error = f"{word}: {refused.reason}" if word == "address_not_allowed" else word
        ok = False
    except egress.Failed as failure:
        delivery.last_error = failure.kind
        ok = False
    else:
        delivery.last_status_code = status
        ok = 200 <= status < 300
        delivery.last_error = None if ok else f"status {status}"
    delivery.last_duration_ms = round((time.monotonic() - started) * 1000)
    if ok:
        delivery.status, delivery.delivered_at = "delivered", now
        return "delivered"
    if delivery.attempts >= MAX_ATTEMPTS or not subscription.active:
        delivery.status = "failed"
        return "failed"
    wait = min(BACKOFF_BASE_SECONDS * 2 ** (delivery.attempts - 1), BACKOFF_MAX_SECONDS)
    delivery.next_attempt_at = now + timedelta(seconds=wait)
    return "retrying"
