"""Compute any registered metric for any units and any period from ``rollup_day`` rows.

The computation has two steps, and the split is what keeps the numbers right:

1. ``component_totals`` aggregates each component *over days, per unit*: flows are summed over
   the period; snapshots take their value on the **as-of day** of the component's grain — the
   last day within [period_start, period_end] on which the rows passed in hold any row of that
   grain. Snapshots are never summed over days. Rows are sparse: an absent row is zero.

   Why one as-of day per grain and not one per unit: rollup_day is rebuilt per loaded day for
   every unit at once, so freshness belongs to the day (and to the source feeding a grain —
   contacts may arrive a day after WeCom behaviour), not to the unit. A unit without rows on
   that day has nothing then — merged away, closed, no staff or contacts left — and counts 0;
   taking its own older value instead would count the staff of a merged outlet twice (there
   and in the outlet that absorbed them) and break parent = Σ children. The day is chosen
   before department/kind/segment filters, so a filter can never make an older value resurface.
   Pass the rows of all units you compare together (a page's rows for the period).
2. ``metrics_from_components`` sums those per-unit totals *over units* (every component is
   additive over units once step 1 is done) and only then forms ratios as Σnum / Σden, with
   NaN where the denominator is 0. Ratios are therefore never averaged.

Filters follow the grains of docs/rollup.md: ``department`` only restricts conversion-grain
components, ``kind``/``segment`` restrict customer- and conversion-grain components; a
component whose grain does not split a dimension is the same for every value of it. Grouping
by a dimension (``by=["unit_code", "kind"]``) behaves exactly like filtering on each value.
A metric's own filters (coverage_rate counts stock contacts only) are ANDed with the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from kpi.registry import (
    ALL, COMPONENTS, GRAIN_DIMENSIONS, METRICS, SPLIT_DIMENSIONS, Metric, Term, get_metric,
)

__all__ = [
    "METRICS", "DistinctMetricError", "component_totals", "compute_metrics",
    "compute_metrics_for_sets", "metrics_from_components",
]

Filter = str | Sequence[str] | None
_KEY_COLUMNS = ("day", "unit_code", "department", "kind", "segment")


class DistinctMetricError(ValueError):
    """A distinct metric was asked for without the distinct counts it needs."""


def _as_list(value: Filter) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _grain_labels(rows: pd.DataFrame) -> np.ndarray:
    """Which grain each row belongs to, read from the dimensions it splits."""
    return np.where(rows["department"] != ALL, "conversion",
                    np.where(rows["kind"] != ALL, "customer", "behaviour"))


def _rows_in_period(rollups: pd.DataFrame, *, start: date, end: date) -> pd.DataFrame:
    missing = [c for c in _KEY_COLUMNS if c not in rollups.columns]
    if missing:
        raise KeyError(f"rollup rows lack columns {missing}")
    if start > end:
        raise ValueError(f"period_start {start} is after period_end {end}")
    days = pd.to_datetime(rollups["day"]).dt.normalize()
    inside = (days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))
    rows = rollups.loc[inside].assign(day=days[inside])
    return rows.assign(_grain=_grain_labels(rows))


def _dimension_values(rows: pd.DataFrame, dimension: str, chosen: list[str] | None) -> list[str]:
    """Groups for a dimension: the caller's filter values, else those present in the data."""
    if chosen is not None:
        return sorted(chosen)
    split_by = [g for g, dims in GRAIN_DIMENSIONS.items() if dimension in dims]
    values = rows.loc[rows["_grain"].isin(split_by), dimension]
    return sorted(v for v in values.unique() if v != ALL)


def _grain_rows(rows: pd.DataFrame, *, grain: str, snapshot: bool, per_day: bool) -> pd.DataFrame:
    """Rows of one grain; for snapshots only the grain's as-of day (unless grouping by day)."""
    of_grain = rows.loc[rows["_grain"] == grain]
    if not snapshot or per_day or of_grain.empty:
        return of_grain
    return of_grain.loc[of_grain["day"] == of_grain["day"].max()]


def _term_values(source: pd.DataFrame, *, term: Term, base_mask: np.ndarray) -> np.ndarray:
    """The term's component on each source row, zeroed where the term's filters exclude it."""
    if term.component not in source.columns:
        raise KeyError(f"rollup rows lack component column {term.component!r}")
    mask = base_mask.copy()
    for dimension, value in term.filters:
        mask &= (source[dimension] == value).to_numpy()
    values = source[term.component].to_numpy()
    return np.where(mask, values, np.zeros(1, dtype=values.dtype))


