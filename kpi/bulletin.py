"""The weekly ranking bulletin (通报): target attainment, the red list and rankings per level.

Pure: rollup rows and targets in, one DataFrame per sheet out. The command line and the
dashboard write the sheets to Excel.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kpi.attainment import attainment
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


def target_actuals(rollups: pd.DataFrame, targets: pd.DataFrame, *, start: date, end: date) -> pd.DataFrame:
    """Each target cell with its actual over [start, end] (NaN where not attributable).

    One exact computation per distinct (kpi, department, kind, segment) cell shape, with the
    cell's dimensions as filters, so ratio targets get ratios of sums too."""
    out = []
    shapes = targets.groupby(["kpi", "department", "kind", "segment"], sort=True)
    for (kpi, department, kind, segment), cells in shapes:
        measure, grain = TARGET_MEASURES.get(kpi, kpi), measure_grain(kpi)
        actual, note = _cell_actual(rollups[rollups["unit_code"].isin(cells["unit_code"])], measure, grain,
                                    department=department, kind=kind, segment=segment, start=start, end=end)
        cells = cells.copy()
        cells["actual"] = cells["unit_code"].map(actual) if actual is not None else np.nan
        if actual is not None:
            cells["actual"] = cells["actual"].fillna(0.0)
        out.append(cells.assign(measure=measure, note=note))
    if not out:
        return targets.assign(actual=np.nan, measure="", note="")
    return pd.concat(out, ignore_index=True)


def _cell_actual(rows: pd.DataFrame, measure: str, grain: str, *, department: str, kind: str, segment: str,
                 start: date, end: date) -> tuple[pd.Series | None, str]:
    """The actual per unit for one cell shape, or None with the reason it is not attributable."""
    split = kind != ALL or segment != ALL
    if grain in ("behaviour", "mixed") and split:
        return None, "not attributable to kind and segment"
    if grain == "customer" and split and owner_of(segment=segment, kind=kind) != department:
        return None, f"owned by {owner_of(segment=segment, kind=kind)}: actuals credited there"
    if grain == "customer" and not split:
        return None, "contacts are credited per kind and segment: set kind and segment"
    values = compute_metrics(rows, metrics=[measure], period_start=start, period_end=end, by=["unit_code"],
                             department=department if grain == "conversion" else None,
                             kind=None if kind == ALL else kind, segment=None if segment == ALL else segment)
    return values.set_index("unit_code")[measure], ""


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
