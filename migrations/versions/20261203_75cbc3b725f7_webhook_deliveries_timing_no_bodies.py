"""webhook deliveries: attempt time and duration; stored response bodies scrubbed

Revision ID: 75cbc3b725f7
Revises: c4a1e7d90b12
Create Date: 2026-12-03 09:00:00

``last_error`` used to keep the first 500 characters of a failed receiver's answer, which let a
county admin read an internal service's reply through a webhook aimed at it. It now keeps a short
word; the old values are replaced by what they stood for.
"""
from alembic import op
import sqlalchemy as sa

revision = '75cbc3b725f7'
down_revision = 'c4a1e7d90b12'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'webhook_deliveries',
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column('webhook_deliveries', sa.Column('last_duration_ms', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE webhook_deliveries SET last_error = CASE"
        " WHEN last_status_code IS NOT NULL THEN 'status ' || last_status_code"
        " ELSE 'connection_failed' END"
        " WHERE last_error IS NOT NULL"
    )


def downgrade():
    op.drop_column('webhook_deliveries', 'last_duration_ms')
    op.drop_column('webhook_deliveries', 'last_attempt_at')
