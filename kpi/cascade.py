"""Cascading one node's target down the org tree (the allocation page's arithmetic).

A node's target is allocated either to its children or straight to the units of a lower
level (a province to its outlets): then every unit in between gets the exact sum of the
units below it, so the vertical reconciliation balances at every level at once. Rates are
not split: a contact-enabled-rate target of 80 % means 80 % for every child, so non-additive
KPIs are copied down instead.
"""

from __future__ import annotations

import pandas as pd

from kpi.allocation import AllocationResult, Mode, allocate
from kpi.registry import METRICS


def allocation_mode(kpi: str) -> Mode:
    """Money is allocated to the cent, counts in whole units."""
    return "decimal" if METRICS[kpi].unit == "CNY" else "integer"


def splits_by_sum(kpi: str) -> bool:
    """Whether children's targets must add up to the parent's (flows and snapshots)."""
    return METRICS[kpi].additive


def allocate_cell(parent_value: float, leaves: pd.DataFrame, *, kpi: str) -> AllocationResult:
    """Allocate to `leaves` (child, weight, locked, cap); a rate is copied to every leaf."""
    if splits_by_sum(kpi):
        return allocate(parent_value, leaves, child_column="child", weight_column="weight",
                        locked_column="locked", cap_column="cap", mode=allocation_mode(kpi))
    frame = leaves[["child", "weight", "locked", "cap"]].assign(value=float(parent_value), value_units=0, capped=False)
    frame["value"] = frame["locked"].fillna(float(parent_value))
    return AllocationResult(frame=frame, status="ok", message="rate copied to every child", unallocated=0.0,
                            mode="decimal")


def units_between(org: pd.DataFrame, *, root: str, leaves: list[str]) -> pd.DataFrame:
    """For each unit strictly below `root` on the way to a leaf: the leaves under it.

    `org` has code and parent_code; returns unit_code, leaf."""
    parent = dict(zip(org["code"], org["parent_code"], strict=True))
    pairs = []
    for leaf in leaves:
        current = leaf
        while current is not None and current != root:
            pairs.append((current, leaf))
            current = parent.get(current)
        if current is None:
            raise ValueError(f"{leaf} is not below {root}")
    return pd.DataFrame(pairs, columns=["unit_code", "leaf"])


def cascade_values(result: AllocationResult, *, org: pd.DataFrame, root: str, kpi: str,
                   parent_value: float) -> pd.DataFrame:
    """Every unit below `root` down to the leaves, with its new value: a leaf's allocation, or
    for a unit in between the exact sum of its leaves (a rate: the parent's rate)."""
    leaves = result.frame.set_index("child")
    between = units_between(org, root=root, leaves=list(leaves.index))
    if splits_by_sum(kpi):
        scale = 1 if result.mode == "integer" else 100
        units = between.assign(units=between["leaf"].map(leaves["value_units"])).groupby("unit_code")["units"].sum()
        values = units / scale if result.mode == "decimal" else units.astype(float)
    else:
        values = pd.Series(float(parent_value), index=pd.Index(between["unit_code"].unique(), name="unit_code"))
        values.update(leaves["value"].rename_axis("unit_code"))
    return values.rename("value").reset_index()
