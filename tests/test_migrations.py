"""The models and the Alembic migrations describe the same schema (no drift)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gridsvc.extensions import alembic_include_object, db


def test_models_match_migrations(app):
    # The session fixture built the schema by running the migrations; compare it with the models.
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": alembic_include_object, "compare_type": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
