"""Login throttling per account: a doubling delay after repeated failures, counted in PostgreSQL.

The per-address limit (``LOGIN_RATE_LIMIT``) cannot stop a guesser who spreads over many
addresses, and it must stay generous because a township office sits behind one NAT address. This
one counts failures per username, in the database, so every process sees the same count: after
``LOGIN_THROTTLE_AFTER`` failures, each further failure blocks the name for a delay that doubles
(``LOGIN_THROTTLE_BASE_SECONDS``, twice that, four times … up to ``LOGIN_THROTTLE_MAX_SECONDS``).
While a name is blocked its attempts are answered 429 with ``Retry-After``, without looking at the
password. It is a delay, not a lock: a guesser can keep the real user waiting at most the cap at a
time, a successful login clears the count, and an admin can lift it (``POST /users/{id}/unlock``,
``flask users unlock``). Failures are forgotten after ``LOGIN_THROTTLE_FORGET_HOURS`` without one.

Attempts for one name queue on a transaction-scoped advisory lock taken before the check: parallel
guesses cannot all slip through in the moment a delay ends.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, text

from gridsvc.accounts.models import AccountEvent, LoginThrottle
from gridsvc.errors import DomainError
from gridsvc.extensions import db

log = logging.getLogger("gridsvc.accounts.throttle")

# The advisory lock space of login throttles (the two-key form never meets single-key locks).
LOCK_CLASS = 0x6C6F_6769  # "logi"
LOCK_SQL = text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))")


class Throttled(DomainError):
    status = 429
    code = "auth.throttled"

    def __init__(self, retry_after: int) -> None:
        # Shown to the person at the login form, who reads Chinese; the code is for programs.
        super().__init__(
            f"该账号登录失败次数过多，请 {retry_after} 秒后再试。", retry_after=retry_after
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rules:
    after: int  # failures allowed before the first delay
    base: float  # the first delay, in seconds; each further failure doubles it
    cap: float  # the longest delay
    forget: timedelta  # a failure this long after the previous one starts the count again

    @classmethod
    def from_config(cls) -> Rules:
        config = current_app.config
        return cls(
            after=config["LOGIN_THROTTLE_AFTER"],
            base=config["LOGIN_THROTTLE_BASE_SECONDS"],
            cap=config["LOGIN_THROTTLE_MAX_SECONDS"],
            forget=timedelta(hours=config["LOGIN_THROTTLE_FORGET_HOURS"]),
        )

    def delay(self, failures: int) -> float | None:
        """The delay after the ``failures``-th failure in a row, None while it is still free."""
        if failures < self.after:
            return None
        return min(self.base * 2 ** min(failures - self.after, 32), self.cap)


def _key(username: str) -> str:
    return username.lower()


def _row(name: str) -> LoginThrottle | None:
    # populate_existing: another request of this process may have changed the row since.
    stmt = select(LoginThrottle).where(LoginThrottle.username == name)
    return db.session.scalars(stmt.execution_options(populate_existing=True)).first()


def begin(username: str, now: datetime) -> None:
    """Queue behind other attempts for this name; raise :class:`Throttled` while it is blocked."""
    name = _key(username)
    db.session.execute(LOCK_SQL, {"space": LOCK_CLASS, "name": name})
    row = _row(name)
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        wait = math.ceil((row.blocked_until - now).total_seconds())
        log.info("login throttled", extra={"username": name, "retry_after": wait})
        raise Throttled(wait)


def failed(
    username: str, *, user_id: int | None, address: str | None, now: datetime
) -> float | None:
    """Count a failed attempt (the caller holds the lock from :func:`begin`); the delay it starts."""
    rules = Rules.from_config()
    name = _key(username)
    row = _row(name)
    if row is None:
        row = LoginThrottle(username=name, failures=0, last_failure_at=now)
        db.session.add(row)
    elif row.last_failure_at < now - rules.forget:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    delay = rules.delay(row.failures)
    if delay is not None:
        row.blocked_until = now + timedelta(seconds=delay)
        detail = {"failures": row.failures, "delay_seconds": delay}
        db.session.add(
            AccountEvent(
                event="login.throttled",
                username=name,
                user_id=user_id,
                address=address,
                detail=detail,
            )
        )
        log.warning("login throttling", extra={"username": name, "address": address, **detail})
    db.session.flush()
    return delay


def succeeded(username: str) -> None:
    """A right password clears the count."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.username == _key(username)))


def unlock(username: str, *, user_id: int | None, actor_id: int | None) -> int:
    """Lift the delay and forget the failures; the number of failures that were counted."""
    name = _key(username)
    row = _row(name)
    failures = row.failures if row is not None else 0
    if row is not None:
        db.session.delete(row)
    db.session.add(
        AccountEvent(
            event="login.unlocked",
            username=name,
            user_id=user_id,
            actor_id=actor_id,
            detail={"failures": failures},
        )
    )
    db.session.flush()
    return failures


def purge_stale(now: datetime) -> int:
    """Rows neither blocking nor remembered any more are dead weight."""
    forget = Rules.from_config().forget
    stmt = delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < now - forget,
        (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until < now),
    )
    return db.session.execute(stmt).rowcount
