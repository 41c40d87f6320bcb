"""live_pack: relations live per staff, kind and segment at the end of the newest rebuilt day,
packed, for the next daily load to start from

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No backfill: without a pack the next rollup rebuild counts live relations from
    # fact_contact, as before, and writes one (store/live_pack.py).
    op.create_table('live_pack',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_live_pack'))
    )


def downgrade() -> None:
    op.drop_table('live_pack')
