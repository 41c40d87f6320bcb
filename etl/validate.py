"""Vectorised validation of extract frames.

Each extract declares its columns as `Field`s. `validate` converts the string frame read from
the file into typed columns and quarantines every row that breaks a rule, naming the line,
the column and the reason. A row is either loaded whole or rejected whole: never patched.
"""

from __future__ import annotations

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
    reason = pd.Series("", index=frame.index, dtype=object)
    column = pd.Series("", index=frame.index, dtype=object)
    for spec in fields:
        values, problems = _convert(frame[spec.name], spec)
        typed[spec.name] = values
        fresh = (problems != "") & (reason == "")
        reason[fresh] = problems[fresh]
        column[fresh] = spec.name
    bad = reason != ""
    rejects = [
        {"line": int(line), "column": col, "reason": why, "raw": _raw(frame, index)}
        for index, line, col, why in zip(
            frame.index[bad], frame["line"][bad], column[bad], reason[bad], strict=True
        )
    ]
    return Validated(rows=typed[~bad].reset_index(drop=True), rejects=rejects)


def _raw(frame: pd.DataFrame, index: object) -> str:
    row = frame.loc[index].drop(labels="line")
    return ",".join(str(value) for value in row.to_numpy())


def _convert(raw: pd.Series, spec: Field) -> tuple[pd.Series, pd.Series]:
    """The typed values of one column and, per row, the reason it is invalid ('' if fine)."""
    problems = pd.Series("", index=raw.index, dtype=object)
    empty = raw == ""
    if spec.required:
        problems[empty] = f"{spec.name} is empty"
    if spec.kind in ("code", "text"):
        return raw.where(~empty, None), problems
    if spec.kind == "enum" or spec.kind == "bool01":
        allowed = spec.values if spec.kind == "enum" else ("0", "1")
        wrong = ~empty & ~raw.isin(allowed)
        problems[wrong & (problems == "")] = raw[wrong].map(
            lambda v: f"{spec.name} '{v}' is not one of {', '.join(allowed)}"
        )
        if spec.kind == "bool01":
            return raw.eq("1"), problems
        return raw.where(~empty, None), problems
    if spec.kind == "date":
        # Excel cells arrive as '2026-09-03 00:00:00'; CSV as '2026-09-03'.
        parsed = pd.to_datetime(raw.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
        wrong = ~empty & (parsed.isna() | ~raw.str.match(r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$"))
        problems[wrong & (problems == "")] = raw[wrong].map(
            lambda v: f"{spec.name} '{v}' is not a date (YYYY-MM-DD)"
        )
        return parsed.dt.date.where(~empty & ~wrong, None), problems
    # As floats: 'inf' and 'nan' parse as numbers but are no quantity, and a value too large
    # for its column would fail mid-load on PostgreSQL (SQLite would take it).
    numbers = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype(float)
    wrong = ~empty & ~np.isfinite(numbers)
    if spec.kind == "int":
        wrong |= ~empty & ~wrong & (np.floor(numbers) != numbers)
    problems[wrong & (problems == "")] = raw[wrong].map(
        lambda v: f"{spec.name} '{v}' is not {'a whole number' if spec.kind == 'int' else 'a number'}"
    )
    checked = ~empty & ~wrong
    if spec.minimum is not None:
        low = checked & (numbers < spec.minimum)
        problems[low & (problems == "")] = raw[low].map(lambda v: f"{spec.name} {v} is below {spec.minimum:g}")
    maximum = spec.maximum if spec.maximum is not None else COLUMN_MAXIMUM[spec.kind]
    high = checked & (numbers > maximum)
    problems[high & (problems == "")] = raw[high].map(lambda v: f"{spec.name} {v} is above {maximum:.0f}")
    numbers = numbers.where(problems == "")  # a rejected row's value is never cast
    if spec.kind == "int":
        return numbers.astype("Int64"), problems
    return numbers.round(2), problems


def reject_where(validated: Validated, mask: pd.Series, *, column: str, reasons: pd.Series) -> None:
    """Move rows matching `mask` from the valid rows to the rejects (in place)."""
    if not mask.any():
        return
    bad = validated.rows[mask]
    for line, why in zip(bad["line"], reasons[mask], strict=True):
        validated.rejects.append({"line": int(line), "column": column, "reason": why, "raw": None})
    validated.rows = validated.rows[~mask].reset_index(drop=True)
