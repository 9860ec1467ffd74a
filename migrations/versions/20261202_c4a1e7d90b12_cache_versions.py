"""cache_versions: per-source versions bumped by triggers, for the per-process caches

Revision ID: c4a1e7d90b12
Revises: d8af0c60e37d
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'c4a1e7d90b12'
down_revision = 'd8af0c60e37d'
branch_labels = None
depends_on = None

# A frozen copy of gridsvc.caching.SOURCES at this revision (tests/test_caching.py compares the
# installed triggers with the code's list; a later change to the list needs a new migration).
SOURCES = {
    "accounts": ("users", "revoked_tokens"),
    "categories": ("categories",),
    "assignments": ("grid_assignments",),
    "directory": (
        "teams", "team_townships", "responsibility_entries", "routing_zones",
        "webhook_subscriptions",
    ),
    "generations": ("generations",),
}

# Sequence values are never handed out twice, even when the bumping transaction rolls back: a
# process that read a version inside a rolled-back transaction can never take it for current.
BUMP = """
CREATE SEQUENCE cache_version_seq;
CREATE FUNCTION bump_cache_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cache_versions (name, version) VALUES (TG_ARGV[0], nextval('cache_version_seq'))
    ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$;
"""


def upgrade():
    op.create_table(
        'cache_versions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions')),
    )
    op.execute(BUMP)
    for source, tables in SOURCES.items():
        op.execute(
            f"INSERT INTO cache_versions (name, version) VALUES ('{source}', nextval('cache_version_seq'))"
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version('{source}')"
            )


def downgrade():
    for tables in SOURCES.values():
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS cache_version_bump ON {table}")
    op.execute("DROP FUNCTION IF EXISTS bump_cache_version()")
    op.execute("DROP SEQUENCE IF EXISTS cache_version_seq")
    op.drop_table('cache_versions')
