"""incidents: an index on (county_code, received_at) for the assessment's period reads

The live indicators (the unsettled month, read on every request), the settlement's four-week
chunks, its first-day lookup and the ratings all pick a county's cases by when their incident
was received; without this index each read scanned the county's incidents.

Built CONCURRENTLY, outside the migration's transaction: a plain CREATE INDEX would hold every
write to incidents for the build (seconds to minutes for a county's million reports), and reports
waiting on it would meet the web statement timeout. Should the build fail, PostgreSQL leaves an
invalid index: the upgrade drops it first and builds it again.

Revision ID: 9a1146fd7b39
Revises: b8d2e4f6a1c3
Create Date: 2026-12-03 04:40:00

"""

from alembic import op

revision = '9a1146fd7b39'
down_revision = 'b8d2e4f6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_incidents_county_received")
        op.create_index(
            'ix_incidents_county_received',
            'incidents',
            ['county_code', 'received_at'],
            unique=False,
            postgresql_concurrently=True,
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index(
            'ix_incidents_county_received', table_name='incidents', postgresql_concurrently=True
        )
