"""Vertical and horizontal reconciliation of targets (DESIGN §4 Targets).

Vertical: at every parent node, for each period × kpi × department × kind × segment, do the
children's targets add up to the parent's? Only additive KPIs (flows and snapshots) can be
checked by summing; ratio and distinct KPIs are listed with status ``not_additive`` instead of
being silently skipped or wrongly summed.

Tolerance: counts are compared exactly (float sums of integers are exact far beyond any bank's
size); money (unit CNY) is compared within half a cent, ``MONEY_TOLERANCE``, because amounts
are held to the cent and float sums of cents may differ in the last binary digit.

Horizontal: with the ownership matrix, a cell targeted by two departments at the same unit is
an ``overlap``; a target set by a department that does not own its cell is ``not_owner``; a
head-office target in a cell nobody owns is ``unowned``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.frames import member
from kpi.registry import METRICS
from kpi.targets import ALL, UNOWNED, ownership_matrix

MONEY_TOLERANCE = 0.005
_CELL = ["period", "kpi", "department", "kind", "segment"]


def _tolerance(kpi: str, money_tolerance: float) -> float:
    return money_tolerance if METRICS[kpi].unit == "CNY" else 0.0


def _additive(kpi: str) -> bool:
    return METRICS[kpi].additive


def vertical_reconciliation(targets: pd.DataFrame, *, org: pd.DataFrame,
                            money_tolerance: float = MONEY_TOLERANCE) -> pd.DataFrame:
    """Parent vs Σchildren for every parent node and target cell.

    ``org``: code, parent_code, level. Statuses: ``balanced``, ``under`` (children below the
    parent), ``over``, ``not_allocated`` (parent target, no child has one),
    ``no_parent_target`` (children have targets, the parent has none), ``not_additive``.
    gap = Σchildren − parent.

    Computed over Python lists and dicts, not merges and groupbys: a period's ~1,300 cells
    against the large bank's ~5,300 units cost ~85 ms in pandas' string joins, a few here.
    The rows and values are those of the joins: children summed in the targets' order as
    pandas sums (compensated), one row per org row of a parent (as a merge would repeat it).
    """
    unknown = sorted(set(targets["kpi"].tolist()) - set(METRICS))
    if unknown:
        raise ValueError(f"targets name unknown kpis {unknown}")
    units, values = targets["unit_code"].tolist(), targets["value"].tolist()
    cells = list(zip(*(targets[c].tolist() for c in _CELL), strict=True))
    parents_of, n_children = _edges(org, set(units))
    parent_values: dict[tuple, list[float]] = {}
    sums: dict[tuple, list[float]] = {}  # key → [sum, compensation, rows]
    for unit, cell, value in zip(units, cells, values, strict=True):
        if unit in n_children:
            parent_values.setdefault((unit, *cell), []).append(value)
        for parent in parents_of.get(unit, ()):
            _add(sums.setdefault((parent, *cell), [0.0, 0.0, 0]), value)
    keys = sorted(parent_values.keys() | sums.keys())
    levels = _levels(org, {key[0] for key in keys})
    rows = [(key, parent_value, level) for key in keys
            for parent_value in parent_values.get(key, [np.nan])
            for level in levels.get(key[0], [None])]
    return _vertical_frame(rows, sums, n_children, targets, org, money_tolerance)


def _edges(org: pd.DataFrame, units: set[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The parents of `units` (one per org row that names one) and every parent's child count.
    Vectorised over the org (thousands of rows), in Python only over the rows of `units`."""
    edges = org.loc[org["parent_code"].notna(), ["code", "parent_code"]]
    n_children = edges["parent_code"].value_counts(sort=False).to_dict()
    mine = edges[edges["code"].isin(list(units))]
    parents_of: dict[str, list[str]] = {}
    for code, parent in zip(mine["code"].tolist(), mine["parent_code"].tolist(), strict=True):
        parents_of.setdefault(code, []).append(parent)
    return parents_of, n_children


def _levels(org: pd.DataFrame, codes: set[str]) -> dict[str, list]:
    """The level of each org row of `codes` (a code listed twice is two rows, as in a merge)."""
    rows = org[org["code"].isin(list(codes))]
    levels: dict[str, list] = {}
    for code, level in zip(rows["code"].tolist(), rows["level"].tolist(), strict=True):
        levels.setdefault(code, []).append(level)
    return levels


def _add(total: list, value: float) -> None:
    """Add `value` to [sum, compensation, rows] as pandas' groupby sum does (Kahan), so a
    sum of cents comes out to the same last digit; a missing value counts as a row only."""
    total[2] += 1
    if value != value:  # NaN: skipped by sum, counted by size
        return
    y = value - total[1]
    t = total[0] + y
    total[1] = t - total[0] - y
    if total[1] != total[1]:  # an infinity: pandas resets the compensation
        total[1] = 0.0
    total[0] = t


