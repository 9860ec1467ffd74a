"""accounts: per-user token version, login throttles, the accounts audit log

Revision ID: ad1fa1259e14
Revises: 75cbc3b725f7
Create Date: 2026-12-03 09:10:00

``users.tokens_valid_after`` (a time: tokens issued in the same second as a password change
survived it) gives way to ``users.token_version``, compared with each token's ``tv`` claim. Tokens
minted before this revision carry no ``tv`` and are refused: everyone logs in once more.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'ad1fa1259e14'
down_revision = '75cbc3b725f7'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'users', sa.Column('token_version', sa.Integer(), server_default='1', nullable=False)
    )
    op.drop_column('users', 'tokens_valid_after')
    op.create_table(
        'login_throttles',
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('username', name=op.f('pk_login_throttles')),
    )
    op.create_table(
        'account_events',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column(
            'detail',
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_events')),
    )
    op.create_index(
        'ix_account_events_username_at', 'account_events', ['username', 'at'], unique=False
    )


def downgrade():
    op.drop_index('ix_account_events_username_at', table_name='account_events')
    op.drop_table('account_events')
    op.drop_table('login_throttles')
    op.add_column(
        'users', sa.Column('tokens_valid_after', sa.DateTime(timezone=True), nullable=True)
    )
    op.drop_column('users', 'token_version')
