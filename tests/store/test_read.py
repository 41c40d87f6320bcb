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


def test_subtree_units_are_the_units_on_the_org_that_day_below_the_root(engine: sa.Engine) -> None:
    """A unit merged away (its last version ended) is walked through but not listed; a renamed
    unit shows its name of that day; units of another root stay out."""
    from store.pages import subtree_units
    from store.schema import org_unit

    opened, merged = date(2020, 1, 1), date(2026, 10, 15)
    versions = [("HO", "head_office", None, opened, None, "总行"), ("P1", "province", "HO", opened, None, "一省"),
                ("O1", "outlet", "P1", opened, merged, "一号"),  # merged away mid-October
                ("O2", "outlet", "P1", opened, merged, "二号"), ("O2", "outlet", "P1", merged, None, "二号新"),
                ("P2", "province", "HO", opened, None, "二省"), ("O3", "outlet", "P2", opened, None, "三号")]
    with engine.begin() as connection:
        connection.execute(sa.insert(org_unit), [
            {"code": c, "level": lv, "parent_code": p, "valid_from": a, "valid_to": b, "name": n, "name_en": f"{c} en"}
            for c, lv, p, a, b, n in versions])
    before = subtree_units(engine, root="P1", day=date(2026, 10, 1))
    assert before["code"].tolist() == ["O1", "O2", "P1"] and before["name"].tolist() == ["一号", "二号", "一省"]
    after = subtree_units(engine, root="P1", day=date(2026, 10, 31))
    assert after.to_dict("records") == [  # by code
        {"code": "O2", "name": "二号新", "name_en": "O2 en", "level": "outlet", "parent_code": "P1"},
        {"code": "P1", "name": "一省", "name_en": "P1 en", "level": "province", "parent_code": "HO"}]
    assert subtree_units(engine, root="HO", day=date(2026, 10, 31))["code"].tolist() == ["HO", "O2", "O3", "P1", "P2"]
