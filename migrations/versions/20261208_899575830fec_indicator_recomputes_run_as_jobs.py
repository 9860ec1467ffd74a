"""indicator_recomputes: an admin's recompute of settled days runs as a background job

Revision ID: 899575830fec
Revises: 9a1146fd7b39
Create Date: 2026-12-03 05:40:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '899575830fec'
down_revision = '9a1146fd7b39'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'indicator_recomputes',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=True),
        sa.Column('cases', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('error', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_indicator_recomputes_status_known')),
        sa.CheckConstraint('first_day <= last_day', name=op.f('ck_indicator_recomputes_range_ordered')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_indicator_recomputes_created_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_recomputes')),
    )
    op.create_index(op.f('ix_indicator_recomputes_county_code'), 'indicator_recomputes', ['county_code'])


def downgrade():
    op.drop_table('indicator_recomputes')
