"""Metrics from period totals summed by the store, with the semantics of kpi/metrics.py.

`compute_metrics` takes daily rollup rows and aggregates them in pandas; on a year of a
large bank those rows are millions. Here the work is split instead: `term_specs` says, as
plain data, which component totals a set of metrics needs (with each term's grain, whether it
is a flow or a snapshot, and the filters that apply to it); the store sums them in SQL
(store.totals.period_totals); `shape_totals` lays the result out exactly as
`component_totals` would (every unit × every dimension value, absent = 0, a term of a grain
that does not split a dimension repeated for each of its values); `metrics_from_components`
then forms the ratios of sums. `period_totals_by` turns per-day totals into the totals of
several periods (weekly trend points) with the same as-of-day rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from kpi.metrics import Filter, _as_list
from kpi.registry import ALL, COMPONENTS, GRAIN_DIMENSIONS, SPLIT_DIMENSIONS, get_metric

ROWS = "_rows"  # prefix of the row-count terms: whether a grain has rows on a day


def _filters(department: Filter, kind: Filter, segment: Filter) -> dict[str, list[str] | None]:
    return {"department": _as_list(department), "kind": _as_list(kind), "segment": _as_list(segment)}


def term_specs(metrics: Sequence[str], *, department: Filter = None, kind: Filter = None,
               segment: Filter = None, row_counts: bool = False) -> list[dict]:
    """The distinct terms of `metrics` as plain data for the store.

    A caller's filter applies only to the dimensions the term's grain splits, and is ANDed
    with the term's own filters (coverage_rate's contacts_live[kind=stock]). With
    `row_counts`, one more term per snapshot grain counts that grain's rows (see
    `period_totals_by`)."""
    chosen = _filters(department, kind, segment)
    terms = dict.fromkeys(t for name in metrics for t in get_metric(name).terms)
    specs = []
    for term in terms:
        component = COMPONENTS[term.component]
        split = GRAIN_DIMENSIONS[component.grain]
        filters = [(d, v) for d, v in chosen.items() if v is not None and d in split]
        filters += [(d, [v]) for d, v in term.filters]
        specs.append({"column": term.column, "component": term.component, "over_time": component.over_time,
                      "grain": component.grain, "filters": filters})
    if row_counts:
        grains = sorted({s["grain"] for s in specs if s["over_time"] == "snapshot"})
        specs += [{"column": f"{ROWS}[{g}]", "component": None, "over_time": "flow", "grain": g, "filters": []}
                  for g in grains]
    return specs


def shape_totals(raw: pd.DataFrame, specs: Sequence[dict], *, dimensions: Sequence[str] = (),
                 per_day: bool = False, department: Filter = None, kind: Filter = None,
                 segment: Filter = None) -> pd.DataFrame:
    """The store's grouped totals laid out like `kpi.metrics.component_totals`."""
    unknown = [d for d in dimensions if d not in SPLIT_DIMENSIONS]
    if unknown:
        raise ValueError(f"dimensions must be among {SPLIT_DIMENSIONS}, got {unknown}")
    chosen = _filters(department, kind, segment)
    unit_keys = ["unit_code", "day"] if per_day else ["unit_code"]
    if not dimensions:  # the store grouped by the units (and days) alone: already one row each
        columns = list(dict.fromkeys(s["column"] for s in specs))
        return raw[[*unit_keys, *columns]].sort_values(unit_keys).reset_index(drop=True)
    frame = raw[unit_keys].drop_duplicates().sort_values(unit_keys)
    for dimension in dimensions:
        values = chosen[dimension]
        values = sorted(values) if values is not None else sorted(v for v in raw[dimension].unique() if v != ALL)
        frame = frame.merge(pd.DataFrame({dimension: pd.Series(values, dtype=object)}), how="cross")
    by_split: dict[tuple[str, ...], list[str]] = {}
    for spec in specs:
        split = tuple(d for d in dimensions if d in GRAIN_DIMENSIONS[spec["grain"]])
        by_split.setdefault(split, []).append(spec["column"])
    for split, columns in by_split.items():
        keys = [*unit_keys, *split]
        # Rows of other grains hold 0 for these terms (the store sums by grain), so summing
        # over the dimensions the grain does not split gives the grain's own total.
        totals = raw.groupby(keys, sort=False)[columns].sum().reset_index()
        frame = frame.merge(totals, on=keys, how="left")
        frame = frame.assign(**{c: frame[c].fillna(0).astype(raw[c].dtype) for c in columns})
    return frame.reset_index(drop=True)


def period_totals_by(daily: pd.DataFrame, specs: Sequence[dict], periods: Sequence[tuple[date, date]],
                     ) -> pd.DataFrame:
    """Totals of each period (start, end) from per-day totals (unit_code, day, terms, and the
    row counts of `term_specs(..., row_counts=True)`), summed over units: one row per period
    with `day` = its start. Flows are summed over the period's days; a snapshot is taken on the
    last day of the period on which its grain has rows (0 if none)."""
    days = pd.to_datetime(daily["day"])
    out = []
    for start, end in periods:
        inside = daily.loc[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]
        row = {"day": pd.Timestamp(start)}
        for spec in specs:
            column = spec["column"]
            if spec["over_time"] == "flow":
                row[column] = inside[column].sum()
                continue
            has_rows = inside.loc[inside[f"{ROWS}[{spec['grain']}]"] > 0, "day"]
            on = inside.loc[inside["day"] == has_rows.max(), column] if not has_rows.empty else inside[column][:0]
            row[column] = on.sum()
        out.append(row)
    columns = [s["column"] for s in specs]
    result = pd.DataFrame(out, columns=["day", *columns])
    return result.astype({c: daily[c].dtype if c in daily else np.int64 for c in columns})
