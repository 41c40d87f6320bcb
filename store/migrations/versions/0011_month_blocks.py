"""rollup_block and staff_block: the month tables' rows per block of a month's days, from which
a daily load sums the month instead of every day of it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Frozen here (not read from store.schema): a migration describes the schema of its time.
ROLLUP_FLOWS = (
    'reporting_staff_cnt', 'chat_cnt', 'message_cnt', 'negative_feedback_cnt', 'new_apply_cnt', 'new_contact_cnt',
    'reply_percentage_num', 'reply_percentage_den', 'avg_reply_time_num', 'avg_reply_time_den', 'new_chat_cnt',
    'new_member_cnt', 'msg_total', 'tasks_assigned', 'tasks_done', 'intercepted_msgs', 'contacts_added',
    'contacts_removed', 'contacts_first_chat', 'card_cnt', 'account_cnt', 'funded_cnt', 'deposit_amount',
    'wealth_cnt', 'wealth_amount',
)
STAFF_SUMS = (
    'fact_days', 'days_reported', 'active_days', 'chat_cnt', 'message_cnt', 'negative_feedback_cnt',
    'new_apply_cnt', 'new_contact_cnt', 'new_chat_cnt', 'new_member_cnt', 'msg_total', 'tasks_assigned',
    'tasks_done', 'intercepted_msgs', 'reply_percentage_num', 'reply_percentage_den', 'avg_reply_time_num',
    'avg_reply_time_den', 'card_cnt', 'account_cnt', 'funded_cnt', 'wealth_cnt', 'deposit_amount', 'wealth_amount',
)
FLOATS = {'reply_percentage_num', 'avg_reply_time_num', 'deposit_amount', 'wealth_amount'}


def _number(name: str) -> sa.Column:
    return sa.Column(name, sa.Float() if name in FLOATS else sa.BigInteger(), nullable=False)


def upgrade() -> None:
    # No backfill: a month whose blocks have no rows yet is summed from its days the next time
    # one of its days is rebuilt, and its blocks are written then (store.month_rollups,
    # store.staff_month); until then the month tables hold what they held.
    op.create_table('rollup_block',
    sa.Column('block', sa.Date(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    *[_number(name) for name in ROLLUP_FLOWS],
    sa.PrimaryKeyConstraint('block', 'unit_code', 'department', 'kind', 'segment', 'level', 'parent_code',
                            name=op.f('pk_rollup_block')),
    sqlite_with_rowid=False,
    )
    op.create_table('staff_block',
    sa.Column('block', sa.Date(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('outlet_code', sa.String(length=32), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=True),
    *[_number(name) for name in STAFF_SUMS],
    sa.PrimaryKeyConstraint('block', 'department', 'outlet_code', 'staff_id', name=op.f('pk_staff_block')),
    sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table('staff_block')
    op.drop_table('rollup_block')
