"""generation_publishes: publishing a draft runs as a background job the client polls

Revision ID: b8d2e4f6a1c3
Revises: d4e7b2a9c815
Create Date: 2026-12-02 17:30:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'b8d2e4f6a1c3'
down_revision = 'd4e7b2a9c815'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'generation_publishes',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
        sa.Column('upload_id', sa.UUID(), nullable=True),
        sa.Column('merge_id', sa.UUID(), nullable=True),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=True),
        sa.Column('effective_from', sa.Date(), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('error', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_generation_publishes_status_known')),
        sa.CheckConstraint('num_nonnulls(upload_id, merge_id) = 1', name=op.f('ck_generation_publishes_one_source')),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_generation_publishes_created_by_users')),
        sa.ForeignKeyConstraint(['draft_id'], ['generations.id'], name=op.f('fk_generation_publishes_draft_id_generations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['merge_id'], ['grid_merges.id'], name=op.f('fk_generation_publishes_merge_id_grid_merges'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['upload_id'], ['boundary_uploads.id'], name=op.f('fk_generation_publishes_upload_id_boundary_uploads'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_generation_publishes')),
    )
    op.create_index(op.f('ix_generation_publishes_merge_id'), 'generation_publishes', ['merge_id'])
    op.create_index(op.f('ix_generation_publishes_upload_id'), 'generation_publishes', ['upload_id'])
    op.create_index(
        'uq_generation_publishes_live_draft',
        'generation_publishes',
        ['draft_id'],
        unique=True,
        postgresql_where=sa.text("status <> 'failed'"),
    )


def downgrade():
    op.drop_table('generation_publishes')
