"""Vectorised validation of extract frames.

Each extract declares its columns as `Field`s. `validate` converts the string frame read from
the file into typed columns and quarantines every row that breaks a rule, naming the line,
the column and the reason. A row is either loaded whole or rejected whole: never patched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

Kind = Literal["code", "text", "date", "int", "money", "enum", "bool01"]

LEVELS = ("head_office", "province", "branch", "outlet")
ROLES = ("customer_manager", "wealth_manager", "teller", "outlet_head", "branch_head", "back_office")
DEPARTMENTS = ("online", "retail")
KINDS = ("incremental", "stock")
SEGMENTS = ("long_tail", "mass_affluent", "wealth", "private")
PRODUCTS = ("card", "account", "deposit", "wealth")
WECOM_STATUSES = ("1", "2", "4", "5")
# The store's columns: INTEGER (32 bits) for counts, NUMERIC(18, 2) for money.
COLUMN_MAXIMUM = {"int": 2**31 - 1, "money": 10**16 - 0.01}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = True
    values: tuple[str, ...] = ()
    minimum: float | None = 0
    maximum: float | None = None  # None: the largest value the store's column holds


@dataclass
class Validated:
    rows: pd.DataFrame
    rejects: list[dict] = field(default_factory=list)


def validate(frame: pd.DataFrame, fields: list[Field]) -> Validated:
    """Typed rows that pass every rule, and one reject per failing row (its first failure)."""
    typed = pd.DataFrame({"line": frame["line"].to_numpy()}, index=frame.index)
    reason = np.full(len(frame), None, dtype=object)
    column = np.full(len(frame), None, dtype=object)
    for spec in fields:
        values, problems = _convert(frame[spec.name], spec)
        typed[spec.name] = values
        where = frame.index.get_indexer(problems.index)
        fresh = reason[where] == None  # noqa: E711 - elementwise: rows without a failure yet
        reason[where[fresh]] = problems.to_numpy()[fresh]
        column[where[fresh]] = spec.name
    bad = reason != None  # noqa: E711
    rejects = [
        {"line": int(line), "column": col, "reason": why, "raw": _raw(frame, index)}
        for index, line, col, why in zip(
            frame.index[bad], frame["line"].to_numpy()[bad], column[bad], reason[bad], strict=True
        )
    ]
    return Validated(rows=typed[~bad].reset_index(drop=True), rejects=rejects)


def _raw(frame: pd.DataFrame, index: object) -> str:
    row = frame.loc[index].drop(labels="line")
    return ",".join(str(value) for value in row.to_numpy())


class _Problems:
    """The reason each row of a column is invalid, the first rule it breaks winning. Reasons
    are written for the invalid rows only: formatting one per row costs more than checking."""

    def __init__(self, raw: pd.Series) -> None:
        self.raw = raw
        self.found = np.zeros(len(raw), dtype=bool)
        self.reasons: list[pd.Series] = []

    def add(self, mask: np.ndarray, reason: Callable[[str], str]) -> None:
        fresh = mask & ~self.found
        if fresh.any():
            self.found |= fresh
            self.reasons.append(self.raw[fresh].map(reason).astype(object))

    def series(self) -> pd.Series:
        """The reasons, indexed by the invalid rows."""
        if not self.reasons:
            return pd.Series([], index=self.raw.index[:0], dtype=object)
        return pd.concat(self.reasons).sort_index()


def _convert(raw: pd.Series, spec: Field) -> tuple[pd.Series, pd.Series]:
    """The typed values of one column and the reason of each invalid row (indexed by them)."""
    problems = _Problems(raw)
    empty = (raw == "").to_numpy(dtype=bool)
    if spec.required:
        problems.add(empty, lambda v: f"{spec.name} is empty")
    if spec.kind in ("code", "text"):
        return raw.where(~empty, None), problems.series()
    if spec.kind == "enum" or spec.kind == "bool01":
        allowed = spec.values if spec.kind == "enum" else ("0", "1")
        wrong = ~empty & ~raw.isin(allowed).to_numpy(dtype=bool)
        problems.add(wrong, lambda v: f"{spec.name} '{v}' is not one of {', '.join(allowed)}")
        if spec.kind == "bool01":
            return raw.eq("1"), problems.series()
        return raw.where(~empty, None), problems.series()
    if spec.kind == "date":
        dates, wrong = _dates(raw)
        problems.add(~empty & wrong, lambda v: f"{spec.name} '{v}' is not a date (YYYY-MM-DD)")
        return dates, problems.series()
    return _numbers(raw, spec, empty, problems), problems.series()


def _dates(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Dates of a column (None where empty or wrong) and where it is no date. A column holds
    a few hundred distinct days: each is parsed once."""
    codes, uniques = pd.factorize(raw)
    unique = pd.Series(uniques, dtype=raw.dtype)
    # Excel cells arrive as '2026-09-03 00:00:00'; CSV as '2026-09-03'.
    parsed = pd.to_datetime(unique.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    wrong = (unique != "") & (parsed.isna() | ~unique.str.match(r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$"))
    dates = parsed.dt.date.where((unique != "") & ~wrong, None).to_numpy(dtype=object)
    return pd.Series(dates[codes], index=raw.index, dtype=object), wrong.to_numpy(dtype=bool)[codes]


def _numbers(raw: pd.Series, spec: Field, empty: np.ndarray, problems: _Problems) -> pd.Series:
    # As floats: 'inf' and 'nan' parse as numbers but are no quantity, and a value too large
    # for its column would fail mid-load on PostgreSQL (SQLite would take it).
    numbers = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype(float).to_numpy()
    wrong = ~empty & ~np.isfinite(numbers)
    if spec.kind == "int":
        with np.errstate(invalid="ignore"):
            wrong |= ~empty & ~wrong & (np.floor(numbers) != numbers)
    problems.add(wrong, lambda v: f"{spec.name} '{v}' is not {'a whole number' if spec.kind == 'int' else 'a number'}")
    checked = ~empty & ~wrong
    if spec.minimum is not None:
        problems.add(checked & (numbers < spec.minimum), lambda v: f"{spec.name} {v} is below {spec.minimum:g}")
    maximum = spec.maximum if spec.maximum is not None else COLUMN_MAXIMUM[spec.kind]
    problems.add(checked & (numbers > maximum), lambda v: f"{spec.name} {v} is above {maximum:.0f}")
    values = pd.Series(np.where(problems.found, np.nan, numbers), index=raw.index)  # a rejected row's value is never cast
    if spec.kind == "int":
        return values.astype("Int64")
    return values.round(2)


def reject_where(validated: Validated, mask: pd.Series, *, column: str, reasons: pd.Series) -> None:
    """Move rows matching `mask` from the valid rows to the rejects (in place)."""
    if not mask.any():
        return
    bad = validated.rows[mask]
    for line, why in zip(bad["line"], reasons[mask], strict=True):
        validated.rejects.append({"line": int(line), "column": column, "reason": why, "raw": None})
    validated.rows = validated.rows[~mask].reset_index(drop=True)
