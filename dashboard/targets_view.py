"""The targets page's data shaping: the cell in view, the node and its children, the leaves an
allocation goes to, and its preview. No Streamlit here: the page shows, these compute."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi.allocation import AllocationResult
from kpi.cascade import allocate_cell, cascade_values, splits_by_sum
from kpi.frames import member
from kpi.reconcile import horizontal_reconciliation, vertical_reconciliation
from kpi.targets import parse_period

CELL_PARTS = ("kpi", "kind", "segment")
RULES = ("even", "headcount", "managed_customers", "last_actual")
RULE_METRIC = {"headcount": "staff_cnt", "managed_customers": "managed_customers"}
NEXT_LEVEL = {"head_office": "province", "province": "branch", "branch": "outlet"}
LEAF_LEVELS = ("province", "branch", "outlet")


@dataclass(frozen=True)
class Cell:
    """The target cell shape in view: one kpi × department × kind × segment of a period."""

    period: str
    department: str
    kpi: str
    kind: str
    segment: str

    def matches(self, targets: pd.DataFrame) -> pd.Series:
        return ((targets["department"] == self.department) & (targets["kpi"] == self.kpi)
                & (targets["kind"] == self.kind) & (targets["segment"] == self.segment))

    @property
    def shape(self) -> tuple[str, str, str, str]:
        return self.kpi, self.department, self.kind, self.segment


CHILDREN = "children"


def depths_below(level: str) -> list[str]:
    """Where a node of `level` can allocate to: its children or any level further down."""
    chain, found = [], NEXT_LEVEL.get(level)
    while found is not None:
        chain.append(found)
        found = NEXT_LEVEL.get(found)
    return [CHILDREN, *chain[1:]] if chain else []


def read_sheet(name: str, content: bytes) -> pd.DataFrame:
    """An uploaded target file as strings, exactly as typed (header in row 1): Excel's first
    sheet, or CSV in UTF-8 (with or without BOM) or GB18030, which Excel in China writes."""
    try:
        if name.lower().endswith(".xlsx"):
            return pd.read_excel(io.BytesIO(content), dtype=str, header=0)
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return pd.read_csv(io.BytesIO(content), dtype=str, header=0, encoding=encoding, keep_default_na=False)
            except UnicodeDecodeError:
                continue
    except Exception as unreadable:  # openpyxl and the CSV parser raise many types for broken files
        raise ValueError(f"{type(unreadable).__name__}: {unreadable}") from unreadable
    raise ValueError("the file is neither UTF-8 nor GB18030 text")


def drafts_below(targets: pd.DataFrame, units: pd.DataFrame, *, cell: Cell, code: str) -> pd.DataFrame:
    """Draft targets of the cell at `code` and every unit below it."""
    below = set(leaf_codes_all(units, code=code)) | {code}
    rows = targets[cell.matches(targets) & targets["unit_code"].isin(below) & (targets["status"] == "draft")]
    return rows.sort_values("unit_code").reset_index(drop=True)


def unbalanced_below(targets: pd.DataFrame, units: pd.DataFrame, *, cell: Cell, code: str) -> int:
    """How many nodes at or below `code` do not reconcile with their children for the cell."""
    below = set(leaf_codes_all(units, code=code)) | {code}
    vertical, _ = reconciliation(targets[cell.matches(targets)], units)
    if vertical.empty:
        return 0
    return int((vertical["parent_code"].isin(below) & vertical["status"].isin(["under", "over"])).sum())


def leaf_codes_all(units: pd.DataFrame, *, code: str) -> list[str]:
    """Every unit below `code`."""
    below, frontier = set(), {code}
    while frontier:
        frontier = set(units.loc[units["parent_code"].isin(frontier), "code"])
        below |= frontier
    return sorted(below)


def newest_first(periods: list[str]) -> list[str]:
    """Periods by end date, newest first; of periods ending together, the shortest first."""
    def key(p: str) -> tuple:
        first, last = parse_period(p)
        return last, first
    return sorted(periods, key=key, reverse=True)


def choices(targets: pd.DataFrame, part: str, **fixed: str) -> list[str]:
    """The values of `part` present among the targets that match the `fixed` parts."""
    rows = targets
    for column, value in fixed.items():
        rows = rows[rows[column] == value]
    return sorted(rows[part].unique())


def node_table(targets: pd.DataFrame, units: pd.DataFrame, *, cell: Cell, code: str) -> pd.DataFrame:
    """The node and its children for one cell: target, Σ of their own children's targets,
    status (draft/approved), version and lock. Units without a target show NaN."""
    mine = targets[cell.matches(targets)].set_index("unit_code")
    rows = units[(units["code"] == code) | (units["parent_code"] == code)].copy()
    rows["target"] = rows["code"].map(mine["value"])
    sums = units.assign(value=units["code"].map(mine["value"])).groupby("parent_code")["value"].sum(min_count=1)
    rows["children_sum"] = rows["code"].map(sums) if splits_by_sum(cell.kpi) else np.nan
    for column in ("status", "version", "id"):
        rows[column] = rows["code"].map(mine[column])
    rows["lock"] = rows["code"].map(mine["locked"]).astype("boolean")
    rows["is_node"] = rows["code"] == code
    return rows.sort_values(["is_node", "code"], ascending=[False, True]).reset_index(drop=True)


def leaf_codes(units: pd.DataFrame, *, code: str, level: str | None) -> list[str]:
    """The units an allocation of `code` goes to: its children, or its units at `level`."""
    if level in (None, CHILDREN):
        return sorted(units.loc[units["parent_code"] == code, "code"])
    below = leaf_codes_all(units, code=code)
    return sorted(units.loc[units["code"].isin(below) & (units["level"] == level), "code"])


def selection_key(code: str, cell: Cell) -> str:
    """A suffix naming the node and cell in view, for widgets whose state belongs to them."""
    return f"{code}-{cell.period}-{cell.department}-{cell.kpi}-{cell.kind}-{cell.segment}"


def editor_key(*, code: str, cell: Cell, depth: str | None, rule: str, per_staff: float | None) -> str:
    """The allocation editor's widget key: a new key (fresh edits) whenever its rows change."""
    return f"alloc-{selection_key(code, cell)}-{depth}-{rule}-{per_staff}"


