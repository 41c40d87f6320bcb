"""Excel and CSV exports that are safe to open.

A text cell beginning with = + - @ (or a tab or carriage return) is a formula to Excel and
WPS: an org or staff name crafted that way would run when a branch leader opens the export.
Such cells are written with a leading apostrophe, which spreadsheets show as plain text.
Numbers stay numbers.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy in which no text cell can be read as a formula."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    safe.columns = [("'" + c if isinstance(c, str) and c.startswith(FORMULA_STARTS) else c) for c in safe.columns]
    return safe


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, one sheet per entry (sheet names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            neutralise(frame).to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def to_csv(frame: pd.DataFrame) -> str:
    return neutralise(frame).to_csv(index=False)