def _grain_totals(rows: pd.DataFrame, *, grain: str, over_time: str, terms: list[Term],
                  keys: list[str], filters: dict[str, list[str] | None]) -> pd.DataFrame:
    """All terms of one grain × temporal kind summed per unit (and split dimension) at once."""
    split = GRAIN_DIMENSIONS[grain]
    source = _grain_rows(rows, grain=grain, snapshot=over_time == "snapshot",
                         per_day="day" in keys)
    base_mask = np.ones(len(source), dtype=bool)
    for dimension, values in filters.items():
        if values is not None and dimension in split:
            base_mask &= source[dimension].isin(values).to_numpy()
    group_keys = [k for k in keys if k in ("unit_code", "day") or k in split]
    data = {t.column: _term_values(source, term=t, base_mask=base_mask) for t in terms}
    table = pd.DataFrame(data, index=source.index).join(source[group_keys])
    return table.groupby(group_keys, sort=False).sum().reset_index()


def component_totals(rollups: pd.DataFrame, *, terms: Sequence[Term], period_start: date,
                     period_end: date, dimensions: Sequence[str] = (), per_day: bool = False,
                     department: Filter = None, kind: Filter = None,
                     segment: Filter = None) -> pd.DataFrame:
    """Per unit (× dimension values, × day if ``per_day``) the period total of each term.

    Units are those with any row in the period. The result is additive over units.
    """
    unknown = [d for d in dimensions if d not in SPLIT_DIMENSIONS]
    if unknown:
        raise ValueError(f"dimensions must be among {SPLIT_DIMENSIONS}, got {unknown}")
    filters = {"department": _as_list(department), "kind": _as_list(kind),
               "segment": _as_list(segment)}
    rows = _rows_in_period(rollups, start=period_start, end=period_end)
    unit_keys = ["unit_code", "day"] if per_day else ["unit_code"]
    frame = rows[unit_keys].drop_duplicates().sort_values(unit_keys)
    for dimension in dimensions:
        values = _dimension_values(rows, dimension, filters[dimension])
        # Typed explicitly: with no values (a unit with no rows of that grain) pandas would
        # make the empty column float, and the merges below would refuse it.
        frame = frame.merge(pd.DataFrame({dimension: pd.Series(values, dtype=object)}), how="cross")
    keys = [*unit_keys, *dimensions]
    by_grain: dict[tuple[str, str], list[Term]] = {}
    for term in dict.fromkeys(terms):
        component = COMPONENTS[term.component]
        by_grain.setdefault((component.grain, component.over_time), []).append(term)
    for (grain, over_time), grain_terms in by_grain.items():
        totals = _grain_totals(rows, grain=grain, over_time=over_time, terms=grain_terms,
                               keys=keys, filters=filters)
        on = [c for c in keys if c in totals.columns]
        frame = frame.merge(totals, on=on, how="left")
        # Sparse rows: absent means zero; integer counts stay integer.
        filled = {t.column: frame[t.column].fillna(0).astype(rows[t.component].dtype)
                  for t in grain_terms}
        frame = frame.assign(**filled)
    return frame.reset_index(drop=True)


def _sum_terms(arrays: dict[str, np.ndarray], terms: Sequence[Term]) -> np.ndarray:
    total = arrays[terms[0].column]
    for term in terms[1:]:
        total = total + arrays[term.column]
    return total


def _metric_value(arrays: dict[str, np.ndarray], metric: Metric) -> np.ndarray:
    numerator = _sum_terms(arrays, metric.numerator)
    if metric.aggregation in ("flow", "snapshot"):
        return numerator
    denominator = _sum_terms(arrays, metric.denominator).astype(float)
    # NaN, not 0 and not inf, where there is nothing to divide by.
    ratio = np.divide(numerator, denominator, out=np.full(len(denominator), np.nan),
                      where=denominator != 0)
    return metric.scale * ratio


def _resolve(metrics: Sequence[str], distinct_counts: pd.DataFrame | None) -> list[Metric]:
    resolved = [get_metric(name) for name in metrics]
    for metric in resolved:
        if metric.aggregation == "distinct" and (
            distinct_counts is None or metric.name not in distinct_counts.columns
        ):
            raise DistinctMetricError(
                f"{metric.name} is a distinct count: it cannot be built from additive rollup "
                "components; compute it from customer-level facts and pass it as "
                f"distinct_counts with a column {metric.name!r}"
            )
    return resolved


