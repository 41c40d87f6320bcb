"""Which rows of a rollup table (rollup_day, rollup_block, rollup_month) belong to which grain.

kpi.rollup writes each grain with its own dimensions: behaviour rows are 'all' in every
dimension, customer rows only in department, and a conversion row names its department (the
ETL's vocabulary has no department or kind 'all'). See docs/rollup.md.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, and_

ALL = "all"
BEHAVIOUR, CUSTOMER, CONVERSION = GRAINS = ("behaviour", "customer", "conversion")


def rows_of(table: Table, grain: str) -> ColumnElement[bool]:
    """The condition that selects `grain`'s rows of the rollup `table`."""
    c = table.c
    conditions = {BEHAVIOUR: and_(c.department == ALL, c.kind == ALL),
                  CUSTOMER: and_(c.department == ALL, c.kind != ALL),
                  CONVERSION: c.department != ALL}
    if grain not in conditions:
        raise ValueError(f"unknown rollup grain: {grain}")
    return conditions[grain]
