"""Collapsed rollup rows: a period's rollup_day rows folded into one row per unit ×
department × kind × segment, for the KPI code that takes rollup-shaped rows (the bulletin,
attainment, the actuals of target cells).

Each row's flows are summed over the period; its snapshots are taken on the unit's own last
day of the row's grain within the period, and `day` is set to that day. kpi.compute_metrics
over these rows gives the same answer as over the daily rows — for any subset of the units and
any filter — because it takes a grain's snapshot on the last day any given row of that grain
has, and a unit whose last day is earlier than another's contributes its snapshot only when
no unit of the subset has a later day, exactly as with the daily rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Engine, Float, Select, cast, func, or_, select, union_all

from store.read import frame
from store.schema import BEHAVIOUR_COMPONENTS, FLOW_COMPONENTS, SNAPSHOT_COMPONENTS, COMPONENTS, rollup_day, rollup_month
from store.totals import (ALL, Scope, Units, _checked_codes, _grain, _hinted, _scope_rows, _selection, plan_period,
                          unit_names)

KEYS = ["unit_code", "level", "department", "kind", "segment"]
SNAPSHOTS = [c for c in COMPONENTS if c in SNAPSHOT_COMPONENTS]


def _sum(column):  # noqa: ANN001, ANN202 - SQL expressions
    return cast(func.sum(column), Float if isinstance(column.type, Float) else BigInteger)


def _grain_labels(rows: pd.DataFrame) -> np.ndarray:
    return np.where(rows["department"] != ALL, "conversion", np.where(rows["kind"] != ALL, "customer", "behaviour"))


def collapsed_rollups(engine: Engine, *, scope: Scope, units: Units, start: date, end: date,
                      names: bool = True, components: Sequence[str] | None = None) -> pd.DataFrame:
    """Rollup-shaped rows of `units` for [start, end], collapsed (see the module docstring),
    with each unit's name and name_en when `names`. Empty when the units have no rows.

    `components` (None = all) limits the columns read: the attainment of a page needs a few of
    the ~30, and each one costs in SQL and in every pandas step below. The rows, their `day`
    and the values of the columns read are the same either way (a row's existence and day
    come from its keys' month and edge-day rows, not from any component)."""
    flows, snapshots = _chosen(components)
    codes = _checked_codes(engine, scope, units, end)
    with engine.connect() as connection:
        plan = plan_period(connection, start, end)
        parts = []
        if plan.months:
            m = rollup_month
            where = [*_selection(m, units, codes), m.c.month.in_(plan.months), *_scope_rows(m, scope)]
            parts.append(_hinted(select(*[m.c[k] for k in KEYS], func.max(m.c.last_day).label("last_day"),
                                        *[_sum(m.c[f]).label(f) for f in flows])
                                 .where(*where).group_by(*[m.c[k] for k in KEYS]), m, units, codes))
        if plan.edge_days:
            r = rollup_day
            where = [*_selection(r, units, codes), r.c.day.in_(plan.edge_days), *_scope_rows(r, scope)]
            parts.append(_hinted(select(*[r.c[k] for k in KEYS], func.max(r.c.day).label("last_day"),
                                        *[_sum(r.c[f]).label(f) for f in flows])
                                 .where(*where).group_by(*[r.c[k] for k in KEYS]), r, units, codes))
        if not parts:
            return pd.DataFrame()
        statement = parts[0] if len(parts) == 1 else _added(parts, flows)
        flow_rows = frame(connection, statement)
        if flow_rows.empty:
            return pd.DataFrame()
        grains = _grain_labels(flow_rows)
        # Each row's day, its unit's last day of the row's grain: one groupby, not a merge.
        day = pd.to_datetime(flow_rows["last_day"]).groupby([flow_rows["unit_code"], grains]).transform("max")
        rows = flow_rows.drop(columns="last_day")
        if snapshots:  # every snapshot row's keys have month or edge-day rows: a left merge loses none
            last = pd.DataFrame({"unit_code": rows["unit_code"], "_grain": grains, "day": day}).drop_duplicates()
            days = sorted(set(last["day"].dt.date))
            found = _snapshots(connection, scope, units, codes, days, last, snapshots)
            at = _positions(found, rows, KEYS)  # a left merge on KEYS, unique in `found`
            rows = rows.assign(**{s: _taken(found[s], at) for s in snapshots})
            rows[snapshots] = rows[snapshots].fillna(0)
    rows["day"] = day.to_numpy()
    types = {c: "float64" if isinstance(rollup_day.c[c].type, Float) else "int64" for c in [*flows, *snapshots]}
    rows = rows.astype({c: t for c, t in types.items() if rows[c].dtype != t})  # a cast copies: only where needed
    if names:
        found = unit_names(engine, codes=rows["unit_code"].unique().tolist(), day=end)
        at = _positions(found, rows, ["unit_code"])
        rows = rows.assign(name=found["name"].array.take(at, allow_fill=True),
                           name_en=found["name_en"].array.take(at, allow_fill=True))
    return rows.sort_values(KEYS).reset_index(drop=True)


# Joins by positions over Python tuples, not pandas merges: on a page's few hundred rows a merge
# on pyarrow string keys costs ~5 ms of fixed work each (three a read), these well under 1 ms.
def _keys(frame: pd.DataFrame, keys: list[str]) -> list[tuple]:
    return list(zip(*(frame[k].tolist() for k in keys), strict=True))


def _positions(other: pd.DataFrame, rows: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each of `rows`, the position of its keys in `other` (keys unique there), -1 if absent."""
    where = {key: n for n, key in enumerate(_keys(other, keys))}
    return np.array([where.get(key, -1) for key in _keys(rows, keys)], dtype=np.int64)


def _taken(values: pd.Series, at: np.ndarray) -> np.ndarray:
    """values at positions `at` as floats, NaN at -1 (what a left merge leaves unmatched)."""
    out = values.to_numpy(dtype=np.float64)[at] if len(values) else np.full(len(at), np.nan)
    return np.where(at >= 0, out, np.nan)


def collapsed_units(engine: Engine, *, scope: Scope, units: Units, start: date, end: date) -> list[str]:
    """The codes (sorted) of the units collapsed_rollups returns rows for, without reading the
    rows: the attainment of a branch's outlets, which mostly have no targets, looks the targets
    up first and reads rollups only if there are some."""
    codes = _checked_codes(engine, scope, units, end)
    found: set[str] = set()
    with engine.connect() as connection:
        plan = plan_period(connection, start, end)
        for table, column, values in ((rollup_month, "month", plan.months), (rollup_day, "day", plan.edge_days)):
            if values:
                where = [*_selection(table, units, codes), table.c[column].in_(values), *_scope_rows(table, scope)]
                statement = _hinted(select(table.c.unit_code).where(*where).distinct(), table, units, codes)
                found |= set(connection.execute(statement).scalars())
    return sorted(found)


def _chosen(components: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The flow and the snapshot columns to read, in the table's order."""
    if components is None:
        return list(FLOW_COMPONENTS), list(SNAPSHOTS)
    unknown = set(components) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown components {sorted(unknown)}")
    return [c for c in FLOW_COMPONENTS if c in components], [c for c in SNAPSHOTS if c in components]


def _added(parts: list[Select], flows: list[str]) -> Select:
    """The month and edge-day parts added key by key (a lone part is already grouped)."""
    both = union_all(*parts).subquery()
    return select(*[both.c[k] for k in KEYS], func.max(both.c.last_day).label("last_day"),
                  *[_sum(both.c[f]).label(f) for f in flows]).group_by(*[both.c[k] for k in KEYS])


def _snapshots(connection, scope: Scope, units: Units, codes: list[str] | None,  # noqa: ANN001
               days: list[date], last: pd.DataFrame, snapshots: list[str]) -> pd.DataFrame:
    """Snapshot components of each unit's rows on its own last day of the row's grain."""
    r = rollup_day
    # Only rows of the snapshots' grains: a row of another grain holds 0 of them, and its keys
    # are among the flow rows anyway (the behaviour snapshots of a province: 1 row, not ~25).
    grains = sorted({"behaviour" if s in BEHAVIOUR_COMPONENTS else "customer" for s in snapshots})
    where = [*_selection(r, units, codes), r.c.day.in_(days), *_scope_rows(r, scope),
             or_(*[_grain(r, g) for g in grains])]
    statement = select(r.c.day, *[r.c[k] for k in KEYS], *[_sum(r.c[s]).label(s) for s in snapshots])
    statement = statement.where(*where).group_by(r.c.day, *[r.c[k] for k in KEYS])
    rows = frame(connection, _hinted(statement, r, units, codes))
    rows = rows.assign(day=pd.to_datetime(rows["day"]), _grain=_grain_labels(rows))
    # An inner merge with `last` (unique keys): the rows on their unit and grain's last day.
    on = ["unit_code", "_grain", "day"]
    wanted = set(_keys(last.astype({"day": rows["day"].dtype}), on))
    kept = rows[[key in wanted for key in _keys(rows, on)]].reset_index(drop=True)
    return kept.drop(columns=["_grain", "day"])
