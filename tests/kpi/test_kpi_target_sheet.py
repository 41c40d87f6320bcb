"""An uploaded target sheet: every problem named by its row and cell, nothing imported when any
row is wrong, and good sheets come out typed."""

from __future__ import annotations

import pandas as pd

from kpi.target_sheet import check_target_sheet, column_letter

UNITS = {"HO", "P01", "P02"}
HEADER = ["period", "unit_code", "department", "kpi", "kind", "segment", "value"]


def sheet(*rows: list[str]) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=HEADER, dtype=object)


GOOD = ["2026Q4", "P01", "online", "account_cnt", "incremental", "long_tail", "1,200"]


def test_a_good_sheet_gives_typed_cells() -> None:
    found = check_target_sheet(sheet(GOOD, ["2026Q4", "P02", "retail", "deposit_amount", "incremental", "wealth", "350000.50"]),
                               known_units=UNITS)
    assert found.ok and list(found.cells["value"]) == [1200.0, 350000.5]


def test_each_bad_cell_is_named_by_row_and_cell_and_nothing_is_kept() -> None:
    found = check_target_sheet(sheet(
        GOOD,
        ["2026Q5", "P01", "online", "account_cnt", "incremental", "long_tail", "10"],   # row 3: period
        ["2026Q4", "P99", "online", "account_cnt", "incremental", "long_tail", "ten"],  # row 4: unit and value
        ["2026Q4", "P01", "online", "account_cnt", "incremental", "long_tail", "5"],    # row 5: duplicate of row 2
        ["2026Q4", "P02", "online", "account_cnt", "stock", "rich", "1.005"],          # row 6: segment, decimals
    ), known_units=UNITS)
    assert not found.ok and found.cells.empty
    assert list(zip(found.errors["cell"], found.errors["column"], strict=True)) == [
        ("A3", "period"), ("B4", "unit_code"), ("G4", "value"), ("G5", "value"), ("F6", "segment"), ("G6", "value")]
    reasons = dict(zip(found.errors["cell"], found.errors["reason"], strict=True))
    assert "P99" in reasons["B4"] and "scope" in reasons["B4"]
    assert "same target cell" in reasons["G5"] and "two decimals" in reasons["G6"]


def test_a_missing_column_is_reported_on_the_header_row() -> None:
    found = check_target_sheet(sheet(GOOD).drop(columns="kind"), known_units=UNITS)
    assert found.errors.at[0, "row"] == 1 and "kind" in found.errors.at[0, "reason"]


def test_blank_rows_are_skipped_and_counted_but_a_half_empty_row_is_an_error() -> None:
    found = check_target_sheet(sheet(GOOD, [""] * 7, ["2026Q4", "P01", "", "account_cnt", "stock", "long_tail", "3"]),
                               known_units=UNITS)
    assert found.blank_rows == 1
    assert list(found.errors["cell"]) == ["C4"] and "department is empty" in found.errors.at[0, "reason"]


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 6, 25, 26, 701, 702)] == ["A", "G", "Z", "AA", "ZZ", "AAA"]