def metrics_from_components(totals: pd.DataFrame, *, metrics: Sequence[str], by: Sequence[str],
                            distinct_counts: pd.DataFrame | None = None,
                            include_components: bool = False) -> pd.DataFrame:
    """Sum per-unit component totals over units by ``by`` and compute the metrics.

    This is the "set of units" step: ratios are formed only after the sums.
    ``distinct_counts`` (keyed by ``by``) supplies distinct metrics, which cannot be summed.
    """
    chosen = _resolve(metrics, distinct_counts)
    columns = list(dict.fromkeys(t.column for m in chosen for t in m.terms))
    by = list(by)
    if by:
        grouped = totals.groupby(by, sort=True, as_index=False, dropna=False)[columns].sum()
    else:
        grouped = totals[columns].sum().to_frame().T.astype(float)
    arrays = {c: grouped[c].to_numpy() for c in columns}
    values = {m.name: _metric_value(arrays, m) for m in chosen if m.aggregation != "distinct"}
    result = pd.concat([grouped[by].reset_index(drop=True), pd.DataFrame(values)], axis=1)
    distinct = [m.name for m in chosen if m.aggregation == "distinct"]
    if distinct and not by:
        if len(distinct_counts) != 1:
            raise DistinctMetricError("with by=[] give distinct_counts as one row of totals")
        result = result.assign(**{name: distinct_counts[name].iloc[0] for name in distinct})
    elif distinct:
        result = result.merge(distinct_counts[[*by, *distinct]], on=by, how="left")
    names = [m.name for m in chosen]
    # A flow/snapshot metric *is* its component; list each remaining component once.
    extra = [c for c in columns if c not in names] if include_components else []
    if extra:
        result = pd.concat([result, grouped[extra].reset_index(drop=True)], axis=1)
    return result[[*by, *names, *extra]]


def _unit_attributes(rollups: pd.DataFrame, attributes: list[str]) -> pd.DataFrame:
    """Unit-level columns (e.g. level) asked for in ``by``; each must be constant per unit."""
    missing = [c for c in attributes if c not in rollups.columns]
    if missing:
        raise KeyError(f"cannot group by {missing}: not columns of the rollup rows")
    table = rollups[["unit_code", *attributes]].drop_duplicates()
    if table["unit_code"].duplicated().any():
        raise ValueError(f"columns {attributes} are not constant per unit_code")
    return table


def compute_metrics(rollups: pd.DataFrame, *, metrics: Sequence[str], period_start: date,
                    period_end: date, by: Sequence[str] = ("unit_code",),
                    department: Filter = None, kind: Filter = None, segment: Filter = None,
                    distinct_counts: pd.DataFrame | None = None,
                    include_components: bool = False) -> pd.DataFrame:
    """Metrics per ``by`` group for the period [period_start, period_end] (inclusive).

    ``by`` may hold unit_code, unit-level columns of the rollups (level, …), the split
    dimensions department/kind/segment, and ``day`` (then each day is its own period). An
    empty ``by`` sums every unit in the rows into one row — pass rows of one level only.
    """
    _resolve(metrics, distinct_counts)  # fail fast on distinct metrics before any work
    by = list(by)
    dimensions = [c for c in by if c in SPLIT_DIMENSIONS]
    per_day = "day" in by
    attributes = [c for c in by if c not in (*SPLIT_DIMENSIONS, "unit_code", "day")]
    terms = [t for name in metrics for t in get_metric(name).terms]
    totals = component_totals(rollups, terms=terms, period_start=period_start,
                              period_end=period_end, dimensions=dimensions, per_day=per_day,
                              department=department, kind=kind, segment=segment)
    if attributes:
        totals = totals.merge(_unit_attributes(rollups, attributes), on="unit_code", how="left")
    return metrics_from_components(totals, metrics=metrics, by=by, distinct_counts=distinct_counts,
                                   include_components=include_components)


def compute_metrics_for_sets(rollups: pd.DataFrame, *, unit_sets: pd.DataFrame,
                             metrics: Sequence[str], period_start: date, period_end: date,
                             dimensions: Sequence[str] = (), department: Filter = None,
                             kind: Filter = None, segment: Filter = None,
                             distinct_counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Metrics for sets of units (``unit_sets``: set_code, unit_code), e.g. a branch's outlets.

    Components are summed over each set's members and ratios formed at the set level, so a
    set's rate is never a mean of its members' rates. A unit may belong to several sets.
    """
    _resolve(metrics, distinct_counts)
    terms = [t for name in metrics for t in get_metric(name).terms]
    totals = component_totals(rollups, terms=terms, period_start=period_start,
                              period_end=period_end, dimensions=dimensions,
                              department=department, kind=kind, segment=segment)
    members = unit_sets[["set_code", "unit_code"]].drop_duplicates()
    in_sets = members.merge(totals, on="unit_code", how="inner")
    return metrics_from_components(in_sets, metrics=metrics, by=["set_code", *dimensions],
                                   distinct_counts=distinct_counts)