def _vertical_frame(rows: list[tuple], sums: dict[tuple, list], n_children: dict[str, int],
                    targets: pd.DataFrame, org: pd.DataFrame, money_tolerance: float) -> pd.DataFrame:
    keys = [key for key, _, _ in rows]
    found = [sums.get(key) for key in keys]
    kpis = [key[2] for key in keys]
    parent_value = np.array([value for _, value, _ in rows], dtype=float)
    children_sum = np.array([0.0 if s is None else s[0] for s in found], dtype=float)
    with_target = np.array([0 if s is None else s[2] for s in found], dtype=np.int64)
    gap = children_sum - parent_value
    tolerance = np.array([_tolerance(k, money_tolerance) for k in kpis], dtype=float)
    additive = np.array([_additive(k) for k in kpis], dtype=bool)
    status = np.select(
        [~additive, np.isnan(parent_value), with_target == 0, np.abs(gap) <= tolerance, gap < 0],
        ["not_additive", "no_parent_target", "not_allocated", "balanced", "under"], default="over")
    # A sum of rates means nothing: do not show one.
    children_sum[~additive], gap[~additive] = np.nan, np.nan
    return pd.DataFrame({
        "parent_code": pd.Series([key[0] for key in keys], dtype=targets["unit_code"].dtype),
        "level": pd.Series([level for _, _, level in rows], dtype=org["level"].dtype),
        **{c: pd.Series([key[n + 1] for key in keys], dtype=targets[c].dtype) for n, c in enumerate(_CELL)},
        "parent_value": parent_value, "children_sum": children_sum, "gap": gap, "status": status,
        "n_children": np.array([n_children[key[0]] for key in keys], dtype=np.int64),
        "n_children_with_target": with_target, "tolerance": tolerance,
    })


_ISSUE_COLUMNS = ["unit_code", "period", "kpi", "kind", "segment", "department", "owner", "value"]
_TEMPLATES = {"overlap": "cell targeted by {departments}", "not_owner": "targeted by {department}, owned by {owner}",
              "unowned": "head-office target in a cell no department owns"}


def horizontal_reconciliation(targets: pd.DataFrame, *, org: pd.DataFrame,
                              ownership: pd.DataFrame | None = None) -> pd.DataFrame:
    """Department conflicts per unit × period × kpi × kind × segment cell.

    Issues: ``overlap`` (more than one department targets the cell), ``not_owner`` (a
    department targets a cell it does not own), ``unowned`` (a head-office target in a cell
    nobody owns). Targets with kind or segment ``all`` are outside the matrix and skipped.
    Over Python lists, like vertical_reconciliation (pandas' joins cost ~40 ms at a bank).
    """
    matrix = ownership_matrix() if ownership is None else ownership
    owners = dict(zip(zip(matrix["segment"].tolist(), matrix["kind"].tolist(), strict=True),
                      matrix["department"].tolist(), strict=True))  # one owner a cell (ownership_matrix)
    head_office = set(org.loc[org["level"] == "head_office", "code"].tolist())
    columns = {c: targets[c].tolist() for c in ("unit_code", "period", "kpi", "kind", "segment", "department", "value")}
    rows = [i for i, (kind, segment) in enumerate(zip(columns["kind"], columns["segment"], strict=True))
            if kind != ALL and segment != ALL]
    owner = {i: _owner_or_unowned(owners.get((columns["segment"][i], columns["kind"][i]))) for i in rows}
    cell = {i: (columns["unit_code"][i], columns["period"][i], columns["kpi"][i], columns["kind"][i],
                columns["segment"][i]) for i in rows}
    departments: dict[tuple, set[str]] = {}
    for i in rows:
        departments.setdefault(cell[i], set()).add(columns["department"][i])
    found = []
    for i in rows:
        department, mine = columns["department"][i], departments[cell[i]]
        if len(mine) > 1:
            found.append((i, "overlap", ",".join(sorted(mine))))
        if owner[i] != UNOWNED and department != owner[i]:
            found.append((i, "not_owner", ""))
        if owner[i] == UNOWNED and columns["unit_code"][i] in head_office:
            found.append((i, "unowned", ""))
    found.sort(key=lambda f: (*cell[f[0]], f[1], columns["department"][f[0]]))  # stable, as pandas' sort
    return _horizontal_frame(found, columns, owner, targets, matrix)


def _owner_or_unowned(owner: object) -> str:
    return UNOWNED if owner is None or owner != owner else owner  # no row, None or NaN: unowned


def _horizontal_frame(found: list[tuple], columns: dict[str, list], owner: dict[int, str], targets: pd.DataFrame,
                      matrix: pd.DataFrame) -> pd.DataFrame:
    at = [i for i, _, _ in found]
    out = {c: pd.Series([columns[c][i] for i in at], dtype=targets[c].dtype)
           for c in _ISSUE_COLUMNS if c != "owner"}
    out["owner"] = pd.Series([owner[i] for i in at], dtype=matrix["department"].dtype)
    out["issue"] = pd.Series([issue for _, issue, _ in found], dtype=object)
    out["message"] = pd.Series([_TEMPLATES[issue].format(department=columns["department"][i], owner=owner[i],
                                                         departments=joined) for i, issue, joined in found],
                               dtype=object)
    return pd.DataFrame({c: out[c] for c in [*_ISSUE_COLUMNS, "issue", "message"]})


def department_totals_check(credited: pd.DataFrame, *, total: pd.DataFrame, keys: list[str],
                            value_column: str, tolerance: float = 0.0) -> pd.DataFrame:
    """Show that department actuals add up to the bank total, per ``keys``.

    ``credited`` has a department column (see ``targets.credit_to_departments``); ``total``
    has the same keys and value column without departments. One column per department, their
    sum, the total, the gap and whether it balances within ``tolerance``.
    """
    wide = credited.pivot_table(index=keys, columns="department", values=value_column,
                                aggfunc="sum", fill_value=0)
    wide.columns = [f"{value_column}_{c}" for c in wide.columns]
    wide["department_sum"] = wide.sum(axis=1)
    bank = total.groupby(keys)[value_column].sum().rename("bank_total")
    out = wide.join(bank, how="outer").fillna(0).reset_index()
    out["gap"] = out["department_sum"] - out["bank_total"]
    out["balanced"] = out["gap"].abs() <= tolerance
    return out
