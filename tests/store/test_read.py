"""Reads that later arithmetic can rely on."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from kpi.metrics import compute_metrics
from store.read import frame
from store.schema import rollup_day


def test_an_empty_read_keeps_numeric_columns_numeric(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        empty = frame(connection, sa.select(rollup_day).where(rollup_day.c.day == date(1999, 1, 1)))
    assert empty.empty
    assert empty["account_cnt"].dtype == "int64" and empty["deposit_amount"].dtype == "float64"


def test_a_grain_without_rows_does_not_break_the_rates(engine: sa.Engine) -> None:
    """A unit and period with behaviour rows but no conversions (an outlet's quiet day)."""
    from store.schema import COMPONENTS

    row = {c: 0 for c in COMPONENTS} | {"day": date(2026, 9, 1), "unit_code": "X", "level": "outlet",
                                         "parent_code": "B", "department": "all", "kind": "all", "segment": "all",
                                         "staff_cnt": 4, "contact_enabled_cnt": 3}
    with engine.begin() as connection:
        connection.execute(sa.insert(rollup_day), [row])
    with engine.connect() as connection:
        behaviour = frame(connection, sa.select(rollup_day).where(rollup_day.c.department == "all"))
        conversion = frame(connection, sa.select(rollup_day).where(rollup_day.c.department != "all"))
    rows = pd.concat([behaviour, conversion], ignore_index=True)
    values = compute_metrics(rows, metrics=["contact_enabled_rate", "opening_rate"],
                             period_start=date(2026, 9, 1), period_end=date(2026, 9, 1)).iloc[0]
    assert values["contact_enabled_rate"] == 0.75 and pd.isna(values["opening_rate"])


def test_a_split_by_segment_without_customer_or_sales_rows_is_empty_not_an_error(engine: sa.Engine) -> None:
    from store.schema import COMPONENTS

    row = {c: 0 for c in COMPONENTS} | {"day": date(2026, 9, 1), "unit_code": "X", "level": "outlet",
                                         "parent_code": "B", "department": "all", "kind": "all", "segment": "all"}
    with engine.begin() as connection:
        connection.execute(sa.insert(rollup_day), [row])
    with engine.connect() as connection:
        rows = frame(connection, sa.select(rollup_day))
    split = compute_metrics(rows, metrics=["contacts_added", "account_cnt"], period_start=date(2026, 9, 1),
                            period_end=date(2026, 9, 1), by=["unit_code", "segment"])
    assert split.empty
