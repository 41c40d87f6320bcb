"""The .xlsx reader (calamine's cells, converted to text by etl.files) reads every workbook as
pandas' read_excel(dtype=str) did before it: the same header, line numbers and texts."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import files
from etl.files import SourceError

cells = st.one_of(
    st.none(),
    st.sampled_from(["GD01001001", "", " 7 ", "李明", "2026-09-03", "1.5", "x"]),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)).map(lambda d: d.replace(microsecond=0)),
    st.sampled_from([time(9, 30), time(0, 0, 1)]),
)


def by_pandas(path: Path) -> tuple[list[str], list[int], list[list[str]]] | str:
    """The reader as it was (pd.read_excel with the calamine engine)."""
    sheet = pd.read_excel(path, dtype=str, header=None, keep_default_na=False, engine="calamine")
    if sheet.empty:
        return "empty"
    values = sheet.to_numpy().tolist()
    return values[0], list(range(2, len(values) + 1)), values[1:]


def by_files(path: Path) -> tuple[list[str], list[int], list[list[str]]] | str:
    try:
        return files._read_xlsx(path)
    except SourceError as failure:
        assert "is empty" in str(failure)
        return "empty"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), max_size=6))
def test_cells_read_as_pandas_read_them(tmp_path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    for row in [["day", "staff_id", "tasks_done"], *rows]:
        book.active.append(row)
    path = tmp_path / "tasks_202609.xlsx"
    book.save(path)
    assert by_files(path) == by_pandas(path)


def test_an_empty_sheet_fails_whole(tmp_path: Path) -> None:
    path = tmp_path / "tasks_202609.xlsx"
    openpyxl.Workbook().save(path)
    assert by_pandas(path) == "empty" and by_files(path) == "empty"
