"""Target records, periods, and the department ownership matrix (DESIGN §4 Targets).

The ownership matrix says which department owns each segment × kind cell. It is what keeps two
departments from double counting the same customers: a target belongs to the owner of its
cell, and an actual without a department is credited to exactly that owner.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from collections.abc import Iterable
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from kpi.registry import METRICS

Department = Literal["online", "retail"]
Kind = Literal["incremental", "stock"]
Segment = Literal["long_tail", "mass_affluent", "wealth", "private"]

DEPARTMENTS: tuple[str, ...] = ("online", "retail")
KINDS: tuple[str, ...] = ("incremental", "stock")
SEGMENTS: tuple[str, ...] = ("long_tail", "mass_affluent", "wealth", "private")
UNOWNED = "unowned"
# Targets of KPIs that are not split by kind or segment (e.g. active_staff_rate) use "all".
ALL = "all"

TARGET_COLUMNS: tuple[str, ...] = (
    "period", "unit_code", "department", "kpi", "kind", "segment", "value",
)

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|Q(?P<quarter>[1-4])|H(?P<half>[12]))?$")


def parse_period(period: str) -> tuple[date, date]:
    """``2026-10`` → month, ``2026Q4`` → quarter, ``2026H2`` → half year, ``2026`` → year.

    Returns the first and the last day, both inclusive.
    """
    match = _PERIOD.match(period.strip()) if isinstance(period, str) else None
    if match is None:
        raise ValueError(f"not a period: {period!r} (expected 2026-10, 2026Q4, 2026H2 or 2026)")
    year = int(match["year"])
    if match["month"]:
        first_month = last_month = int(match["month"])
        if not 1 <= first_month <= 12:
            raise ValueError(f"not a month: {period!r}")
    elif match["quarter"]:
        first_month = 3 * int(match["quarter"]) - 2
        last_month = first_month + 2
    elif match["half"]:
        first_month = 6 * int(match["half"]) - 5
        last_month = first_month + 5
    else:
        first_month, last_month = 1, 12
    last_day = _stdlib_calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


def previous_period(period: str) -> str:
    """The period of the same kind just before: 2026-01 → 2025-12, 2026Q1 → 2025Q4, 2026 → 2025."""
    match = _PERIOD.match(period.strip())
    if match is None:
        raise ValueError(f"not a period: {period!r}")
    year = int(match["year"])
    for part, letter, count in (("month", "-", 12), ("quarter", "Q", 4), ("half", "H", 2)):
        if match[part]:
            number = int(match[part]) - 1
            number, year = (number, year) if number else (count, year - 1)
            return f"{year}{letter}{number:02d}" if part == "month" else f"{year}{letter}{number}"
    return str(year - 1)


def _is_period(value: object) -> bool:
    try:
        parse_period(str(value))
    except ValueError:
        return False
    return True


class TargetRecord(BaseModel):
    """One target: period × unit (or staff) × department × kpi × kind × segment → value."""

    model_config = ConfigDict(frozen=True)
    period: str
    unit_code: str
    department: Department
    kpi: str
    kind: Kind | Literal["all"]
    segment: Segment | Literal["all"]
    value: float

    @field_validator("period")
    @classmethod
    def _period_parses(cls, value: str) -> str:
        parse_period(value)
        return value

    @field_validator("kpi")
    @classmethod
    def _kpi_registered(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown kpi {value!r}")
        return value

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not np.isfinite(value):
            raise ValueError("target value must be finite")
        return value


def targets_frame(records: Iterable[TargetRecord]) -> pd.DataFrame:
    """Target records as a DataFrame with exactly TARGET_COLUMNS."""
    rows = [r.model_dump() for r in records]
    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS)).astype({"value": float})


def validate_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Vectorised checks of a target frame; raises ValueError listing the first bad rows."""
    missing = [c for c in TARGET_COLUMNS if c not in targets.columns]
    if missing:
        raise ValueError(f"target frame lacks columns {missing}")
    values = pd.to_numeric(targets["value"], errors="coerce")
    problems = {
        "period": ~targets["period"].map(_is_period).astype(bool),
        "department": ~targets["department"].isin(DEPARTMENTS),
        "kpi": ~targets["kpi"].isin(list(METRICS)),
        "kind": ~targets["kind"].isin([*KINDS, ALL]),
        "segment": ~targets["segment"].isin([*SEGMENTS, ALL]),
        "value": ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)),
    }
    messages = [f"{column}: rows {list(targets.index[bad][:5])}"
                for column, bad in problems.items() if bad.any()]
    if messages:
        raise ValueError("invalid targets — " + "; ".join(messages))
    return targets.assign(value=values.astype(float))


