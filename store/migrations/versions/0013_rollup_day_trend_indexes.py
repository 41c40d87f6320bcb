"""rollup_day's parent and level indexes also hold department and kind, after the day, so a
trend over many days reads only its own rows of the table

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

INDEXES = {"ix_rollup_day_parent_day": "parent_code", "ix_rollup_day_level_day": "level"}


def upgrade() -> None:
    for name, leading in INDEXES.items():
        op.drop_index(name, table_name="rollup_day")
        op.create_index(name, "rollup_day", [leading, "day", "department", "kind"])


def downgrade() -> None:
    for name, leading in INDEXES.items():
        op.drop_index(name, table_name="rollup_day")
        op.create_index(name, "rollup_day", [leading, "day"])
