"""Per-account login throttling: a doubling delay after failures, whatever the client address."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from gridsvc.accounts import service
from gridsvc.accounts.models import AccountEvent, LoginThrottle
from gridsvc.accounts.throttle import Rules
from tests.conftest import bearer
from tests.factories import PASSWORD
from tests.test_app import assert_problem

ADDRESSES = [f"198.51.100.{n}" for n in range(1, 6)]


def login(client, username, password=PASSWORD, address="192.0.2.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was really checked (argon2), counted around the real function."""
    calls = []
    real = service.verify_password

    def counting(stored_hash, password):
        calls.append(password)
        return real(stored_hash, password)

    monkeypatch.setattr(service, "verify_password", counting)
    return calls


def time_passes(db_session, username):
    """The delay runs out (moved back in the database rather than slept through)."""
    db_session.execute(
        text(
            "UPDATE login_throttles SET blocked_until = now() - interval '1 second'"
            " WHERE username = :u"
        ),
        {"u": username},
    )
    db_session.flush()


def test_fifty_wrong_passwords_from_five_addresses_are_throttled(
    client, make_user, db_session, password_checks
):
    make_user(username="target")
    answers = [login(client, "target", f"guess-{n}", ADDRESSES[n % 5]) for n in range(50)]
    statuses = [a.status_code for a in answers]
    assert set(statuses) == {401, 429}
    # Five free failures, then a delay of 2 s that doubles: on a fast or a slow machine, almost
    # every guess is refused unread.
    assert statuses[:5] == [401] * 5
    assert statuses.count(429) >= 40
    assert len(password_checks) == statuses.count(401)
    throttled = answers[5]
    body = assert_problem(throttled, 429, "auth.throttled")
    assert body["retry_after"] in (1, 2)
    # The per-address limiter sets the header to the later of this and its own window's reset.
    assert int(throttled.headers["Retry-After"]) >= body["retry_after"]
    assert "秒后再试" in body["detail"]
    # The real user waits too (a delay, not a lock) ...
    assert login(client, "target").status_code == 429
    events = db_session.scalars(
        select(AccountEvent).where(AccountEvent.event == "login.throttled")
    ).all()
    assert len(events) == statuses.count(401) - 4  # one for each failure that started a delay
    assert {e.address for e in events} <= set(ADDRESSES)
    assert events[0].user_id is not None
    assert events[0].detail == {"failures": 5, "delay_seconds": 2.0}
    # ... and gets in once the delay has run out; success clears the count.
    time_passes(db_session, "target")
    assert login(client, "target").status_code == 200
    assert db_session.get(LoginThrottle, "target") is None
    assert login(client, "target", "wrong-again").status_code == 401  # counting from zero


def test_the_delay_doubles_up_to_the_cap(client, make_user, db_session):
    make_user(username="doubling")
    for _ in range(5):
        assert login(client, "doubling", "nope-nope").status_code == 401
    delays = []
    for _ in range(3):
        blocked = login(client, "doubling", "nope-nope")
        assert blocked.status_code == 429
        delays.append(blocked.get_json()["retry_after"])
        time_passes(db_session, "doubling")
        assert login(client, "doubling", "nope-nope").status_code == 401
    # Seconds left when the refusal is answered: a loaded machine may spend up to a second between
    # the failure that set the delay and the attempt that meets it.
    assert all(
        expected - 2 < seen <= expected for seen, expected in zip(delays, [2, 4, 8], strict=True)
    ), delays
    rules = Rules(after=5, base=2, cap=900, forget=None)
    assert [rules.delay(n) for n in (1, 4, 5, 6, 7, 13, 14, 15, 10_000)] == [
        None,
        None,
        2,
        4,
        8,
        512,
        900,
        900,
        900,
    ]


