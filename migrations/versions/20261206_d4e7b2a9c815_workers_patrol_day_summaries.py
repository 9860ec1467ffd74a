"""workers: per-day patrol summaries (patrol_days, patrol_day_grids) kept after track retention; BRIN on track_points.t

Revision ID: d4e7b2a9c815
Revises: c3f1a9e2b7d6
Create Date: 2026-12-02 17:20:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd4e7b2a9c815'
down_revision = 'c3f1a9e2b7d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'patrol_days',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('township_code', sa.String(length=9), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('flagged_points', sa.Integer(), nullable=False),
        sa.Column('distance_m', sa.Float(), nullable=False),
        sa.Column('patrol_s', sa.Float(), nullable=False),
        sa.Column('inside_s', sa.Float(), nullable=False),
        sa.Column('inside_share', sa.Float(), nullable=True),
        sa.Column('first_t', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_t', sa.DateTime(timezone=True), nullable=True),
        sa.Column('alerts', postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_patrol_days')),
    )
    op.create_table(
        'patrol_day_grids',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('grid_code', sa.String(length=32), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('assigned', sa.Boolean(), nullable=False),
        sa.Column('points', sa.Integer(), server_default='0', nullable=False),
        sa.Column('inside_s', sa.Float(), server_default='0', nullable=False),
        sa.Column('coverage', sa.Float(), nullable=True),
        sa.Column('covered_m2', sa.Float(), nullable=True),
        sa.Column('seen_points', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_t', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('user_id', 'day', 'grid_code', name=op.f('pk_patrol_day_grids')),
    )
    # Partitioned index: existing and future monthly partitions get their own copy.
    op.create_index('ix_track_points_t_brin', 'track_points', ['t'], unique=False,
                    postgresql_using='brin')
    op.create_index('ix_patrol_day_grids_grid_last_t', 'patrol_day_grids',
                    ['grid_code', 'last_t'], unique=False)


def downgrade():
    op.drop_index('ix_patrol_day_grids_grid_last_t', table_name='patrol_day_grids')
    op.drop_table('patrol_day_grids')
    op.drop_table('patrol_days')
    op.drop_index('ix_track_points_t_brin', table_name='track_points', postgresql_using='brin')
