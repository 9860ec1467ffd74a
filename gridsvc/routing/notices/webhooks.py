"""Webhook subscriptions and delivery.

Each POST carries ``X-Gridsvc-Signature: t=<unix seconds>,v1=<hex>``, the HMAC-SHA256 of
``"<t>.<body>"`` under the subscription's secret (the scheme payment platforms use): the receiver
recomputes it, compares in constant time and refuses old timestamps, so a captured request cannot
be replayed later. ``X-Gridsvc-Delivery`` is stable across retries so receivers can deduplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import select, text

from gridsvc.accounts import Scope, policy
from gridsvc.errors import Invalid, NotFound
from gridsvc.extensions import db
from gridsvc.jsonio import dumps_bytes
from gridsvc.routing.directory.teams import get_team
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


def create_subscription(scope: Scope, data: dict, user_id: int | None) -> WebhookSubscription:
    county = policy.county_for_new(scope, data.get("county_code"))
    parts = urlsplit(data["url"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(
            "The URL must be http(s)://host/…",
            code="webhook.bad_url",
            errors={"url": ["an http or https URL"]},
        )
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
    with requests.Session() as http:
        for delivery_id in ids:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            subscription = db.session.get(WebhookSubscription, delivery.subscription_id)
            counts[_attempt(http, delivery, subscription, now)] += 1
    db.session.flush()
    return counts


def _attempt(http, delivery: WebhookDelivery, subscription: WebhookSubscription, now) -> str:
    body = dumps_bytes({"delivery_id": str(delivery.id), **delivery.payload})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "gridsvc-webhooks/1",
        "X-Gridsvc-Event": delivery.event,
        "X-Gridsvc-Delivery": str(delivery.id),
        "X-Gridsvc-Signature": sign(subscription.secret, int(time.time()), body),
    }
    delivery.attempts += 1
    try:
        response = http.post(
            subscription.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        delivery.last_status_code = response.status_code
        ok = 200 <= response.status_code < 300
        delivery.last_error = None if ok else response.text[:500]
    except requests.RequestException as exc:
        ok = False
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if ok:
        delivery.status, delivery.delivered_at = "delivered", now
        return "delivered"
    if delivery.attempts >= MAX_ATTEMPTS or not subscription.active:
        delivery.status = "failed"
        return "failed"
    wait = min(BACKOFF_BASE_SECONDS * 2 ** (delivery.attempts - 1), BACKOFF_MAX_SECONDS)
    delivery.next_attempt_at = now + timedelta(seconds=wait)
    return "retrying"
