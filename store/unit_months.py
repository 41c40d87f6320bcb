"""Period totals from rollup_month_unit: the path of store.totals.period_totals for the level
reads (every outlet of a subtree: league tables) that neither filter nor split by segment.

Same semantics as store.totals: a period's flows are summed from the month rows of its whole
months and from rollup_day for its edge days; a snapshot is its value on the grain's as-of day
(the last day of the period with any selected row of the grain). When that day lies in one of
the whole months, the snapshot comes from the month rows whose last_day is that day (see
store.schema.rollup_month_unit), else from the day's rows in rollup_day.

Why one statement per grain, combined in pandas, instead of one UNION ALL of every grain:
each grain's statement then carries only its own terms. On SQLite, a grouped row costs about
the same per output column whether it is a sum or a constant 0, and the outer GROUP BY of a
union adds every column of every part again: for the bank's 5,000 outlets that was most of
the statement's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Float, Select, Table, and_, case, cast, func, literal, select, union_all

from store import month_wide
from store.month_rollups import month_of
from store.pages import Scope
from store.fetch import plain_frame
from store.schema import rollup_day, rollup_month_unit
from store.totals import (GRAINS, Term, Units, _as_of, _grain, _hinted, _Plan, _scope_rows, _selection, _sql_type,
                          _summed)


def unsegmented(terms: Sequence[Term], dimensions: Sequence[str]) -> bool:
    """Whether rollup_month_unit can answer: no split and no filter by segment."""
    filtered = {dimension for term in terms for dimension, _ in term["filters"]}
    return "segment" not in dimensions and "segment" not in filtered


def _term_sum(table: Table, term: Term, as_of: date | None = None):  # noqa: ANN202 - a SQL expression
    """The term summed over rows already restricted to its grain; with `as_of`, only over the
    rows whose last day in the month is that day (a snapshot read from month rows)."""
    c = table.c
    value = 1 if term["component"] is None else c[term["component"]]
    conditions = [c[dimension].in_(list(values)) for dimension, values in term["filters"]]
    if as_of is not None:
        conditions.append(c.last_day == as_of)
    summed = func.sum(case((and_(*conditions), value), else_=0) if conditions else value)
    return cast(summed, _sql_type(term))  # PostgreSQL sums bigints into numeric


def _part(table: Table, where: list, keys: list[str], terms: Sequence[Term], grain: str, wanted: list[int],
          summed: dict[int, date | None], units: Units, codes: list[str] | None) -> Select:
    """One grain's SELECT with the columns t{n} of `wanted`: summed for the terms in `summed`
    (a snapshot on the date it maps to), 0 for the others."""
    columns = [(_term_sum(table, terms[n], summed[n]) if n in summed else cast(literal(0), _sql_type(terms[n])))
               .label(f"t{n}") for n in wanted]
    groups = [table.c[k] for k in keys]
    statement = select(*groups, *columns).where(*where, _grain(table, grain)).group_by(*groups)
    return _hinted(statement, table, units, codes)


def _grain_parts(connection: Connection, scope: Scope, units: Units, codes: list[str] | None, plan: _Plan,
                 start: date, end: date, terms: Sequence[Term], keys: list[str], grain: str) -> list[Select]:
    r, u = rollup_day, rollup_month_unit
    wanted = sorted(_summed(terms, grain))
    flows, snapshots = _summed(terms, grain, "flow"), _summed(terms, grain, "snapshot")
    day_where = [*_selection(r, units, codes), *_scope_rows(r, scope)]
    as_of = _as_of(connection, day_where, grain, start, end, units, codes) if snapshots else None
    in_months = as_of is not None and month_of(as_of) in plan.months
    from_months = {n: None for n in flows} | ({n: as_of for n in snapshots} if in_months else {})
    month_where = [*_selection(u, units, codes), u.c.month.in_(plan.months), *_scope_rows(u, scope)]
    parts = [_part(u, month_where, keys, terms, grain, wanted, from_months, units, codes)]
    if plan.edge_days:
        edge_where = [*day_where, r.c.day.in_(plan.edge_days)]
        parts.append(_part(r, edge_where, keys, terms, grain, wanted, dict.fromkeys(flows), units, codes))
    if as_of is not None and not in_months:
        parts.append(_part(r, [*day_where, r.c.day == as_of], keys, terms, grain, wanted, dict.fromkeys(snapshots),
                           units, codes))
    return parts


def over_period(connection: Connection, scope: Scope, units: Units, codes: list[str] | None, plan: _Plan,
                start: date, end: date, terms: Sequence[Term], dimensions: Sequence[str]) -> pd.DataFrame:
    """store.totals._over_period's frame (keys, t0…tn) for a plan with whole months."""
    wide = month_wide.over_period(connection, scope, units, codes, plan, start, end, terms, dimensions)
    if wide is not None:  # one pivoted row a unit answers it (league tables)
        return wide
    keys = ["unit_code", *dimensions]
    found = []
    for grain in GRAINS:
        parts = _grain_parts(connection, scope, units, codes, plan, start, end, terms, keys, grain)
        found.append(_union(connection, parts, keys, terms, sorted(_summed(terms, grain))))
    return _combined(found, keys, terms)


def _union(connection: Connection, parts: list[Select], keys: list[str], terms: Sequence[Term],
           wanted: list[int]) -> pd.DataFrame:
    """One grain's parts (month rows, edge days, as-of day) added group by group."""
    if len(parts) == 1:
        return plain_frame(connection, parts[0])
    both = union_all(*parts).subquery()
    sums = [cast(func.sum(both.c[f"t{n}"]), _sql_type(terms[n])).label(f"t{n}") for n in wanted]
    groups = [both.c[k] for k in keys]
    return plain_frame(connection, select(*groups, *sums).group_by(*groups))


def _combined(found: list[pd.DataFrame], keys: list[str], terms: Sequence[Term]) -> pd.DataFrame:
    """The grains' frames side by side: a key absent from a grain has 0 for its terms."""
    if len(keys) == 1:
        return _combined_by_unit(found, keys[0], terms)
    # One outer alignment on the keys (each frame has one row per key), not a merge per grain.
    out = pd.concat([part.set_index(keys) for part in found], axis=1, join="outer").sort_index()
    columns = {}
    for n, term in enumerate(terms):
        dtype = np.float64 if _sql_type(term) is Float else np.int64
        columns[f"t{n}"] = out[f"t{n}"].fillna(0).astype(dtype)
    return out.reset_index()[keys].assign(**{c: v.to_numpy() for c, v in columns.items()})


def _combined_by_unit(found: list[pd.DataFrame], key: str, terms: Sequence[Term]) -> pd.DataFrame:
    """_combined for one key (a league table's unit_code): the sorted keys as an index and each
    grain's values put at their positions, instead of the outer concat and sort_index of a
    string index that cost ~2/3 of this step for the bank's 5,000 outlets. Same frame."""
    order = pd.Index(pd.concat([part[key] for part in found], ignore_index=True).unique()).sort_values()
    columns = {}
    for part in found:
        where = order.get_indexer(part[key])
        for column in part.columns.drop(key):
            dtype = np.float64 if _sql_type(terms[int(column[1:])]) is Float else np.int64
            values = np.zeros(len(order), dtype=dtype)
            values[where] = part[column].fillna(0).to_numpy()  # a NULL sum counts 0, as before
            columns[column] = values
    return pd.DataFrame({key: order.array, **{f"t{n}": columns[f"t{n}"] for n in range(len(terms))}})
