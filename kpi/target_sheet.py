"""Checking a target sheet uploaded in the dashboard, cell by cell.

HR uploads the same layout head office delivers (`period, unit_code, department, kpi, kind,
segment, value`, see docs/sources.md). Every problem is reported with the spreadsheet's own
coordinates — row 7, cell G7 — so the person who typed it can find it; a sheet with any
problem imports nothing (a half-imported plan is worse than none).

Pure: the sheet arrives as a DataFrame of strings, exactly as read, header in row 1.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd

from kpi.registry import METRICS
from kpi.targets import ALL, DEPARTMENTS, KINDS, SEGMENTS, TARGET_COLUMNS, parse_period

CELL = [c for c in TARGET_COLUMNS if c != "value"]
ERROR_COLUMNS = ["row", "cell", "column", "value", "reason"]


@dataclass(frozen=True)
class SheetCheck:
    cells: pd.DataFrame   # the valid target cells (TARGET_COLUMNS), empty when any error
    errors: pd.DataFrame  # row, cell, column, value, reason
    blank_rows: int       # wholly empty rows, skipped (Excel keeps formatted empty rows)

    @property
    def ok(self) -> bool:
        return self.errors.empty and not self.cells.empty


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _period_problem(text: str) -> str | None:
    try:
        parse_period(text)
    except ValueError:
        return "is not a month (2026-10), quarter (2026Q4), half (2026H2) or year (2026)"
    return None


def _value_problem(text: str) -> str | None:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return "is not a number"
    if not number.is_finite():
        return "is not a finite number"
    if number != number.quantize(Decimal("0.01")):
        return "has more than two decimals"
    return None


def _member(allowed: Collection[str], what: str) -> Callable[[str], str | None]:
    return lambda text: None if text in allowed else f"is not {what} ({', '.join(sorted(allowed))})"


def _checks(known_units: Collection[str], departments: Collection[str]) -> dict[str, Callable[[str], str | None]]:
    return {
        "period": _period_problem,
        "unit_code": lambda text: None if text in known_units else "is not an org unit or staff member in your scope",
        "department": _member(departments, "a department you may set targets for"),
        "kpi": lambda text: None if text in METRICS else "is not a metric of the registry",
        "kind": _member([*KINDS, ALL], "a kind"),
        "segment": _member([*SEGMENTS, ALL], "a segment"),
        "value": _value_problem,
    }


def check_target_sheet(sheet: pd.DataFrame, *, known_units: Collection[str],
                       departments: Collection[str] = DEPARTMENTS) -> SheetCheck:
    """Valid cells of `sheet`, or every error with its row and cell. `known_units` and
    `departments` are what the uploader may set targets for (their scope and rights)."""
    missing = [c for c in TARGET_COLUMNS if c not in sheet.columns]
    if missing:
        error = pd.DataFrame([{"row": 1, "cell": "", "column": ", ".join(missing), "value": "",
                               "reason": f"the header lacks the columns {missing}"}], columns=ERROR_COLUMNS)
        return SheetCheck(pd.DataFrame(columns=list(TARGET_COLUMNS)), error, 0)
    text = sheet.fillna("").astype(str).apply(lambda column: column.str.strip())
    blank = (text == "").all(axis=1)
    rows = text.loc[~blank, list(TARGET_COLUMNS)]
    letters = {c: column_letter(list(sheet.columns).index(c)) for c in TARGET_COLUMNS}
    errors = []
    for column, problem in _checks(known_units, departments).items():
        for index, value in rows[column].items():
            reason = "is empty" if value == "" else problem(value)
            if reason:
                errors.append((index, column, value, f"{column} '{value}' {reason}" if value else f"{column} {reason}"))
    duplicated = rows.duplicated(CELL, keep="first") & rows[CELL].ne("").all(axis=1)
    errors += [(i, "value", rows.at[i, "value"], "a second value for the same target cell (see the row above)")
               for i in rows.index[duplicated]]
    found = pd.DataFrame([{"row": int(i) + 2, "cell": f"{letters[c]}{int(i) + 2}", "column": c, "value": v, "reason": r}
                          for i, c, v, r in errors], columns=ERROR_COLUMNS)
    if not found.empty:
        return SheetCheck(pd.DataFrame(columns=list(TARGET_COLUMNS)), found.sort_values(["row", "cell"], ignore_index=True),
                          int(blank.sum()))
    cells = rows.assign(value=rows["value"].str.replace(",", "").map(Decimal).map(float)).reset_index(drop=True)
    return SheetCheck(cells, found, int(blank.sum()))
