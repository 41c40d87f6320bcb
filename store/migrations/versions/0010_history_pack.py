"""history_pack: the org and roster histories packed as Arrow IPC for the loader

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No backfill: without a pack the histories are read from their tables, and the next
    # org or roster delivery writes the pack (store/history_pack.py).
    op.create_table('history_pack',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_history_pack'))
    )


def downgrade() -> None:
    op.drop_table('history_pack')
