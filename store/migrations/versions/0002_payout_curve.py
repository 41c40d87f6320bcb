"""payout curves of the incentive plan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payout_curve',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('role', sa.String(length=24), nullable=False),
    sa.Column('threshold', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('target', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('cap', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('threshold_payout', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('accelerator', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('base_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_curve')),
    sa.UniqueConstraint('role', 'version', name=op.f('uq_payout_curve_role'))
    )


def downgrade() -> None:
    op.drop_table('payout_curve')
