"""areas: partial indexes for current-generation reads by township, village and parent

Revision ID: e5a0c2d1f7b3
Revises: 2efe9883495c
Create Date: 2026-12-02 15:00:00

"""

from alembic import op
import sqlalchemy as sa

revision = "e5a0c2d1f7b3"
down_revision = "2efe9883495c"
branch_labels = None
depends_on = None

CURRENT = sa.text("gen_from IS NOT NULL AND gen_to IS NULL")
COLUMNS = {
    "township": ["layer", "level", "township_code", "code"],
    "village": ["layer", "level", "village_code", "code"],
    "parent": ["layer", "parent_code", "code"],
}


def upgrade():
    for name, columns in COLUMNS.items():
        op.create_index(f"ix_areas_current_{name}", "areas", columns, postgresql_where=CURRENT)


def downgrade():
    for name in COLUMNS:
        op.drop_index(f"ix_areas_current_{name}", table_name="areas")
