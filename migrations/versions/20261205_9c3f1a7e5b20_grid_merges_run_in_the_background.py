"""grid_merges: status, request, client_id, attempts and error, so the derivation runs as a background job

Revision ID: 9c3f1a7e5b20
Revises: 5b7e2c91d4a0
Create Date: 2026-12-02 15:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '9c3f1a7e5b20'
down_revision = '5b7e2c91d4a0'
branch_labels = None
depends_on = None


def upgrade():
    # Merges made before this ran in the request: they are done.
    op.add_column('grid_merges', sa.Column('status', sa.String(length=16), server_default='done', nullable=False))
    op.alter_column('grid_merges', 'status', server_default='queued')
    op.add_column('grid_merges', sa.Column('params', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('grid_merges', sa.Column('client_id', sa.UUID(), nullable=True))
    op.create_unique_constraint('uq_grid_merges_creator_client', 'grid_merges', ['created_by', 'client_id'])
    op.add_column('grid_merges', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('grid_merges', sa.Column('error', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('grid_merges', sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('grid_merges', sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f('ck_grid_merges_status_known'),
        'grid_merges',
        "status IN ('queued', 'running', 'done', 'failed')",
    )


def downgrade():
    op.drop_constraint(op.f('ck_grid_merges_status_known'), 'grid_merges', type_='check')
    op.drop_constraint('uq_grid_merges_creator_client', 'grid_merges', type_='unique')
    for column in ('finished_at', 'started_at', 'error', 'attempts', 'client_id', 'params', 'status'):
        op.drop_column('grid_merges', column)
