"""rollup_month_wide (store.schema): its rebuild from rollup_month_unit, and the period totals
of the level reads it can answer, one row per unit without grouping kinds and departments.

A read is answered here only when its result is exactly store.unit_months' (else None, and
the caller takes that path): a level read over whole months only (no edge days), with no
dimension, no department scope, every term on an integer component whose filters name only
kinds, and every snapshot grain's as-of day inside those months. Integers only: a float sum
depends on the order it is added in, and this table adds kinds and departments earlier.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from sqlalchemy import BigInteger, Connection, and_, case, cast, delete, func, insert, literal, select

from store.fetch import plain_frame
from store.month_rollups import month_of
from store.pages import Scope
from store.schema import (CUSTOMER_COMPONENTS, SNAPSHOT_COMPONENTS, WIDE_BEHAVIOUR, WIDE_BY_KIND, WIDE_KINDS,
                          rollup_day, rollup_month_unit, rollup_month_wide)
from store.totals import ALL, Term, Units, _as_of, _Plan, _scope_rows, _selection

def rebuild(connection: Connection, months: Sequence[date]) -> None:
    """Replace the rows of `months` by rollup_month_unit's, pivoted (the caller owns the
    transaction and has rebuilt rollup_month_unit for those months)."""
    connection.execute(delete(rollup_month_wide).where(rollup_month_wide.c.month.in_(months)))
    u = rollup_month_unit.c
    keys = [u.level, u.month, u.unit_code]
    ends = (select(*keys, u.kind, func.max(u.last_day).label("day"))
            .where(u.month.in_(months), u.department == ALL).group_by(*keys, u.kind).cte("ends"))
    e = ends.c
    joined = rollup_month_unit.outerjoin(ends, and_(e.level == u.level, e.month == u.month, e.unit_code == u.unit_code,
                                                    e.kind == u.kind, u.department == ALL))
    behaviour = and_(u.department == ALL, u.kind == ALL)
    values = {"behaviour_day": func.max(case((behaviour, u.last_day)))}
    for kind in WIDE_KINDS:
        values[f"customer_day_{kind}"] = func.max(case((and_(u.department == ALL, u.kind == kind), u.last_day)))
    for name in WIDE_BEHAVIOUR:
        values[name] = _pivot(u[name], behaviour, at_end=name in SNAPSHOT_COMPONENTS, last_day=u.last_day, end=e.day)
    for name in WIDE_BY_KIND:
        department = u.department == ALL if name in CUSTOMER_COMPONENTS else u.department != ALL
        for kind in WIDE_KINDS:
            values[f"{name}_{kind}"] = _pivot(u[name], and_(department, u.kind == kind),
                                              at_end=name in SNAPSHOT_COMPONENTS, last_day=u.last_day, end=e.day)
    statement = (select(*keys, *values.values()).select_from(joined).where(u.month.in_(months)).group_by(*keys))
    connection.execute(insert(rollup_month_wide).from_select(["level", "month", "unit_code", *values], statement))


def _pivot(column, rows, *, at_end: bool, last_day, end):  # noqa: ANN001, ANN202 - SQL expressions
    """Σ column over `rows`; a snapshot only over those on the last day of their unit and kind."""
    condition = and_(rows, last_day == end) if at_end else rows
    return cast(func.coalesce(func.sum(case((condition, column), else_=0)), 0), BigInteger)


def over_period(connection: Connection, scope: Scope, units: Units, codes: list[str] | None, plan: _Plan,
                start: date, end: date, terms: Sequence[Term], dimensions: Sequence[str]) -> pd.DataFrame | None:
    """store.unit_months.over_period's frame (unit_code, t0…tn), or None if this table cannot
    give exactly that (see the module docstring)."""
    if plan.edge_days or dimensions or scope.department or units.how != "level":
        return None
    day_where = [*_selection(rollup_day, units, codes), *_scope_rows(rollup_day, scope)]
    as_of: dict[str, date | None] = {}
    for grain in sorted({t["grain"] for t in terms if t["over_time"] == "snapshot"}):
        as_of[grain] = _as_of(connection, day_where, grain, start, end, units, codes)
        if as_of[grain] is not None and month_of(as_of[grain]) not in plan.months:
            return None  # the snapshot comes from the as-of day's rows in rollup_day
    # One month has one row a unit (the primary key): its values need no GROUP BY, whose
    # aggregates cost SQLite about as much again as reading the rows.
    one_month = len(plan.months) == 1
    columns = [_term(term, as_of.get(term["grain"]), summed=not one_month) for term in terms]
    if any(column is None for column in columns):
        return None
    w = rollup_month_wide.c
    where = [w.level == units.level, w.month.in_(plan.months), *([w.unit_code.in_(codes)] if codes is not None else [])]
    statement = select(w.unit_code, *[c.label(f"t{n}") for n, c in enumerate(columns)]).where(*where)
    statement = statement if one_month else statement.group_by(w.unit_code)
    found = plain_frame(connection, statement)
    from store.unit_months import _combined  # the same layout and order as that path
    return _combined([found], ["unit_code"], terms)


def _term(term: Term, as_of: date | None, *, summed: bool):  # noqa: ANN202 - a SQL expression, or None
    """The term over the wide rows (their sum if `summed`), or None if they cannot give it exactly."""
    name, grain, w = term["component"], term["grain"], rollup_month_wide.c
    kinds = set(WIDE_KINDS)
    for dimension, values in term["filters"]:
        if dimension != "kind":
            return None
        kinds &= set(values)
    if grain == "behaviour":
        if name not in WIDE_BEHAVIOUR or term["filters"]:
            return None
        parts = [(w[name], w.behaviour_day)]
    elif name in WIDE_BY_KIND and (grain == "customer" or term["over_time"] == "flow"):
        parts = [(w[f"{name}_{kind}"], w[f"customer_day_{kind}"]) for kind in sorted(kinds)]
    else:
        return None  # a float, a row count, or a conversion snapshot
    if term["over_time"] == "snapshot":
        parts = [(case((day == as_of, value), else_=0) if as_of is not None else None, day) for value, day in parts]
    values = [value for value, _ in parts if value is not None]
    total = sum(values[1:], values[0]) if values else literal(0)
    return cast(func.sum(total) if summed else total, BigInteger)
