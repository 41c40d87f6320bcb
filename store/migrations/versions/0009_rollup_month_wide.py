"""rollup_month_wide: rollup_month_unit pivoted to one row per level, month and unit (integer
components; customer and conversion ones per kind) for the league tables

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Frozen here (not read from store.schema): a migration describes the schema of its time.
KINDS = ('incremental', 'stock')
BEHAVIOUR = (
    'staff_cnt', 'contact_enabled_cnt', 'wecom_active_cnt', 'active_7d_cnt', 'managed_customers',
    'reporting_staff_cnt', 'chat_cnt', 'message_cnt', 'negative_feedback_cnt', 'new_apply_cnt',
    'new_contact_cnt', 'reply_percentage_den', 'avg_reply_time_den', 'new_chat_cnt', 'chat_total',
    'chat_has_msg', 'new_member_cnt', 'member_total', 'member_has_msg', 'msg_total', 'tasks_assigned',
    'tasks_done', 'intercepted_msgs',
)
CUSTOMER = ('contacts_added', 'contacts_removed', 'contacts_first_chat', 'contacts_live')
CONVERSION = ('card_cnt', 'account_cnt', 'funded_cnt', 'wealth_cnt')
SNAPSHOTS = {
    'staff_cnt', 'contact_enabled_cnt', 'wecom_active_cnt', 'active_7d_cnt', 'managed_customers',
    'chat_total', 'chat_has_msg', 'member_total', 'member_has_msg', 'contacts_live',
}


def upgrade() -> None:
    op.create_table('rollup_month_wide',
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('behaviour_day', sa.Date(), nullable=True),
    *[sa.Column(f'customer_day_{kind}', sa.Date(), nullable=True) for kind in KINDS],
    *[sa.Column(name, sa.BigInteger(), nullable=False) for name in BEHAVIOUR],
    *[sa.Column(f'{name}_{kind}', sa.BigInteger(), nullable=False) for name in CUSTOMER + CONVERSION for kind in KINDS],
    sa.PrimaryKeyConstraint('level', 'month', 'unit_code', name=op.f('pk_rollup_month_wide')),
    sqlite_with_rowid=False,
    )
    _backfill()


def _pivot(name: str, rows: str) -> str:
    """Σ name over `rows`; a snapshot only over those on the last day of their unit and kind."""
    condition = f'{rows} AND u.last_day = e.day' if name in SNAPSHOTS else rows
    return f'CAST(COALESCE(SUM(CASE WHEN {condition} THEN u.{name} ELSE 0 END), 0) AS BIGINT)'


def _backfill() -> None:
    """Every month of rollup_month_unit, as store.month_wide.rebuild writes it (later loads keep
    the table up to date through store.month_rollups)."""
    behaviour = "u.department = 'all' AND u.kind = 'all'"
    columns, values = ['behaviour_day'], [f'MAX(CASE WHEN {behaviour} THEN u.last_day END)']
    for kind in KINDS:
        columns.append(f'customer_day_{kind}')
        values.append(f"MAX(CASE WHEN u.department = 'all' AND u.kind = '{kind}' THEN u.last_day END)")
    columns += BEHAVIOUR
    values += [_pivot(name, behaviour) for name in BEHAVIOUR]
    for names, department in ((CUSTOMER, "u.department = 'all'"), (CONVERSION, "u.department != 'all'")):
        for name in names:
            for kind in KINDS:
                columns.append(f'{name}_{kind}')
                values.append(_pivot(name, f"{department} AND u.kind = '{kind}'"))
    op.execute(
        f"INSERT INTO rollup_month_wide (level, month, unit_code, {', '.join(columns)}) "
        "WITH ends AS (SELECT level, month, unit_code, kind, MAX(last_day) AS day FROM rollup_month_unit "
        "WHERE department = 'all' GROUP BY level, month, unit_code, kind) "
        f"SELECT u.level, u.month, u.unit_code, {', '.join(values)} FROM rollup_month_unit u "
        "LEFT JOIN ends e ON e.level = u.level AND e.month = u.month AND e.unit_code = u.unit_code "
        "AND e.kind = u.kind AND u.department = 'all' GROUP BY u.level, u.month, u.unit_code"
    )


def downgrade() -> None:
    op.drop_table('rollup_month_wide')
