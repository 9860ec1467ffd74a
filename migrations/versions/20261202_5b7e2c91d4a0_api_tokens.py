"""api_tokens: personal read-only API tokens (stored hashed), watched by the accounts cache

Revision ID: 5b7e2c91d4a0
Revises: e5a0c2d1f7b3
Create Date: 2026-12-02 14:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '5b7e2c91d4a0'
down_revision = 'e5a0c2d1f7b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('client_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    op.create_index('uq_api_tokens_client', 'api_tokens', ['user_id', 'client_id'], unique=True)
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    # A token's checks are cached with the accounts source: a revoke must reach every process.
    op.execute(
        "CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        " ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION bump_cache_version('accounts')"
    )


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS cache_version_bump ON api_tokens")
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_index('uq_api_tokens_client', table_name='api_tokens')
    op.drop_table('api_tokens')