def leaf_frame(units: pd.DataFrame, targets: pd.DataFrame, *, cell: Cell, leaves: list[str],
               weights: pd.Series | None, name_column: str) -> pd.DataFrame:
    """The editable allocation table: each leaf's weight, current target, lock and cap."""
    mine = targets[cell.matches(targets)].set_index("unit_code")
    names = units.set_index("code")[name_column]
    frame = pd.DataFrame({"child": leaves, "name": [names.get(c, c) for c in leaves]})
    frame["weight"] = 1.0 if weights is None else frame["child"].map(weights).fillna(0.0).astype(float)
    frame["current"] = frame["child"].map(mine["value"])
    frame["lock"] = frame["child"].map(mine["locked"]).astype("boolean").fillna(False).astype(bool)
    frame["locked"] = frame["current"].where(frame["lock"])
    frame["cap"] = np.nan
    return frame


def preview(parent_value: float, edited: pd.DataFrame, *, cell: Cell, units: pd.DataFrame, code: str,
            targets: pd.DataFrame, name_column: str) -> tuple[AllocationResult, pd.DataFrame]:
    """The allocation of `parent_value` over the edited leaves, and every unit it would change:
    unit, level, current, new, delta, capped and the version the editor saw (NaN = new cell)."""
    leaves = edited.assign(locked=edited["locked"].where(edited["lock"].astype(bool)))
    result = allocate_cell(parent_value, leaves[["child", "weight", "locked", "cap"]], kpi=cell.kpi)
    values = cascade_values(result, org=units, root=code, kpi=cell.kpi, parent_value=parent_value)
    mine = targets[cell.matches(targets)].set_index("unit_code")
    info = units.set_index("code")
    out = values.assign(
        name=values["unit_code"].map(info[name_column]),
        level=values["unit_code"].map(info["level"]),
        current=values["unit_code"].map(mine["value"]),
        expected_version=values["unit_code"].map(mine["version"]).astype(float),
    ).rename(columns={"value": "new"})
    out["delta"] = out["new"] - out["current"].fillna(0.0)
    capped = dict(zip(result.frame["child"], result.frame["capped"], strict=True))
    out["capped"] = out["unit_code"].map(capped).astype("boolean").fillna(False).astype(bool)
    order = {level: i for i, level in enumerate(LEAF_LEVELS)}
    out = out.sort_values(["level", "unit_code"], key=lambda c: c.map(order) if c.name == "level" else c)
    return result, out[["unit_code", "name", "level", "current", "new", "delta", "capped", "expected_version"]].reset_index(drop=True)


def cells_to_save(previewed: pd.DataFrame, *, cell: Cell) -> pd.DataFrame:
    """The previewed units as store cells: value and the version the editor saw."""
    return pd.DataFrame({
        "period": cell.period, "unit_code": previewed["unit_code"], "department": cell.department,
        "kpi": cell.kpi, "kind": cell.kind, "segment": cell.segment, "value": previewed["new"],
        "expected_version": previewed["expected_version"],
    })


def reconciliation(targets: pd.DataFrame, units: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Vertical (every parent vs Σchildren) and horizontal (department conflicts) views of a
    period's targets in the scope; balanced rows last so the gaps come first."""
    org = units[["code", "parent_code", "level"]]
    if targets.empty:
        return pd.DataFrame(), pd.DataFrame()
    vertical = vertical_reconciliation(targets, org=org)
    vertical = vertical[member(vertical["parent_code"], units["code"])]
    rank = {"over": 0, "under": 0, "not_allocated": 1, "no_parent_target": 1, "not_additive": 2, "balanced": 3}
    vertical = vertical.sort_values(["status", "parent_code"], key=lambda c: c.map(rank) if c.name == "status" else c)
    horizontal = horizontal_reconciliation(targets, org=org)
    return vertical.reset_index(drop=True), horizontal.reset_index(drop=True)


def import_counts(cells: pd.DataFrame, current: pd.DataFrame) -> dict[str, int]:
    """How an import would change the store: new cells, changed values, unchanged."""
    key = ["period", "unit_code", "department", "kpi", "kind", "segment"]
    merged = cells.merge(current[[*key, "value"]].rename(columns={"value": "old"}), on=key, how="left")
    new = merged["old"].isna()
    changed = ~new & (merged["value"].round(2) != merged["old"].round(2))
    return {"inserted": int(new.sum()), "updated": int(changed.sum()), "unchanged": int((~new & ~changed).sum())}
