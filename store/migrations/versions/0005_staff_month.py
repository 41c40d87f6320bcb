"""staff_month and staff_live: per-staff sums for the staff-level pages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Frozen here (not read from store.schema): a migration describes the schema of its time.
COUNTS = (
    'fact_days', 'days_reported', 'active_days', 'chat_cnt', 'message_cnt', 'negative_feedback_cnt',
    'new_apply_cnt', 'new_contact_cnt', 'new_chat_cnt', 'new_member_cnt', 'msg_total', 'tasks_assigned',
    'tasks_done', 'intercepted_msgs',
)
WEIGHTS = ('reply_percentage_num', 'reply_percentage_den', 'avg_reply_time_num', 'avg_reply_time_den')
SALES = ('card_cnt', 'account_cnt', 'funded_cnt', 'wealth_cnt', 'deposit_amount', 'wealth_amount')
FLOATS = {'reply_percentage_num', 'avg_reply_time_num', 'deposit_amount', 'wealth_amount'}


def upgrade() -> None:
    op.create_table('staff_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('outlet_code', sa.String(length=32), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=True),
    *[sa.Column(name, sa.Float() if name in FLOATS else sa.BigInteger(), nullable=False)
      for name in (*COUNTS, *WEIGHTS, *SALES)],
    sa.PrimaryKeyConstraint('month', 'department', 'outlet_code', 'staff_id', name=op.f('pk_staff_month'))
    )
    op.create_table('staff_live',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('live', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'staff_id', 'kind', name=op.f('pk_staff_live'))
    )
    # No backfill: a month without staff_month rows is read from the facts (exact, slower)
    # until a load rebuilds it, and a day without staff_live rows is counted from fact_contact.


def downgrade() -> None:
    op.drop_table('staff_live')
    op.drop_table('staff_month')
