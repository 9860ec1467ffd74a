"""Every per-process cache follows the database's versions: a write committed elsewhere is seen.

The writes here go through a second connection that really commits (another process, or a DBA in
psql), while the app reads on the test's own connection; each test removes what it committed. The
caches stay switched on (CACHE_CHECK_SECONDS = 0: the versions are re-read on every read).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from gridsvc import caching
from gridsvc.extensions import db

COUNTY = "430398"  # no other test uses it


@contextmanager
def elsewhere():
    """A connection of its own whose statements commit at once, like another process's."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


def test_the_database_triggers_are_the_sources_the_code_names():
    rows = db.session.execute(
        text(
            "SELECT c.relname, encode(t.tgargs, 'escape') FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'cache_version_bump'"
        )
    ).all()
    installed = {(table, args.removesuffix("\\000")) for table, args in rows}
    named = {(table, source) for source, tables in caching.SOURCES.items() for table in tables}
    assert installed == named
    assert set(db.session.scalars(text("SELECT name FROM cache_versions"))) == set(caching.SOURCES)


def test_a_write_bumps_its_source_only_and_a_rolled_back_bump_is_never_reused():
    def versions(conn):
        return dict(conn.execute(text("SELECT name, version FROM cache_versions")).all())

    touch = text("UPDATE categories SET name_zh = name_zh WHERE code = '0102'")
    with elsewhere() as conn:
        before = versions(conn)
    # A bump rolled back with its transaction ...
    with db.engine.connect() as conn:
        conn.execute(touch)
        rolled_back = versions(conn)["categories"]
        conn.rollback()
    # ... and one committed: a new number, and only the written table's source moved.
    with elsewhere() as conn:
        conn.execute(touch)
        after = versions(conn)
    assert after["categories"] not in (before["categories"], rolled_back)
    assert after["categories"] > before["categories"]
    assert {k: v for k, v in after.items() if k != "categories"} == {
        k: v for k, v in before.items() if k != "categories"
    }


def test_category_catalog_sees_a_rename_committed_elsewhere():
    from gridsvc.incidents import categories

    code = "0102"
    original = categories.rules()[code].name_zh
    assert categories.rules()[code].name_zh == original  # answered from the cache
    try:
        with elsewhere() as conn:
            conn.execute(
                text("UPDATE categories SET name_zh = name_zh || '（改）' WHERE code = :c"),
                {"c": code},
            )
        assert categories.rules()[code].name_zh == original + "（改）"
    finally:
        with elsewhere() as conn:
            conn.execute(
                text("UPDATE categories SET name_zh = :n WHERE code = :c"),
                {"n": original, "c": code},
            )


@pytest.fixture
def committed_worker():
    """A worker and one grid assignment committed outside the test's transaction."""
    name = f"w-{uuid.uuid4().hex[:8]}"
    with elsewhere() as conn:
        user_id = conn.scalar(
            text(
                "INSERT INTO users (username, password_hash, role, county_code, township_code)"
                " VALUES (:n, 'x', 'grid_worker', :c, :t) RETURNING id"
            ),
            {"n": name, "c": COUNTY, "t": COUNTY + "001"},
        )
        conn.execute(
            text(
                "INSERT INTO grid_assignments (county_code, township_code, grid_code, user_id)"
                " VALUES (:c, :t, :g, :u)"
            ),
            {"c": COUNTY, "t": COUNTY + "001", "g": COUNTY + "001001001", "u": user_id},
        )
    try:
        yield user_id
    finally:
        with elsewhere() as conn:
            conn.execute(text("DELETE FROM grid_assignments WHERE user_id = :u"), {"u": user_id})
            conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": user_id})


def test_token_check_sees_a_revocation_committed_elsewhere(client, committed_worker):
    from flask_jwt_extended import create_access_token, decode_token

    # The test's own transaction writes nothing watched: its row lock on the ``accounts`` version
    # would hold the other connection's bump until the test ends.
    token = create_access_token(identity=SimpleNamespace(id=committed_worker))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # from the cache
    jti = decode_token(token)["jti"]
    try:
        with elsewhere() as conn:
            conn.execute(
                text(
                    "INSERT INTO revoked_tokens (jti, token_type, user_id, expires_at)"
                    " VALUES (:j, 'access', :u, now() + interval '1 hour')"
                ),
                {"j": jti, "u": committed_worker},
            )
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "auth.token_revoked"
    finally:
        with elsewhere() as conn:
            conn.execute(text("DELETE FROM revoked_tokens WHERE jti = :j"), {"j": jti})


