"""subscriptions (订阅推送): what users asked to hear about, the delivered-items table (one row per
subscription and posting, unique), and the subscriptions' journal cursor started at the journal's end

Revision ID: c4d2e8f1a017
Revises: c4f1e9b2d016
Create Date: 2026-12-07 23:50:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2e8f1a017'
down_revision = 'c4f1e9b2d016'
branch_labels = None
depends_on = None

KINDS = ('rd_need', 'supply_need', 'supply_offer', 'research_outcome')


def upgrade():
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('basis', sa.Enum('search', 'proposals', name='basis', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('query', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.Enum(*KINDS, name='postingkind', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('tech_field_id', sa.Integer(), nullable=True),
    sa.Column('town_id', sa.Integer(), nullable=True),
    sa.Column('min_strength', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.Enum('immediate', 'daily', 'weekly', name='frequency', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('digests', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tech_field_id'], ['tech_fields.id'], name=op.f('fk_subscriptions_tech_field_id_tech_fields')),
    sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_subscriptions_town_id_towns')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_user_active', ['user_id', 'cancelled_at'], unique=False)

    op.create_table('subscription_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('digest', sa.Integer(), nullable=True),
    sa.Column('digest_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shown', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['posting_id'], ['postings.id'], name=op.f('fk_subscription_items_posting_id_postings')),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], name=op.f('fk_subscription_items_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_items')),
    sa.UniqueConstraint('subscription_id', 'posting_id', name='uq_subscription_items_once')
    )
    with op.batch_alter_table('subscription_items', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_items_pending', ['subscription_id', 'digest_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_items_posting_id'), ['posting_id'], unique=False)

    bind = op.get_bind()
    newest = bind.execute(sa.text("SELECT max(id) FROM journal")).scalar() or 0
    op.bulk_insert(
        sa.table("consumer_cursors", sa.column("name"), sa.column("state", sa.JSON), sa.column("updated_at", sa.DateTime(timezone=True))),
        [{"name": "subscriptions", "state": {"upto": newest, "applied": [], "gap_since": None},
          "updated_at": datetime.now(timezone.utc)}],
    )


def downgrade():
    op.execute("DELETE FROM consumer_cursors WHERE name = 'subscriptions'")
    with op.batch_alter_table('subscription_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_items_posting_id'))
        batch_op.drop_index('ix_subscription_items_pending')

    op.drop_table('subscription_items')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriptions_user_active')

    op.drop_table('subscriptions')
