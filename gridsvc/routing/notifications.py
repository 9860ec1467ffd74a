"""Sending notices: inbox lines for people, signed webhook deliveries for county systems.

``notify`` only writes rows, inside the caller's transaction, so a notice exists exactly when the
change that caused it was committed. Webhooks are posted afterwards by a beat task
(:func:`gridsvc.routing.webhooks.deliver_due`), retried with back-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import orjson
from psycopg2.extras import execute_values
from sqlalchemy import select, text, update

from gridsvc.errors import Invalid
from gridsvc.extensions import db
from gridsvc.jsonio import dumps_bytes
from gridsvc.routing.notice_models import Notification

MATCHING_SUBSCRIPTIONS = """
SELECT id FROM webhook_subscriptions
WHERE active AND county_code = :county
  AND (team_id IS NULL OR team_id = :team)
  AND (events IS NULL OR :event = ANY(events))
"""


def notify(
    event: str,
    *,
    county_code: str | None,
    user_ids: Iterable[int],
    title: str,
    body: str | None = None,
    incident_id: int | None = None,
    team_id: int | None = None,
    data: dict | None = None,
    dedupe_key: str,
) -> int:
    """Queue one notice to people and subscribers; a repeat of ``dedupe_key`` adds nothing.

    Returns the number of new inbox lines.
    """
    users = sorted(set(user_ids))
    cursor = db.session.connection().connection.cursor()
    data_json = orjson.dumps(data or {}).decode()
    created = 0
    if users:
        rows = execute_values(
            cursor,
            "INSERT INTO notifications (county_code, user_id, event, title, body, incident_id,"
            " data, dedupe_key) VALUES %s ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING id",
            [
                (county_code, u, event, title, body, incident_id, data_json, dedupe_key)
                for u in users
            ],
            template="(%s, %s, %s, %s, %s, %s, %s::jsonb, %s)",
            fetch=True,
        )
        created = len(rows)
    if county_code:
        subscriptions = db.session.scalars(
            text(MATCHING_SUBSCRIPTIONS), {"county": county_code, "team": team_id, "event": event}
        ).all()
        if subscriptions:
            payload = dumps_bytes(
                {
                    "event": event,
                    "occurred_at": datetime.now(UTC),
                    "county_code": county_code,
                    "team_id": team_id,
                    "incident_id": incident_id,
                    "title": title,
                    "body": body,
                    "data": data or {},
                }
            ).decode()
            execute_values(
                cursor,
                "INSERT INTO webhook_deliveries (id, subscription_id, event, payload, dedupe_key)"
                " VALUES %s ON CONFLICT (subscription_id, dedupe_key) DO NOTHING",
                [(s, event, payload, dedupe_key) for s in subscriptions],
                template="(gen_random_uuid(), %s, %s, %s::jsonb, %s)",
            )
    return created


def inbox(user_id: int, *, unread_only: bool, cursor: str | None, limit: int) -> dict:
    """The user's notices, newest first, keyset-paged by id (descending)."""
    from gridsvc.paging import clamp_limit, decode_cursor, encode_cursor

    size = clamp_limit(limit)
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        stmt = stmt.where(Notification.id < int(decode_cursor(cursor, 1)[0]))
    rows = list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(size + 1)))
    next_cursor = encode_cursor([rows[size - 1].id]) if len(rows) > size else None
    unread = db.session.scalar(
        text("SELECT count(*) FROM notifications WHERE user_id = :u AND read_at IS NULL"),
        {"u": user_id},
    )
    return {"items": rows[:size], "next_cursor": next_cursor, "unread": unread}


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
    count = db.session.execute(stmt).rowcount
    db.session.commit()
    return count
