"""counting pages at size: the dashboard's count of postings published in a span reads an index only

Revision ID: c4f1e9b2d016
Revises: c4d2f7a91b15
Create Date: 2026-12-07 23:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4f1e9b2d016'
down_revision = 'c4d2f7a91b15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index('ix_postings_published_at_status', ['published_at', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index('ix_postings_published_at_status')
