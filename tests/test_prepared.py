"""gridsvc.prepared: a pooled connection prepares each statement once, and again once its generic
plan is old (a plan made on a near-empty table must not stay for the connection's life)."""

from __future__ import annotations

from sqlalchemy import text

from gridsvc import prepared
from gridsvc.extensions import db

STATEMENT = prepared.Prepared("gridsvc_test_replan", (("n", "int"),), "SELECT $1 + 1 AS total")


def _prepared_at():
    return db.session.scalar(
        text("SELECT prepare_time FROM pg_prepared_statements WHERE name = :n"),
        {"n": STATEMENT.name},
    )


def test_a_statement_is_prepared_once_while_its_plan_is_young():
    assert STATEMENT.run({"n": 1}) == (["total"], [(2,)])
    first = _prepared_at()
    assert STATEMENT.run({"n": 2}) == (["total"], [(3,)])
    assert _prepared_at() == first


def test_an_old_plan_is_prepared_again(monkeypatch):
    assert STATEMENT.run({"n": 1}) == (["total"], [(2,)])
    first = _prepared_at()
    db.session.execute(text("SELECT pg_sleep(0.01)"))
    monkeypatch.setattr(prepared, "REPLAN_SECONDS", 0.0)
    assert STATEMENT.run({"n": 5}) == (["total"], [(6,)])
    assert _prepared_at() > first