def test_reporters_grids_see_an_assignment_ended_elsewhere(committed_worker):
    from gridsvc.incidents import reporting

    assert reporting._own_grids(committed_worker) == {COUNTY + "001001001"}
    with elsewhere() as conn:
        conn.execute(
            text("UPDATE grid_assignments SET valid_to = now() WHERE user_id = :u"),
            {"u": committed_worker},
        )
    assert reporting._own_grids(committed_worker) == set()


def test_routing_world_sees_a_team_and_a_member_committed_elsewhere(committed_worker):
    from gridsvc.routing.decision import county_world

    assert county_world(COUNTY).directory.teams == {}
    with elsewhere() as conn:
        team_id = conn.scalar(
            text(
                "INSERT INTO teams (county_code, township_code, kind, code, name)"
                " VALUES (:c, :t, 'township_team', 'CACHE', '缓存测试中队') RETURNING id"
            ),
            {"c": COUNTY, "t": COUNTY + "001"},
        )
    try:
        assert set(county_world(COUNTY).directory.teams) == {team_id}
        assert county_world(COUNTY).people.leads(team_id) == []
        with elsewhere() as conn:  # an accounts write: the world's people follow it too
            conn.execute(
                text("UPDATE users SET role = 'team_lead', team_id = :t WHERE id = :u"),
                {"t": team_id, "u": committed_worker},
            )
        assert county_world(COUNTY).people.leads(team_id) == [committed_worker]
    finally:
        with elsewhere() as conn:
            conn.execute(
                text("UPDATE users SET team_id = NULL WHERE id = :u"), {"u": committed_worker}
            )
            conn.execute(text("DELETE FROM teams WHERE id = :t"), {"t": team_id})


def test_locate_index_is_dropped_when_a_generation_changes_elsewhere():
    from gridsvc.boundaries import lookup_index

    insert = text(
        "INSERT INTO generations (number, status, level, layer, county_code, source, published_at)"
        " VALUES (:n, :s, 'grid', 'unified', :c, 'upload', now()) RETURNING id"
    )
    with elsewhere() as conn:
        number = conn.scalar(text("SELECT coalesce(max(number), 0) + 1000 FROM generations"))
        published = conn.scalar(insert, {"n": number, "s": "published", "c": COUNTY})
    drafts = []
    try:
        assert lookup_index.current_index("unified").number == number
        assert lookup_index.warm_index("unified") is not None  # built, and current
        with elsewhere() as conn:
            drafts.append(conn.scalar(insert, {"n": None, "s": "draft", "c": COUNTY}))
        assert lookup_index.warm_index("unified") is None  # another process wrote generations
        assert lookup_index.current_index("unified").number == number  # rebuilt
    finally:
        with elsewhere() as conn:
            conn.execute(
                text("DELETE FROM generations WHERE id = ANY(:g)"), {"g": [published, *drafts]}
            )


def test_an_unknown_source_is_refused():
    with pytest.raises(KeyError):
        caching.VersionedCache("nonsense")
    with pytest.raises(KeyError):
        caching.VersionedCache()


def test_own_commit_is_seen_at_once_even_between_version_checks(app, monkeypatch):
    from gridsvc.incidents import categories
    from gridsvc.incidents.models import Category

    monkeypatch.setitem(app.config, "CACHE_CHECK_SECONDS", 3600)
    caching.bump("categories")  # the next read re-checks the versions, then trusts them an hour
    original = categories.rules()["0102"].name_zh
    category = db.session.get(Category, "0102")
    category.name_zh = original + "（本进程）"
    db.session.commit()  # a savepoint in the test harness; the session's commit event still fires
    assert categories.rules()["0102"].name_zh == original + "（本进程）"
