"""indexes that match the lists' filters and orderings, so a page reads its rows in order and stops

Revision ID: c4d2f7a91b15
Revises: a7c3e91d0414
Create Date: 2026-12-07 23:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d2f7a91b15'
down_revision = 'a7c3e91d0414'
branch_labels = None
depends_on = None

INDEXES = [
    ('postings', 'ix_postings_list', ['kind', 'status', 'published_at', 'id']),
    ('postings', 'ix_postings_list_visibility', ['kind', 'status', 'visibility', 'published_at', 'id']),
    ('postings', 'ix_postings_list_field', ['kind', 'status', 'tech_field_id', 'visibility', 'published_at', 'id']),
    ('postings', 'ix_postings_list_town', ['kind', 'status', 'town_id', 'visibility', 'published_at', 'id']),
    ('postings', 'ix_postings_org_status', ['organization_id', 'status', 'published_at', 'id']),
    ('postings', 'ix_postings_org_updated', ['organization_id', 'updated_at', 'id']),
    ('postings', 'ix_postings_review_queue', ['status', 'submitted_at', 'id']),
    ('pairings', 'ix_pairings_target_org_activity', ['target_org_id', 'last_activity_at', 'id']),
    ('pairings', 'ix_pairings_initiator_org_activity', ['initiator_org_id', 'last_activity_at', 'id']),
    ('pairings', 'ix_pairings_activity', ['last_activity_at', 'id']),
]


def upgrade():
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
