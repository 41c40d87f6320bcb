"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('scope_code', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=True),
    sa.Column('disabled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('login', name=op.f('uq_app_user_login'))
    )
    op.create_table('etl_run',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rows_in', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_loaded', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rows_rejected', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_day', sa.Date(), nullable=True),
    sa.Column('last_day', sa.Date(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_etl_run'))
    )
    with op.batch_alter_table('etl_run', schema=None) as batch_op:
        batch_op.create_index('ix_etl_run_checksum', ['checksum'], unique=False)
        batch_op.create_index('ix_etl_run_source', ['source', 'started_at'], unique=False)

    op.create_table('fact_contact',
    sa.Column('customer_key', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('first_chat_on', sa.Date(), nullable=True),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('customer_key', 'staff_id', name=op.f('pk_fact_contact'))
    )
    with op.batch_alter_table('fact_contact', schema=None) as batch_op:
        batch_op.create_index('ix_fact_contact_added', ['added_on'], unique=False)
        batch_op.create_index('ix_fact_contact_first_chat', ['first_chat_on'], unique=False)
        batch_op.create_index('ix_fact_contact_removed', ['removed_on'], unique=False)
        batch_op.create_index('ix_fact_contact_staff', ['staff_id', 'added_on'], unique=False)

    op.create_table('fact_conversion',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('day', 'staff_id', 'department', 'kind', 'segment', 'product', name=op.f('pk_fact_conversion'))
    )
    op.create_table('fact_staff_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('chat_cnt', sa.Integer(), nullable=True),
    sa.Column('message_cnt', sa.Integer(), nullable=True),
    sa.Column('negative_feedback_cnt', sa.Integer(), nullable=True),
    sa.Column('new_apply_cnt', sa.Integer(), nullable=True),
    sa.Column('new_contact_cnt', sa.Integer(), nullable=True),
    sa.Column('reply_percentage', sa.Float(), nullable=True),
    sa.Column('avg_reply_time', sa.Float(), nullable=True),
    sa.Column('new_chat_cnt', sa.Integer(), nullable=True),
    sa.Column('chat_total', sa.Integer(), nullable=True),
    sa.Column('chat_has_msg', sa.Integer(), nullable=True),
    sa.Column('new_member_cnt', sa.Integer(), nullable=True),
    sa.Column('member_total', sa.Integer(), nullable=True),
    sa.Column('member_has_msg', sa.Integer(), nullable=True),
    sa.Column('msg_total', sa.Integer(), nullable=True),
    sa.Column('tasks_assigned', sa.Integer(), nullable=True),
    sa.Column('tasks_done', sa.Integer(), nullable=True),
    sa.Column('intercepted_msgs', sa.Integer(), nullable=True),
    sa.Column('load_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('day', 'staff_id', name=op.f('pk_fact_staff_day'))
    )
    with op.batch_alter_table('fact_staff_day', schema=None) as batch_op:
        batch_op.create_index('ix_fact_staff_day_staff', ['staff_id', 'day'], unique=False)

    op.create_table('org_unit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), server_default='', nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('wecom_dept_id', sa.BigInteger(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('merged_into', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit')),
    sa.UniqueConstraint('code', 'valid_from', name=op.f('uq_org_unit_code'))
    )
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.create_index('ix_org_unit_level', ['level'], unique=False)
        batch_op.create_index('ix_org_unit_parent', ['parent_code'], unique=False)

    op.create_table('rollup_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('staff_cnt', sa.BigInteger(), nullable=False),
    sa.Column('contact_enabled_cnt', sa.BigInteger(), nullable=False),
    sa.Column('wecom_active_cnt', sa.BigInteger(), nullable=False),
    sa.Column('active_7d_cnt', sa.BigInteger(), nullable=False),
    sa.Column('managed_customers', sa.BigInteger(), nullable=False),
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
    sa.Column('chat_total', sa.BigInteger(), nullable=False),
    sa.Column('chat_has_msg', sa.BigInteger(), nullable=False),
    sa.Column('new_member_cnt', sa.BigInteger(), nullable=False),
    sa.Column('member_total', sa.BigInteger(), nullable=False),
    sa.Column('member_has_msg', sa.BigInteger(), nullable=False),
    sa.Column('msg_total', sa.BigInteger(), nullable=False),
    sa.Column('tasks_assigned', sa.BigInteger(), nullable=False),
    sa.Column('tasks_done', sa.BigInteger(), nullable=False),
    sa.Column('intercepted_msgs', sa.BigInteger(), nullable=False),
    sa.Column('contacts_added', sa.BigInteger(), nullable=False),
    sa.Column('contacts_removed', sa.BigInteger(), nullable=False),
    sa.Column('contacts_first_chat', sa.BigInteger(), nullable=False),
    sa.Column('contacts_live', sa.BigInteger(), nullable=False),
    sa.Column('card_cnt', sa.BigInteger(), nullable=False),
    sa.Column('account_cnt', sa.BigInteger(), nullable=False),
    sa.Column('funded_cnt', sa.BigInteger(), nullable=False),
    sa.Column('deposit_amount', sa.Float(), nullable=False),
    sa.Column('wealth_cnt', sa.BigInteger(), nullable=False),
    sa.Column('wealth_amount', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'unit_code', 'department', 'kind', 'segment', name=op.f('pk_rollup_day'))
    )
    with op.batch_alter_table('rollup_day', schema=None) as batch_op:
        batch_op.create_index('ix_rollup_day_level_day', ['level', 'day'], unique=False)
        batch_op.create_index('ix_rollup_day_parent_day', ['parent_code', 'day'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('outlet_code', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('wecom_status', sa.SmallInteger(), nullable=False),
    sa.Column('contact_enabled', sa.Boolean(), nullable=False),
    sa.Column('managed_customers', sa.Integer(), server_default='0', nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('staff_id', 'valid_from', name=op.f('uq_staff_staff_id'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index('ix_staff_outlet', ['outlet_code'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('kpi', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='draft', nullable=False),
    sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target')),
    sa.UniqueConstraint('period', 'unit_code', 'department', 'kpi', 'kind', 'segment', name=op.f('uq_target_period'))
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index('ix_target_period_unit', ['period', 'unit_code'], unique=False)

    op.create_table('etl_reject',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('column', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['etl_run.id'], name=op.f('fk_etl_reject_run_id_etl_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_etl_reject'))
    )
    with op.batch_alter_table('etl_reject', schema=None) as batch_op:
        batch_op.create_index('ix_etl_reject_run', ['run_id'], unique=False)

    op.create_table('target_audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('old_value', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('new_value', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('old_status', sa.String(length=16), nullable=True),
    sa.Column('new_status', sa.String(length=16), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['target.id'], name=op.f('fk_target_audit_target_id_target')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_audit'))
    )
    with op.batch_alter_table('target_audit', schema=None) as batch_op:
        batch_op.create_index('ix_target_audit_target', ['target_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('target_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_target_audit_target')

    op.drop_table('target_audit')
    with op.batch_alter_table('etl_reject', schema=None) as batch_op:
        batch_op.drop_index('ix_etl_reject_run')

    op.drop_table('etl_reject')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index('ix_target_period_unit')

    op.drop_table('target')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_outlet')

    op.drop_table('staff')
    with op.batch_alter_table('rollup_day', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_day_parent_day')
        batch_op.drop_index('ix_rollup_day_level_day')

    op.drop_table('rollup_day')
    with op.batch_alter_table('org_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_org_unit_parent')
        batch_op.drop_index('ix_org_unit_level')

    op.drop_table('org_unit')
    with op.batch_alter_table('fact_staff_day', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_staff_day_staff')

    op.drop_table('fact_staff_day')
    op.drop_table('fact_conversion')
    with op.batch_alter_table('fact_contact', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_contact_staff')
        batch_op.drop_index('ix_fact_contact_removed')
        batch_op.drop_index('ix_fact_contact_first_chat')
        batch_op.drop_index('ix_fact_contact_added')

    op.drop_table('fact_contact')
    with op.batch_alter_table('etl_run', schema=None) as batch_op:
        batch_op.drop_index('ix_etl_run_source')
        batch_op.drop_index('ix_etl_run_checksum')

    op.drop_table('etl_run')
    op.drop_table('app_user')
