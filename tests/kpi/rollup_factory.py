"""Random ``rollup_day`` rows for small org trees, and an independent oracle.

The oracle recomputes components with plain Python loops straight from the rules in
docs/rollup.md, so the tests do not check kpi.metrics against itself.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from kpi.registry import COMPONENTS, GRAIN_DIMENSIONS, Term

KINDS = ("incremental", "stock")
SEGMENTS = ("long_tail", "mass_affluent", "wealth", "private")
DEPARTMENTS = ("online", "retail")
FIRST_DAY = date(2026, 10, 1)


def _components_of(grain: str) -> list[str]:
    return [c.name for c in COMPONENTS.values() if c.grain == grain]


def _row(day: date, unit: str, level: str, grain: str, cell: tuple[str, str, str],
         rng: np.random.Generator, zero_share: float) -> dict:
    department, kind, segment = cell
    row = {"day": day, "unit_code": unit, "level": level, "department": department,
           "kind": kind, "segment": segment}
    for name in COMPONENTS:
        mine = COMPONENTS[name].grain == grain
        value = int(rng.integers(0, 30)) if mine and rng.random() > zero_share else 0
        row[name] = value
    if grain == "behaviour":  # keep numerators consistent with chat-weighted semantics
        row["reply_percentage_num"] = float(row["reply_percentage_den"] * rng.uniform(0, 100))
        row["avg_reply_time_num"] = float(row["avg_reply_time_den"] * rng.uniform(0, 60))
    if grain == "conversion":
        row["deposit_amount"] = round(float(rng.uniform(0, 1e6)), 2) * (row["funded_cnt"] > 0)
    return row


def _cells(grain: str) -> list[tuple[str, str, str]]:
    if grain == "behaviour":
        return [("all", "all", "all")]
    departments = DEPARTMENTS if grain == "conversion" else ("all",)
    return [(d, k, s) for d in departments for k in KINDS for s in SEGMENTS]


def leaf_rows(*, leaves: list[str], days: int, seed: int, dense: bool,
              zero_share: float = 0.3) -> pd.DataFrame:
    """Outlet rows. ``dense``: every leaf has ≥ 1 row of every grain on every day (as a real
    rollup has for units with staff and contacts); otherwise rows are randomly missing."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(days):
        day = FIRST_DAY + timedelta(offset)
        for leaf in leaves:
            for grain in ("behaviour", "customer", "conversion"):
                cells = _cells(grain)
                keep = rng.random(len(cells)) < 0.5
                if dense:
                    keep[rng.integers(0, len(cells))] = True
                for cell, kept in zip(cells, keep, strict=True):
                    if kept:
                        rows.append(_row(day, leaf, "outlet", grain, cell, rng, zero_share))
    return pd.DataFrame(rows)


def parent_rows(children: pd.DataFrame, *, mapping: dict[str, str], level: str) -> pd.DataFrame:
    """Rows of parents as the sum of their children's rows (what the rollup builder does)."""
    keyed = children.assign(unit_code=children["unit_code"].map(mapping), level=level)
    keys = ["day", "unit_code", "level", "department", "kind", "segment"]
    return keyed.groupby(keys, as_index=False)[list(COMPONENTS)].sum()


def oracle_term(records: list[dict], *, term: Term, units: list[str], start: date, end: date,
                filters: dict[str, str] | None = None) -> float:
    """Σ over ``units`` of a term over the period, from first principles.

    ``records``: the rollup rows as ``frame.to_dict("records")``.
    """
    component = COMPONENTS[term.component]
    wanted = {**(filters or {}), **dict(term.filters)}
    split = GRAIN_DIMENSIONS[component.grain]
    # One as-of day per grain over all the rows given (not per unit): see kpi.metrics.
    last_day = max((r["day"] for r in records
                    if start <= r["day"] <= end and _grain(r) == component.grain),
                   default=date.min)
    total = 0.0
    for r in records:
        if r["unit_code"] not in units or not start <= r["day"] <= end:
            continue
        if _grain(r) != component.grain:
            continue
        if any(dim in split and r[dim] != value for dim, value in wanted.items()):
            continue
        if component.over_time == "snapshot" and r["day"] != last_day:
            continue
        total += r[term.component]
    return total


def _grain(row: dict) -> str:
    if row["department"] != "all":
        return "conversion"
    return "customer" if row["kind"] != "all" else "behaviour"
