"""The weekly ranking bulletin (通报): target attainment, the red list and rankings per level.

Pure: rollup rows and targets in, one DataFrame per sheet out. The command line and the
dashboard write the sheets to Excel.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from kpi.attainment import attainment
from kpi.cell_values import grouped_values
from kpi.frames import member
from kpi.metrics import compute_metrics
from kpi.registry import COMPONENTS, get_metric
from kpi.targets import ALL, owner_of

# A target cell names department, kind and segment. Its actual must come from a measure
# whose grain splits those dimensions: new WeCom contacts by kind and segment are counted
# from the customer-level relations (the same event, one row per customer).
TARGET_MEASURES = {"new_contact_cnt": "contacts_added"}
RANKING_METRICS = {
    "contact_enabled_rate": 1.0,
    "active_staff_rate": 1.0,
    "new_contact_cnt": 1.0,
    "account_cnt": 1.0,
    "funded_cnt": 1.0,
}
LEVELS = ("province", "branch", "outlet")


def measure_grain(kpi: str) -> str:
    """The grain of the measure behind a target kpi (behaviour, customer or conversion)."""
    metric = get_metric(TARGET_MEASURES.get(kpi, kpi))
    grains = {COMPONENTS[term.component].grain for term in metric.terms}
    return grains.pop() if len(grains) == 1 else "mixed"


def cell_components(kpis: Iterable[str]) -> list[str]:
    """The rollup components the actuals of target cells of `kpis` are computed from: a read
    of only these columns gives target_actuals the same numbers."""
    measures = [get_metric(TARGET_MEASURES.get(k, k)) for k in dict.fromkeys(kpis)]
    return sorted({term.component for metric in measures for term in metric.terms})


def target_actuals(rollups: pd.DataFrame, targets: pd.DataFrame, *, start: date, end: date) -> pd.DataFrame:
    """Each target cell with its actual over [start, end] (NaN where not attributable).

    Exact per distinct (kpi, department, kind, segment) cell shape, with the cell's dimensions
    as filters, so ratio targets get ratios of sums too. Shapes over the same units that filter
    the same dimensions are computed together, grouped by those dimensions (grouping by a
    dimension is filtering on each of its values): a few engine calls instead of one a shape.

    Cells come out grouped by shape (shapes sorted), in their order within a shape. Shapes are
    handled as row positions over Python lists, not as one sub-frame each: with ~40 shapes the
    sub-frames and the per-value reads of pyarrow strings cost more than the engine calls."""
    columns = {c: targets[c].tolist() for c in ("unit_code", *SHAPE)}
    positions = targets.groupby(list(SHAPE), sort=True).indices
    shapes = []
    for shape in sorted(positions):
        at = positions[shape]
        shapes.append((shape, at, _batch_key(*shape, frozenset(columns["unit_code"][i] for i in at))))
    batches: dict[tuple, list[str]] = {}
    for (kpi, *_), _, key in shapes:
        if key is not None:
            batches.setdefault(key, []).append(TARGET_MEASURES.get(kpi, kpi))
    values = {key: _batch_values(rollups, key, measures, targets, start=start, end=end)
              for key, measures in batches.items()}
    if not shapes:
        return targets.assign(actual=np.nan, measure="", note="")
    extra = {"actual": [], "measure": [], "note": []}
    for shape, at, key in shapes:
        actual, measure, note = _shape_actuals(shape, at, key, values, columns)
        for column, value in (("actual", actual), ("measure", measure), ("note", note)):
            extra[column].append(np.broadcast_to(value, len(at)))
    order = np.concatenate([at for _, at, _ in shapes])
    return targets.iloc[order].reset_index(drop=True).assign(**{c: np.concatenate(v) for c, v in extra.items()})


SHAPE = ("kpi", "department", "kind", "segment")


def _shape_actuals(shape: tuple, at: np.ndarray, key: tuple | None, values: dict, columns: dict[str, list],
                   ) -> tuple[np.ndarray | float, str, str]:
    """(actual per cell of the shape, measure, note) for the cells at positions `at`."""
    kpi, department, kind, segment = shape
    measure = TARGET_MEASURES.get(kpi, kpi)
    if key is None:
        return np.nan, measure, _unattributable(measure_grain(kpi), department=department, kind=kind, segment=segment)
    found = values[key][measure]
    codes = [columns["unit_code"][i] for i in at]
    lookups = zip(codes, *[[columns[d][i] for i in at] for d in key[1]]) if key[1] else codes
    actual = np.array([found.get(k, np.nan) for k in lookups], dtype=float)
    return np.where(np.isnan(actual), 0.0, actual), measure, ""  # absent or no denominator: 0, as ever


def _unattributable(grain: str, *, department: str, kind: str, segment: str) -> str:
    """Why a cell shape has no actual ("" when it has one)."""
    split = kind != ALL or segment != ALL
    if grain in ("behaviour", "mixed") and split:
        return "not attributable to kind and segment"
    if grain == "customer" and split and _owner(segment, kind) != department:
        return f"owned by {_owner(segment, kind)}: actuals credited there"
    if grain == "customer" and not split:
        return "contacts are credited per kind and segment: set kind and segment"
    return ""


@lru_cache(maxsize=256)
def _owner(segment: str, kind: str) -> str:
    """owner_of under the default ownership matrix (which is built anew on every call)."""
    return owner_of(segment=segment, kind=kind)


def _batch_key(kpi: str, department: str, kind: str, segment: str, units: frozenset[str]) -> tuple | None:
    """(units, dimensions filtered) of a shape's computation; None if not attributable.
    Department filters only a conversion measure (behaviour and mixed ones are never split by it)."""
    grain = measure_grain(kpi)
    if _unattributable(grain, department=department, kind=kind, segment=segment):
        return None
    # A customer measure does not split by department (the grain has none), so grouping it by
    # department repeats its value for each: it can share the conversion measures' computation.
    fixed = {"department": department if grain in ("conversion", "customer") else ALL, "kind": kind,
             "segment": segment}
    dims = tuple(d for d, v in fixed.items() if v != ALL)
    return units, dims


def _batch_values(rollups: pd.DataFrame, key: tuple, measures: list[str], targets: pd.DataFrame, *,
                  start: date, end: date) -> dict[str, dict]:
    units, dims = key
    rows = rollups[member(rollups["unit_code"], units)]
    mine = targets[member(targets["unit_code"], units)]
    # tolist first: iterating a pyarrow string column yields its values one slow call each.
    filters = {d: sorted(set(mine[d].tolist()) - {ALL}) for d in dims}
    # compute_metrics' numbers, as arrays (kpi.cell_values): its frame work dominated the page.
    return grouped_values(rows, measures=measures, dims=dims, filters=filters, start=start, end=end)


def attainment_sheet(rollups: pd.DataFrame, targets: pd.DataFrame, *, period: str, start: date, end: date, as_of: date) -> pd.DataFrame:
    """Completion against time progress for every target cell, worst gap first."""
    cells = target_actuals(rollups, targets.rename(columns={"value": "target"}), start=start, end=end)
    judged = attainment(cells.assign(period=period), as_of=as_of)
    return judged.sort_values(["gap", "unit_code"], na_position="last").reset_index(drop=True)


def red_list(judged: pd.DataFrame) -> pd.DataFrame:
    """Lagging units: red status, furthest behind time progress first."""
    return judged[judged["status"] == "red"].reset_index(drop=True)


def rankings(unit_metrics: pd.DataFrame, *, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Rank units of one level by a weighted mean of their percentile ranks per metric.

    Percentile ranks make metrics of different units comparable; a missing value (no
    denominator) ranks last for that metric rather than being guessed."""
    weights = weights or RANKING_METRICS
    scored = unit_metrics.copy()
    total = sum(weights.values())
    score = pd.Series(0.0, index=scored.index)
    for metric, weight in weights.items():
        score += weight * scored[metric].rank(pct=True, ascending=get_metric(metric).direction == "higher").fillna(0.0)
    scored["score"] = (100 * score / total).round(1)
    scored["rank"] = scored["score"].rank(method="min", ascending=False).astype(int)
    return scored.sort_values(["rank", "unit_code"]).reset_index(drop=True)


def level_metrics(rollups: pd.DataFrame, *, metrics: list[str], start: date, end: date) -> pd.DataFrame:
    """Metrics per unit, with each unit's name, for rows of one level."""
    values = compute_metrics(rollups, metrics=metrics, period_start=start, period_end=end, by=["unit_code"])
    names = rollups[["unit_code", "name", "name_en"]].drop_duplicates("unit_code")
    return names.merge(values, on="unit_code").sort_values("unit_code").reset_index(drop=True)
