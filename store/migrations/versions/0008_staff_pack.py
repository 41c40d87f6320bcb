"""staff_pack: the staff pages' month reads packed as Arrow IPC parts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_pack',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('part', sa.String(length=16), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'part', name=op.f('pk_staff_pack'))
    )
    _backfill()


def _backfill() -> None:
    """Pack every month staff_month already holds, so its pages read fast at once. The parts
    are in the reader's format, so they are built by its code (store.staff_pack), not frozen
    here; later loads rebuild them with staff_month."""
    from store import staff_pack
    from store.schema import staff_month

    bind = op.get_bind()
    months = bind.execute(sa.select(staff_month.c.month).distinct().order_by(staff_month.c.month)).scalars().all()
    for month in months:
        staff_pack.rebuild(bind, month)


def downgrade() -> None:
    op.drop_table('staff_pack')
