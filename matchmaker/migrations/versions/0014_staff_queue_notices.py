"""bureau staff choose to be told of new items in their review and verification queues

Revision ID: a7c3e91d0414
Revises: 5b7e0c2d9a13
Create Date: 2026-12-07 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e91d0414'
down_revision = '5b7e0c2d9a13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_queues', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_queues')
