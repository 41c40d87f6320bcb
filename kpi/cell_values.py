"""Metric values per unit × split dimensions, as arrays: the actuals of target cells.

`grouped_values(rows, ...)` gives the numbers of
`compute_metrics(rows, by=["unit_code", *dims], **filters)` (kpi/metrics.py: flows summed over
the period, a grain's snapshots on its as-of day — the last day in the period on which the
rows hold any row of that grain, chosen before the filters — ratios as Σnum / Σden, NaN
where the denominator is 0). It exists for speed: the attainment of a page holds a few
hundred rows, and compute_metrics' merges and groupbys over pyarrow strings cost ~70 ms a
call there whatever the size; here each term is one masked `np.add.at` into a dense array
unit × dimension values, and a metric is array arithmetic (a dimension its grain does not
split broadcasts, as component_totals repeats it for each value).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import product

import numpy as np
import pandas as pd

from kpi.registry import ALL, COMPONENTS, GRAIN_DIMENSIONS, Metric, Term, get_metric


class Columns:
    """The rows in the period as numpy arrays, and each dimension's filter values."""

    def __init__(self, rows: pd.DataFrame, dims: Sequence[str], filters: dict[str, list[str]],
                 start: date, end: date) -> None:
        if start > end:
            raise ValueError(f"period_start {start} is after period_end {end}")
        days = pd.to_datetime(rows["day"]).dt.normalize().to_numpy()
        inside = (days >= np.datetime64(start)) & (days <= np.datetime64(end))
        self.rows = rows.loc[inside]
        self.day = days[inside]
        self.text = {c: self.rows[c].to_numpy(dtype=object) for c in ("department", "kind", "segment")}
        self.grain = np.where(self.text["department"] != ALL, "conversion",
                              np.where(self.text["kind"] != ALL, "customer", "behaviour"))
        codes, self.units = pd.factorize(self.rows["unit_code"].to_numpy(dtype=object), sort=True)
        self.unit = codes
        self.dims = list(dims)
        self.values = {d: sorted(filters[d]) for d in self.dims}
        # Each row's position among its dimension's filter values (-1: not among them).
        self.position = {d: _positions(self.text[d], self.values[d]) for d in self.dims}
        self.shape = (len(self.units), *[len(self.values[d]) for d in self.dims])


def _positions(values: np.ndarray, wanted: list[str]) -> np.ndarray:
    index = {v: i for i, v in enumerate(wanted)}
    return np.fromiter((index.get(v, -1) for v in values.tolist()), dtype=np.int64, count=len(values))


def _term_total(cols: Columns, term: Term) -> np.ndarray:
    """The term summed per unit × the dimensions its grain splits (size 1 on the others)."""
    component = COMPONENTS[term.component]
    split = GRAIN_DIMENSIONS[component.grain]
    mask = cols.grain == component.grain
    if component.over_time == "snapshot" and mask.any():
        mask &= cols.day == cols.day[mask].max()
    for dimension in cols.dims:
        if dimension in split:
            mask &= cols.position[dimension] >= 0
    for dimension, value in term.filters:
        mask &= cols.text[dimension] == value
    values = cols.rows[term.component].to_numpy()
    shape = [n if i == 0 or cols.dims[i - 1] in split else 1 for i, n in enumerate(cols.shape)]
    total = np.zeros(shape, dtype=values.dtype)
    index = (cols.unit[mask], *[cols.position[d][mask] if d in split else np.zeros(mask.sum(), dtype=np.int64)
                                for d in cols.dims])
    np.add.at(total, index, values[mask])
    return total


def _sum_terms(totals: dict[str, np.ndarray], terms: Sequence[Term], shape: tuple[int, ...]) -> np.ndarray:
    total = np.broadcast_to(totals[terms[0].column], shape)
    for term in terms[1:]:
        total = total + totals[term.column]
    return total


def _metric_array(totals: dict[str, np.ndarray], metric: Metric, shape: tuple[int, ...]) -> np.ndarray:
    numerator = _sum_terms(totals, metric.numerator, shape)
    if metric.aggregation in ("flow", "snapshot"):
        return numerator
    denominator = _sum_terms(totals, metric.denominator, shape).astype(float)
    ratio = np.divide(numerator, denominator, out=np.full(shape, np.nan), where=denominator != 0)
    return metric.scale * ratio


def grouped_values(rows: pd.DataFrame, *, measures: Sequence[str], dims: Sequence[str],
                   filters: dict[str, list[str]], start: date, end: date) -> dict[str, dict]:
    """{measure: {key: value}} with key unit_code (no dims) or (unit_code, *dim values), for
    every unit with rows in the period × every filter value: the dict of
    `compute_metrics(...).set_index(["unit_code", *dims]).to_dict()`. Distinct measures are
    refused (they are not built from rollup components)."""
    metrics = [get_metric(m) for m in dict.fromkeys(measures)]
    if any(m.aggregation == "distinct" for m in metrics):
        raise ValueError("distinct measures cannot be computed from rollup rows")
    cols = Columns(rows, dims, filters, start, end)
    totals = {t.column: _term_total(cols, t) for m in metrics for t in m.terms}
    keys = list(product(cols.units.tolist(), *[cols.values[d] for d in cols.dims])) if cols.dims else \
        cols.units.tolist()
    return {m.name: dict(zip(keys, _metric_array(totals, m, cols.shape).ravel().tolist(), strict=True))
            for m in metrics}
