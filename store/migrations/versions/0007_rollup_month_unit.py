"""rollup_month_unit: rollup_month without the segment split, with last-day snapshots,
clustered by level and month (WITHOUT ROWID on SQLite) for the pages' period reads

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Frozen here (not read from store.schema): a migration describes the schema of its time.
FLOWS = (
    'reporting_staff_cnt', 'chat_cnt', 'message_cnt', 'negative_feedback_cnt', 'new_apply_cnt',
    'new_contact_cnt', 'reply_percentage_num', 'reply_percentage_den', 'avg_reply_time_num',
    'avg_reply_time_den', 'new_chat_cnt', 'new_member_cnt', 'msg_total', 'tasks_assigned',
    'tasks_done', 'intercepted_msgs', 'contacts_added', 'contacts_removed', 'contacts_first_chat',
    'card_cnt', 'account_cnt', 'funded_cnt', 'deposit_amount', 'wealth_cnt', 'wealth_amount',
)
SNAPSHOTS = (
    'staff_cnt', 'contact_enabled_cnt', 'wecom_active_cnt', 'active_7d_cnt', 'managed_customers',
    'chat_total', 'chat_has_msg', 'member_total', 'member_has_msg', 'contacts_live',
)
# In rollup_day's column order (store.schema.COMPONENTS of this revision).
COMPONENTS = (
    'staff_cnt', 'contact_enabled_cnt', 'wecom_active_cnt', 'active_7d_cnt', 'managed_customers',
    'reporting_staff_cnt', 'chat_cnt', 'message_cnt', 'negative_feedback_cnt', 'new_apply_cnt',
    'new_contact_cnt', 'reply_percentage_num', 'reply_percentage_den', 'avg_reply_time_num',
    'avg_reply_time_den', 'new_chat_cnt', 'chat_total', 'chat_has_msg', 'new_member_cnt', 'member_total',
    'member_has_msg', 'msg_total', 'tasks_assigned', 'tasks_done', 'intercepted_msgs', 'contacts_added',
    'contacts_removed', 'contacts_first_chat', 'contacts_live', 'card_cnt', 'account_cnt', 'funded_cnt',
    'deposit_amount', 'wealth_cnt', 'wealth_amount',
)
FLOATS = {'reply_percentage_num', 'avg_reply_time_num', 'deposit_amount', 'wealth_amount'}
KEYS = ('level', 'month', 'department', 'kind', 'unit_code', 'parent_code')


def upgrade() -> None:
    op.create_table('rollup_month_unit',
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    *[sa.Column(name, sa.Float() if name in FLOATS else sa.BigInteger(), nullable=False) for name in COMPONENTS],
    sa.PrimaryKeyConstraint(*KEYS, name=op.f('pk_rollup_month_unit')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('rollup_month_unit', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_month_unit_unit_month', ['unit_code', 'month'], unique=False)
        batch_op.create_index('ix_rollup_month_unit_parent_month', ['parent_code', 'month'], unique=False)
    _backfill()


def _backfill() -> None:
    """Every month of rollup_month, so pages read right at once (later loads keep the table up
    to date through store.month_rollups). Float sums rounded to 1/10,000 as store.sums does."""
    keys = ', '.join(KEYS)
    fkeys = ', '.join(f'f.{k}' for k in KEYS)
    sums = ', '.join(f'CAST(ROUND(CAST(COALESCE(SUM({n}), 0) AS FLOAT) * 10000.0) / 10000.0 AS FLOAT) AS {n}'
                     if n in FLOATS else f'COALESCE(SUM({n}), 0) AS {n}' for n in FLOWS)
    snapshot_sums = ', '.join(f'SUM(r.{n}) AS {n}' for n in SNAPSHOTS)
    on_keys = ' AND '.join(f'e.{k} = f.{k}' for k in KEYS)
    op.execute(
        f"INSERT INTO rollup_month_unit ({keys}, last_day, {', '.join(FLOWS)}, {', '.join(SNAPSHOTS)}) "
        f"WITH flows AS (SELECT {keys}, MAX(last_day) AS last_day, {sums} FROM rollup_month GROUP BY {keys}), "
        f"ends AS (SELECT {fkeys}, {snapshot_sums} FROM flows f JOIN rollup_day r ON r.day = f.last_day "
        f"AND r.unit_code = f.unit_code AND r.department = f.department AND r.kind = f.kind GROUP BY {fkeys}) "
        f"SELECT {fkeys}, f.last_day, {', '.join(f'f.{n}' for n in FLOWS)}, "
        f"{', '.join(f'COALESCE(e.{n}, 0)' for n in SNAPSHOTS)} FROM flows f LEFT JOIN ends e ON {on_keys}"
    )


def downgrade() -> None:
    with op.batch_alter_table('rollup_month_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_month_unit_parent_month')
        batch_op.drop_index('ix_rollup_month_unit_unit_month')

    op.drop_table('rollup_month_unit')
