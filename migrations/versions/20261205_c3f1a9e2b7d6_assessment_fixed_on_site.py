"""assessment: the settled case facts count on-the-spot fixes (自处置, fixed_on_site)

Revision ID: c3f1a9e2b7d6
Revises: 9c3f1a7e5b20
Create Date: 2026-12-02 15:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3f1a9e2b7d6'
down_revision = '9c3f1a7e5b20'
branch_labels = None
depends_on = None


def upgrade():
    # Facts settled before this column existed hold no on-site fixes (none were counted).
    op.add_column(
        'assessment_case_facts',
        sa.Column('fixed_on_site', sa.SmallInteger(), server_default='0', nullable=False),
    )


def downgrade():
    op.drop_column('assessment_case_facts', 'fixed_on_site')
