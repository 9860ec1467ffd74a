"""Safe retries for creating POSTs: the ``Idempotency-Key`` header, and one transaction per request.

A phone on a weak network often sends a request, loses the answer and sends it again. Views
decorated with :func:`idempotent` run inside one database transaction that is committed only after
the response has been built, so the response always describes what was committed. When the caller
sends ``Idempotency-Key``, the key is claimed first (``INSERT … ON CONFLICT DO NOTHING`` on
``(user_id, key)``) and the finished response is stored beside it in the same transaction:

- a replay with the same method, path and payload gets the stored response again (with
  ``Idempotent-Replayed: true``) and nothing runs twice;
- the same key with a different payload is 422 ``idempotency.key_reused``;
- two concurrent requests with one key serialise on the unique index: the second waits for the
  first to commit, then replays its response.

Failed requests (4xx/5xx) store nothing, so fixing the request and retrying with the same key works.
Keys expire after ``IDEMPOTENCY_TTL_HOURS``; :func:`purge_expired` removes them.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from functools import wraps

import orjson
from flask import Response, current_app, g, make_response, request
from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from gridsvc.errors import Conflict, Invalid
from gridsvc.extensions import db
from gridsvc.transactions import atomic

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY_MAX = 255
# Headers worth replaying; everything else is rebuilt by the server anyway.
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


class IdempotencyKey(db.Model):
    """A claimed key and, once the request finished, the response it produced."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (db.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(KEY_MAX))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


CLAIM_SQL = text(
    "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, expires_at)"
    " VALUES (:user_id, :key, :method, :path, :hash, :expires)"
    " ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
)
EXISTING_SQL = text(
    "SELECT id, method, path, request_hash, status_code, response_body, response_headers,"
    " expires_at FROM idempotency_keys WHERE user_id = :user_id AND key = :key FOR UPDATE"
)


def request_fingerprint() -> str:
    """sha256 over method, path and the payload in a canonical form.

    JSON is hashed with sorted keys (a client may serialise the same object differently on a
    retry); multipart forms by their fields and the files' contents (the boundary changes on
    every send).
    """
    digest = hashlib.sha256(f"{request.method}\n{request.path}\n".encode())
    if request.is_json:
        body = request.get_json(silent=True)
        digest.update(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    elif request.files or request.form:
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            content = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"{name}:{upload.filename}:".encode())
            digest.update(hashlib.sha256(content).digest())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(row) -> Response:
    headers = dict(row.response_headers or {})
    response = Response(row.response_body or "", status=row.status_code)
    for name, value in headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def claim(user_id: int, key: str) -> Response | None:
    """Claim ``key`` for this request, or answer with what an earlier request stored.

    Returns None when the caller owns the key now (run the view), else the replayed response.
    """
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise Invalid(
            f"{HEADER} must be 1-{KEY_MAX} printable characters (a UUID is ideal).",
            code="idempotency.key_invalid",
        )
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    params = {
        "user_id": user_id,
        "key": key,
        "method": request.method,
        "path": request.path[:255],
        "hash": request_fingerprint(),
        "expires": datetime.now(UTC) + ttl,
    }
    if db.session.execute(CLAIM_SQL, params).first() is not None:
        return None
    row = db.session.execute(EXISTING_SQL, params).first()
    if row is None or row.expires_at <= datetime.now(UTC):
        # Expired (or purged between the two statements): the key starts a new life.
        db.session.execute(
            text("DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key"), params
        )
        db.session.execute(CLAIM_SQL, params)
        return None
    if (row.method, row.path, row.request_hash) != (
        params["method"],
        params["path"],
        params["hash"],
    ):
        raise Invalid(
            f"This {HEADER} was used for a different request; use a new key for new data.",
            code="idempotency.key_reused",
        )
    if row.status_code is None:
        raise Conflict(
            "A request with this key is still being processed; retry shortly.",
            code="idempotency.in_progress",
        )
    return _replay(row)


def store(user_id: int, key: str, response: Response) -> None:
    headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
    db.session.execute(
        text(
            "UPDATE idempotency_keys SET status_code = :status, response_body = :body,"
            " response_headers = CAST(:headers AS jsonb) WHERE user_id = :user_id AND key = :key"
        ),
        {
            "status": response.status_code,
            "body": response.get_data(as_text=True),
            "headers": orjson.dumps(headers).decode(),
            "user_id": user_id,
            "key": key,
        },
    )


def release(user_id: int, key: str) -> None:
    """Give a claimed key back after a failure, so the corrected request can use it.

    The end-of-request rollback does the same; doing it here keeps the rule explicit and true
    for callers that share a session across requests (tests). A session already broken by a
    database error is left to that rollback.
    """
    try:
        db.session.execute(
            text(
                "DELETE FROM idempotency_keys"
                " WHERE user_id = :user_id AND key = :key AND status_code IS NULL"
            ),
            {"user_id": user_id, "key": key},
        )
    except SQLAlchemyError:
        log.debug("could not release idempotency key; the request rollback will", exc_info=True)


def idempotent(view):
    """Run a creating view in one transaction, honouring ``Idempotency-Key`` (see module doc).

    Place it under ``roles_required`` (it needs the caller) and above ``blp.arguments`` /
    ``blp.response`` (it needs the finished response). The view and its services flush; the
    commit is :func:`gridsvc.transactions.atomic`'s, after the key has stored the response, so
    the stored response and the rows it describes commit together. On any error nothing is
    committed.
    """

    @atomic
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        user_id = g.get("user_id")
        if key is not None:
            replayed = claim(user_id, key.strip())
            if replayed is not None:
                return replayed
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            if key is not None:
                release(user_id, key.strip())
            raise
        if response.status_code >= 400:
            if key is not None:
                release(user_id, key.strip())
            return response
        if key is not None:
            store(user_id, key.strip(), response)
        return response

    return wrapper


def purge_expired(now: datetime | None = None) -> int:
    """Delete keys past their expiry (the beat schedule runs this daily; the task commits)."""
    result = db.session.execute(
        text("DELETE FROM idempotency_keys WHERE expires_at < :now"),
        {"now": now or datetime.now(UTC)},
    )
    return result.rowcount
