"""SUM in SQL that gives the same stored value on SQLite and PostgreSQL.

A float sum depends on the order rows are added in, and the two backends add them in
different orders: 604.84 on one, 604.8399999999999 on the other. Stored sums of floats are
therefore rounded to SCALE (1/10,000): the inputs carry at most 2 decimals (CNY amounts,
reply percentages like 60.25 times whole chat counts, whole reply minutes), so this removes
only float noise. It is done as round(x × 10⁴) / 10⁴ because SQLite's round(x, n) is not
correctly rounded for large values and PostgreSQL rounds only NUMERIC to n decimals; a
bank-wide monthly amount (~10¹¹ CNY) stays below 2⁵³ once scaled.
"""

from __future__ import annotations

from sqlalchemy import Float, cast, func
from sqlalchemy.sql import ColumnElement

SCALE = 10_000.0


def stable_sum(expression: ColumnElement, *, is_float: bool) -> ColumnElement:
    """COALESCE(SUM(expression), 0), rounded to 1/SCALE when the values are floats."""
    total = func.coalesce(func.sum(expression), 0)
    if not is_float:
        return total
    return cast(func.round(cast(total, Float) * SCALE) / SCALE, Float)
