"""plans as data: a plans table; targets, counting rules and tier targets belong to a plan; the
2023–2025 plan seeded from its text with the existing targets and rules moved under it

Revision ID: 5b7e0c2d9a13
Revises: 22d1f8af7e4e
Create Date: 2026-12-07 18:30:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e0c2d9a13'
down_revision = '22d1f8af7e4e'
branch_labels = None
depends_on = None

# 宝应县专精特新企业培育三年行动计划（2023-2025年）, issued by 宝应县人民政府办公室 on 2023-08-22.
# The published text carries no 文号, so none is invented; staff can fill it in. Literal values: a
# migration must not change when the code does.
PLAN_2023 = {
    "id": 1,
    "name": "宝应县专精特新企业培育三年行动计划（2023—2025年）",
    "doc_number": None,
    "start_year": 2023,
    "end_year": 2025,
    "bureaus": "县工信局、县科技局",
    "status": "in_force",
    "demo": False,
}
OWNED = {  # table → (old unique columns, new unique constraint name)
    "targets": (["indicator_code", "period"], "uq_targets_period"),
    "counting_rules": (["indicator_code", "agreement_type"], "uq_counting_rules"),
    "tier_targets": (["tier_id", "period"], "uq_tier_targets_period"),
}


def upgrade():
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('doc_number', sa.String(length=60), nullable=True),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('end_year', sa.Integer(), nullable=False),
    sa.Column('bureaus', sa.String(length=200), nullable=True),
    sa.Column('status', sa.Enum('in_force', 'closed', name='planstatus', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('start_year <= end_year', name=op.f('ck_plans_years_in_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    plans = sa.table(
        "plans",
        *(sa.column(c) for c in PLAN_2023 if c != "demo"),
        sa.column("demo", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    bind.execute(plans.insert().values(**PLAN_2023, created_at=datetime.now(timezone.utc)))
    if bind.dialect.name == "postgresql":  # the explicit id must not collide with the next one
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('plans', 'id'), 1)"))

    for name, (old_columns, unique) in OWNED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        bind.execute(sa.text(f"UPDATE {name} SET plan_id = 1"))
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_constraint(unique, type_='unique')
            batch_op.create_unique_constraint(unique, ['plan_id', *old_columns])
            batch_op.create_index(batch_op.f(f'ix_{name}_plan_id'), ['plan_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{name}_plan_id_plans'), 'plans', ['plan_id'], ['id'])


def downgrade():
    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT MIN(id) FROM plans")).scalar()
    for name, (old_columns, unique) in OWNED.items():
        # Only one plan's rows fit the old constraints: the first plan's are kept.
        bind.execute(sa.text(f"DELETE FROM {name} WHERE plan_id <> :first"), {"first": first or 0})
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{name}_plan_id_plans'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{name}_plan_id'))
            batch_op.drop_constraint(unique, type_='unique')
            batch_op.create_unique_constraint(unique, old_columns)
            batch_op.drop_column('plan_id')
    op.drop_table('plans')
