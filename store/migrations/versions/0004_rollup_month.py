"""rollup_month: rollup_day's flow components summed per calendar month

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
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


def upgrade() -> None:
    op.create_table('rollup_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('reporting_staff_cnt', sa.BigInteger(), nullable=False),
    sa.Column('chat_cnt', sa.BigInteger(), nullable=False),
    sa.Column('message_cnt', sa.BigInteger(), nullable=False),
    sa.Column('negative_feedback_cnt', sa.BigInteger(), nullable=False),
    sa.Column('new_apply_cnt', sa.BigInteger(), nullable=False),
    sa.Column('new_contact_cnt', sa.BigInteger(), nullable=False),
    sa.Column('reply_percentage_num', sa.Float(), nullable=False),
    sa.Column('reply_percentage_den', sa.BigInteger(), nullable=False),
    sa.Column('avg_reply_time_num', sa.Float(), nullable=False),
    sa.Column('avg_reply_time_den', sa.BigInteger(), nullable=False),
    sa.Column('new_chat_cnt', sa.BigInteger(), nullable=False),
    sa.Column('new_member_cnt', sa.BigInteger(), nullable=False),
    sa.Column('msg_total', sa.BigInteger(), nullable=False),
    sa.Column('tasks_assigned', sa.BigInteger(), nullable=False),
    sa.Column('tasks_done', sa.BigInteger(), nullable=False),
    sa.Column('intercepted_msgs', sa.BigInteger(), nullable=False),
    sa.Column('contacts_added', sa.BigInteger(), nullable=False),
    sa.Column('contacts_removed', sa.BigInteger(), nullable=False),
    sa.Column('contacts_first_chat', sa.BigInteger(), nullable=False),
    sa.Column('card_cnt', sa.BigInteger(), nullable=False),
    sa.Column('account_cnt', sa.BigInteger(), nullable=False),
    sa.Column('funded_cnt', sa.BigInteger(), nullable=False),
    sa.Column('deposit_amount', sa.Float(), nullable=False),
    sa.Column('wealth_cnt', sa.BigInteger(), nullable=False),
    sa.Column('wealth_amount', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'unit_code', 'department', 'kind', 'segment', 'level', 'parent_code',
                            name=op.f('pk_rollup_month'))
    )
    with op.batch_alter_table('rollup_month', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_month_parent_month', ['parent_code', 'month', 'department', 'kind'],
                              unique=False)
        batch_op.create_index('ix_rollup_month_level_month', ['level', 'month', 'department', 'kind'], unique=False)
    _backfill()


def _backfill() -> None:
    """Months of a store that already has day rollups: summed here so pages read right at once
    (later loads keep the table up to date through store.month_rollups)."""
    bind = op.get_bind()
    month = ("date(day, 'start of month')" if bind.dialect.name == 'sqlite'
             else "CAST(date_trunc('month', day) AS date)")
    flows = ', '.join(FLOWS)
    sums = ', '.join(f'SUM({name})' for name in FLOWS)
    op.execute(
        f"INSERT INTO rollup_month (month, unit_code, level, parent_code, department, kind, segment, "
        f"last_day, {flows}) SELECT {month}, unit_code, level, COALESCE(parent_code, ''), department, "
        f"kind, segment, MAX(day), {sums} FROM rollup_day GROUP BY {month}, unit_code, level, "
        f"COALESCE(parent_code, ''), department, kind, segment"
    )


def downgrade() -> None:
    with op.batch_alter_table('rollup_month', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_month_level_month')
        batch_op.drop_index('ix_rollup_month_parent_month')

    op.drop_table('rollup_month')
