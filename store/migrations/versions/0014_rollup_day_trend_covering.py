"""rollup_day's parent and level indexes also hold unit_code and the S-curve's two columns
(staff_cnt, contact_enabled_cnt), so the overview's curve over a year is read from the index
alone

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

INDEXES = {"ix_rollup_day_parent_day": "parent_code", "ix_rollup_day_level_day": "level"}
COVERED = ["unit_code", "staff_cnt", "contact_enabled_cnt"]


def upgrade() -> None:
    for name, leading in INDEXES.items():
        op.drop_index(name, table_name="rollup_day")
        op.create_index(name, "rollup_day", [leading, "day", "department", "kind", *COVERED])


def downgrade() -> None:
    for name, leading in INDEXES.items():
        op.drop_index(name, table_name="rollup_day")
        op.create_index(name, "rollup_day", [leading, "day", "department", "kind"])