DEFAULT_OWNERSHIP = pd.DataFrame(
    [
        ("long_tail", "incremental", "online"),
        ("long_tail", "stock", "online"),
        ("mass_affluent", "incremental", "online"),
        ("mass_affluent", "stock", "retail"),
        ("wealth", "incremental", "retail"),
        ("wealth", "stock", "retail"),
        ("private", "incremental", "retail"),
        ("private", "stock", "retail"),
    ],
    columns=["segment", "kind", "department"],
)


def ownership_matrix(overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """The segment × kind → department matrix: the bank default, with ``overrides`` applied.

    An override row replaces the default for its cell; a department of None/""/"unowned"
    leaves the cell unowned (a gap that horizontal reconciliation reports). A cell listed twice
    in the overrides would mean two owners and is refused.
    """
    matrix = DEFAULT_OWNERSHIP.copy()
    if overrides is not None and len(overrides):
        cells = overrides[["segment", "kind", "department"]].copy()
        if cells.duplicated(["segment", "kind"]).any():
            raise ValueError("ownership overrides give a cell more than one owner")
        bad = ~cells["segment"].isin(SEGMENTS) | ~cells["kind"].isin(KINDS)
        if bad.any():
            raise ValueError(f"ownership overrides name unknown cells: {list(cells.index[bad])}")
        owner = cells["department"].where(cells["department"].isin(DEPARTMENTS), UNOWNED)
        cells = cells.assign(department=owner)
        keep = ~matrix.set_index(["segment", "kind"]).index.isin(
            cells.set_index(["segment", "kind"]).index)
        matrix = pd.concat([matrix.loc[keep], cells], ignore_index=True)
    return matrix.sort_values(["segment", "kind"], key=_cell_order).reset_index(drop=True)


def _cell_order(column: pd.Series) -> pd.Series:
    order = {v: i for i, v in enumerate((*SEGMENTS, *KINDS))}
    return column.map(order)


def owner_of(*, segment: str, kind: str, ownership: pd.DataFrame | None = None) -> str:
    """The department owning a cell, or ``"unowned"``."""
    matrix = ownership_matrix() if ownership is None else ownership
    hit = matrix.loc[(matrix["segment"] == segment) & (matrix["kind"] == kind), "department"]
    return str(hit.iloc[0]) if len(hit) else UNOWNED


def credit_to_departments(actuals: pd.DataFrame, *,
                          ownership: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add a ``department`` column crediting each kind × segment row to its owner.

    Every row goes to exactly one department, so department totals always add up to the
    total. A row in a cell nobody owns is credited to ``"unowned"`` — visible, never dropped.
    Rows must not already carry a department (that would be crediting twice).
    """
    if "department" in actuals.columns:
        raise ValueError("actuals already have a department column; crediting would double it")
    bad = ~actuals["segment"].isin(SEGMENTS) | ~actuals["kind"].isin(KINDS)
    if bad.any():
        raise ValueError(f"rows {list(actuals.index[bad][:5])} are not in a segment × kind cell")
    matrix = ownership_matrix() if ownership is None else ownership
    credited = actuals.merge(matrix[["segment", "kind", "department"]], on=["segment", "kind"],
                             how="left", validate="many_to_one")
    credited["department"] = credited["department"].fillna(UNOWNED)
    credited.index = actuals.index
    return credited