def test_usernames_are_throttled_whether_they_exist_or_not(client, db_session):
    # The same answers for a name nobody has: throttling does not tell which accounts exist.
    for _ in range(5):
        assert login(client, "Ghost", "whatever-1").status_code == 401
    assert_problem(login(client, "ghost", "whatever-1"), 429, "auth.throttled")
    (event,) = db_session.scalars(select(AccountEvent)).all()
    assert (event.username, event.user_id) == ("ghost", None)


def test_success_clears_the_count_and_old_failures_are_forgotten(client, make_user, db_session):
    make_user(username="typo")
    for _ in range(4):
        assert login(client, "typo", "tpyo-password").status_code == 401
    assert login(client, "typo").status_code == 200
    for _ in range(4):
        assert login(client, "typo", "tpyo-password").status_code == 401
    # A day later the four failures no longer count: the next one is the first again.
    db_session.execute(
        text("UPDATE login_throttles SET last_failure_at = now() - interval '25 hours'")
    )
    assert login(client, "typo", "tpyo-password").status_code == 401
    assert db_session.get(LoginThrottle, "typo", populate_existing=True).failures == 1


def throttle(client, username):
    for _ in range(5):
        login(client, username, "not-the-password")
    assert login(client, username).status_code == 429


def test_an_admin_in_scope_unlocks(client, make_user, db_session):
    user = make_user(username="locked", township_code="430302001")
    throttle(client, "locked")
    url = f"/api/v1/users/{user.id}/unlock"
    worker = make_user(township_code="430302001")
    assert_problem(client.post(url, headers=bearer(worker)), 403, "auth.role_forbidden")
    stranger = make_user(role="admin", county_code="430321", township_code=None)
    assert_problem(client.post(url, headers=bearer(stranger)), 404, "user.not_found")
    # A township admin manages its township's workers, not the accounts of other admins.
    township_admin = make_user(role="admin", township_code="430302001")
    other_admin = make_user(role="admin", township_code="430302001")
    assert_problem(
        client.post(f"/api/v1/users/{other_admin.id}/unlock", headers=bearer(township_admin)),
        403,
        "user.role_not_assignable",
    )
    admin = make_user(role="admin", county_code="430302", township_code=None)
    assert client.post(url, headers=bearer(admin)).status_code == 204
    assert login(client, "locked").status_code == 200
    (unlocked,) = db_session.scalars(
        select(AccountEvent).where(AccountEvent.event == "login.unlocked")
    ).all()
    assert (unlocked.user_id, unlocked.actor_id, unlocked.detail) == (
        user.id,
        admin.id,
        {"failures": 5},
    )


def test_the_shell_unlocks_when_no_admin_can_log_in(app, client, make_user):
    make_user(username="root_admin", role="admin", county_code=None, township_code=None)
    throttle(client, "root_admin")
    result = app.test_cli_runner().invoke(args=["users", "unlock", "ROOT_ADMIN"])
    assert result.exit_code == 0, result.output
    assert "5 failed logins" in result.output
    assert login(client, "root_admin").status_code == 200


def test_the_hourly_purge_keeps_what_still_guards(client, make_user, db_session):
    from gridsvc.accounts.tasks import purge_expired

    for name in ("stale", "blocked"):
        for _ in range(5):
            login(client, name, "whatever-pw")
    db_session.execute(
        text(
            "UPDATE login_throttles SET last_failure_at = now() - interval '2 days',"
            " blocked_until = now() - interval '1 day' WHERE username = 'stale'"
        )
    )
    make_user(username="leaving")
    session = login(client, "leaving").get_json()
    client.post(
        "/api/v1/auth/logout", headers={"Authorization": f"Bearer {session['access_token']}"}
    )
    db_session.execute(text("UPDATE revoked_tokens SET expires_at = now() - interval '1 second'"))
    assert purge_expired.delay().get() == {"revocations": 1, "throttles": 1}
    remaining = db_session.scalars(select(LoginThrottle.username)).all()
    assert remaining == ["blocked"]
