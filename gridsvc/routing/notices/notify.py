"""Sending notices: inbox lines for people, signed webhook deliveries for county systems.

``notify`` only writes rows, inside the caller's transaction, so a notice exists exactly when the
change that caused it was committed. Webhooks are posted afterwards by a beat task
(:func:`gridsvc.routing.notices.webhooks.deliver_due`), retried with back-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from psycopg2.extras import execute_values
from sqlalchemy import select, text, update

from gridsvc.errors import Invalid
from gridsvc.extensions import db
from gridsvc.jsonio import dumps_bytes
from gridsvc.paging import newest_first
from gridsvc.routing.notices.models import Notification, WebhookSubscription


@dataclass(frozen=True)
class Notice:
    event: str
    county_code: str | None
    user_ids: tuple[int, ...]
    title: str
    dedupe_key: str
    body: str | None = None
    incident_id: int | None = None
    team_id: int | None = None
    data: dict = field(default_factory=dict)


def notify(event: str, *, user_ids: Iterable[int] = (), **fields) -> int:
    """Queue one notice to people and subscribers; a repeat of ``dedupe_key`` adds nothing.

    Returns the number of new inbox lines.
    """
    return notify_many([Notice(event, user_ids=tuple(user_ids), **fields)])


def notify_many(notices: list[Notice], *, webhooks: bool = True) -> int:
    """:func:`notify` for many notices in three statements (intake of an offline batch).

    ``webhooks=False`` skips the subscriber lookup when the caller knows there are none.
    """
    cursor = db.session.connection().connection.cursor()
    inbox_rows = [
        (
            n.county_code,
            u,
            n.event,
            n.title,
            n.body,
            n.incident_id,
            orjson.dumps(n.data).decode(),
            n.dedupe_key,
        )
        for n in notices
        for u in sorted(set(n.user_ids))
    ]
    created = 0
    if inbox_rows:
        created = len(
            execute_values(
                cursor,
                "INSERT INTO notifications (county_code, user_id, event, title, body, incident_id,"
                " data, dedupe_key) VALUES %s ON CONFLICT (user_id, dedupe_key) DO NOTHING"
                " RETURNING id",
                inbox_rows,
                template="(%s, %s, %s, %s, %s, %s, %s::jsonb, %s)",
                fetch=True,
            )
        )
    counties = sorted({n.county_code for n in notices if n.county_code})
    if not counties or not webhooks:
        return created
    subscriptions = db.session.execute(
        select(
            WebhookSubscription.id,
            WebhookSubscription.county_code,
            WebhookSubscription.team_id,
            WebhookSubscription.events,
        ).where(WebhookSubscription.active, WebhookSubscription.county_code.in_(counties))
    ).all()
    deliveries = []
    now = datetime.now(UTC)
    for n in notices:
        for sub_id, county, team, events in subscriptions:
            if county != n.county_code or (team is not None and team != n.team_id):
                continue
            if events is not None and n.event not in events:
                continue
            payload = {
                "event": n.event,
                "occurred_at": now,
                "county_code": n.county_code,
                "team_id": n.team_id,
                "incident_id": n.incident_id,
                "title": n.title,
                "body": n.body,
                "data": n.data,
            }
            deliveries.append((sub_id, n.event, dumps_bytes(payload).decode(), n.dedupe_key))
    if deliveries:
        execute_values(
            cursor,
            "INSERT INTO webhook_deliveries (id, subscription_id, event, payload, dedupe_key)"
            " VALUES %s ON CONFLICT (subscription_id, dedupe_key) DO NOTHING",
            deliveries,
            template="(gen_random_uuid(), %s, %s, %s::jsonb, %s)",
        )
    return created


def inbox(user_id: int, *, unread_only: bool, cursor: str | None, limit: int) -> dict:
    """The user's notices, newest first, keyset-paged by id (descending)."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows, next_cursor = newest_first(stmt, Notification.id, cursor, limit)
    unread = db.session.scalar(
        text("SELECT count(*) FROM notifications WHERE user_id = :u AND read_at IS NULL"),
        {"u": user_id},
    )
    return {"items": rows, "next_cursor": next_cursor, "unread": unread}


def mark_read(user_id: int, ids: list[int] | None, everything: bool) -> int:
    if not ids and not everything:
        raise Invalid(
            "Give ids or all=true.",
            code="notification.nothing_to_mark",
            errors={"ids": ["give ids or all=true"]},
        )
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=datetime.now(UTC))
    )
    if not everything:
        stmt = stmt.where(Notification.id.in_(ids))
    return db.session.execute(stmt).rowcount
