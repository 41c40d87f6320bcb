"""fact_contact clustered by the day of the add: key (added_on, staff_id, customer_key)

A relation is one add of a customer by a staff member. Keyed by the random customer_key
first, every daily upsert touched pages across the whole table, and the secondary index on
(staff_id, added_on) did the same; clustered by added_on (WITHOUT ROWID on SQLite), a daily
delta appends today's adds and touches only recent pages for first chats and removals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = 'customer_key, staff_id, added_on, removed_on, first_chat_on, segment, kind, load_id'


def _create(name: str, key: tuple[str, ...], without_rowid: bool) -> None:
    op.create_table(name,
    sa.Column('customer_key', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.String(length=32), nullable=False),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('first_chat_on', sa.Date(), nullable=True),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('load_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint(*key, name='pk_fact_contact'),
    **({'sqlite_with_rowid': False} if without_rowid else {}),
    )


def _rebuild(key: tuple[str, ...], indexes: dict[str, list[str]], without_rowid: bool, partial: bool) -> None:
    """Copy fact_contact into a table of the new shape (the rows are unchanged: the old key's
    columns are all in the new key, so no two rows collide)."""
    op.rename_table('fact_contact', 'fact_contact_old')
    for name in ('ix_fact_contact_staff', 'ix_fact_contact_added', 'ix_fact_contact_removed',
                 'ix_fact_contact_first_chat'):
        op.execute(f'DROP INDEX IF EXISTS {name}')  # fixed names: no values in this DDL
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE fact_contact_old DROP CONSTRAINT IF EXISTS pk_fact_contact')
    _create('fact_contact', key, without_rowid)
    order = ', '.join(key)
    op.execute(f'INSERT INTO fact_contact ({COLUMNS}) SELECT {COLUMNS} FROM fact_contact_old ORDER BY {order}')
    op.drop_table('fact_contact_old')
    for name, columns in indexes.items():
        # Partial on the way up: most relations are never removed, many never chatted.
        where = {f'{d}_where': sa.text(f'{columns[0]} IS NOT NULL') for d in ('sqlite', 'postgresql')} if partial else {}
        op.create_index(name, 'fact_contact', columns, unique=False, **where)


def upgrade() -> None:
    _rebuild(('added_on', 'staff_id', 'customer_key'),
             {'ix_fact_contact_removed': ['removed_on'], 'ix_fact_contact_first_chat': ['first_chat_on']},
             without_rowid=True, partial=True)


def downgrade() -> None:
    _rebuild(('customer_key', 'staff_id'),
             {'ix_fact_contact_added': ['added_on'], 'ix_fact_contact_first_chat': ['first_chat_on'],
              'ix_fact_contact_removed': ['removed_on'], 'ix_fact_contact_staff': ['staff_id', 'added_on']},
             without_rowid=False, partial=False)
