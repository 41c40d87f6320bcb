"""Period totals of rollup components, summed in SQL: only one row per unit (× dimension
value, × day) crosses into Python, never the daily rollup rows of a period.

The caller (kpi.totals) describes what to sum as plain data, one *term* per output column:
``{"column", "component", "over_time": "flow"|"snapshot", "grain", "filters": [(dim, values)]}``
(a term whose component is None counts the rows of its grain). Semantics are those of
kpi/metrics.py: flows are summed over the period — from rollup_month for the months the
period covers and rollup_day for the remaining edge days; a snapshot is its value on the
grain's as-of day, the last day of the period on which the selected units have any row of
that grain (a unit without a row that day counts 0).

Row-level security: every read checks the unit against the caller's scope first (lineage)
and, for a scope with a department, reads only that department's conversion rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import (BigInteger, Connection, Engine, Float, Select, Table, and_, case, cast, func, literal, select,
                        union_all)

from sqlalchemy.dialects.sqlite.base import SQLiteCompiler

from store.month_rollups import month_of, next_month
from store.pages import Scope, latest_versions, lineage, subtree_codes
from store.read import frame
from store.schema import org_unit, rollup_day, rollup_month

ALL = "all"
GRAINS = ["behaviour", "customer", "conversion"]
Term = dict


@dataclass(frozen=True)
class Units:
    """Which units a read is about: one unit, the children of a parent, or the units at a
    level inside a subtree. Children are those whose rollup rows name `code` as parent."""

    how: str  # "unit" | "children" | "level"
    code: str
    level: str | None = None


@dataclass(frozen=True)
class _Plan:
    """Where a period's flows come from: whole months, and the edge days around them."""

    months: list[date]
    edge_days: list[date]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _loaded_range(connection: Connection, first: date, last: date) -> tuple[date | None, date | None]:
    r = rollup_day.c
    # Two scalar subqueries: SQLite answers a lone min() or max() of the primary key's leading
    # day with one seek, but scans the index range of the month for both at once.
    inside = r.day.between(first, last)
    earliest = select(func.min(r.day)).where(inside).scalar_subquery()
    latest = select(func.max(r.day)).where(inside).scalar_subquery()
    return tuple(connection.execute(select(earliest, latest)).one())  # type: ignore[return-value]


def plan_period(connection: Connection, start: date, end: date) -> _Plan:
    """Months whose loaded days all lie inside [start, end] come from rollup_month (a month
    cut by the period but loaded only inside it counts whole); every other day of the period
    is an edge day read from rollup_day."""
    months, edges, month = [], [], month_of(start)
    while month <= end:
        last = next_month(month) - timedelta(days=1)
        if month < start or last > end:
            first_loaded, last_loaded = _loaded_range(connection, month, last)
            if first_loaded is None:
                month = next_month(month)
                continue  # nothing loaded that month: nothing to read
            if first_loaded < start or last_loaded > end:
                edges += _days(max(month, start), min(last, end))
                month = next_month(month)
                continue
        months.append(month)
        month = next_month(month)
    return _Plan(months, edges)


def _grain(table: Table, grain: str):  # noqa: ANN202 - a SQL condition
    c = table.c
    if grain == "behaviour":
        return and_(c.department == ALL, c.kind == ALL)
    if grain == "customer":
        return and_(c.department == ALL, c.kind != ALL)
    return c.department != ALL


def _selection(table: Table, units: Units, codes: list[str] | None) -> list:
    c = table.c
    if units.how == "unit":
        return [c.unit_code == units.code]
    if units.how == "children":
        return [c.parent_code == units.code]
    if codes is None:
        return [c.level == units.level]
    return [c.level == units.level, c.unit_code.in_(codes)]


def _scope_rows(table: Table, scope: Scope) -> list:
    """A department-scoped caller reads only its own department's conversion rows."""
    if not scope.department:
        return []
    return [table.c.department.in_([ALL, scope.department])]


def _sql_type(term: Term):  # noqa: ANN202 - a SQLAlchemy type
    is_float = term["component"] is not None and isinstance(rollup_day.c[term["component"]].type, Float)
    return Float if is_float else BigInteger


def _term_sum(table: Table, term: Term):  # noqa: ANN202 - a SQL expression
    """The term summed over rows already restricted to its grain (a CASE only for filters)."""
    c = table.c
    value = 1 if term["component"] is None else c[term["component"]]
    filters = [c[dimension].in_(list(values)) for dimension, values in term["filters"]]
    summed = func.sum(case((and_(*filters), value), else_=0) if filters else value)
    # Cast: PostgreSQL sums bigints into numeric (Decimal in Python).
    return cast(summed, _sql_type(term))


# SQLite's planner, without statistics, prefers the primary key's leading day/month alone
# over an index that matches more columns; name the index each selection is served by.
_INDEXES = {
    ("rollup_day", "unit"): "sqlite_autoindex_rollup_day_1",  # (day, unit_code, department, kind, …)
    ("rollup_day", "children"): "ix_rollup_day_parent_day",
    ("rollup_day", "level"): "ix_rollup_day_level_day",
    ("rollup_month", "unit"): "sqlite_autoindex_rollup_month_1",  # (month, unit_code, department, kind, …)
    ("rollup_month", "children"): "ix_rollup_month_parent_month",
    ("rollup_month", "level"): "ix_rollup_month_level_month",
    ("rollup_month_unit", "unit"): "ix_rollup_month_unit_unit_month",
    ("rollup_month_unit", "children"): "ix_rollup_month_unit_parent_month",
    ("rollup_month_unit", "level"): "sqlite_autoindex_rollup_month_unit_1",  # (level, month, department, kind, …)
}


def _sqlite_from_hint(self, table, text):  # noqa: ANN001, ANN202 - SQLAlchemy's compiler hook
    return text if text and text.startswith("INDEXED BY ") else None


# SQLAlchemy's SQLite compiler renders no table hints (its hook returns None); SQLite's own
# syntax for one is `FROM table INDEXED BY index`. Only the hints made below start that way.
SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


def _hinted(statement: Select, table: Table, units: Units, codes: list[str] | None) -> Select:
    """A level read with a short list of codes seeks them on the primary key (day|month, unit)."""
    how = "unit" if units.how == "level" and codes is not None else units.how
    return statement.with_hint(table, f"INDEXED BY {_INDEXES[(table.name, how)]}", "sqlite")


def _part(table: Table, where: list, keys: list[str], terms: Sequence[Term], grain: str,
          summed: set[int], units: Units, codes: list[str] | None) -> Select:
    """One SELECT over the selected rows of one grain: the terms numbered in `summed` are
    summed, every other is 0. Splitting by grain evaluates each row only for its own terms and
    lets SQLite seek the primary key on the grain's dimensions."""
    columns = [(_term_sum(table, t) if n in summed else cast(literal(0), _sql_type(t))).label(f"t{n}")
               for n, t in enumerate(terms)]
    groups = [table.c[k] for k in keys]
    statement = select(*groups, *columns).where(*where, _grain(table, grain)).group_by(*groups)
    return _hinted(statement, table, units, codes)


def _summed(terms: Sequence[Term], grain: str, over_time: str | None = None) -> set[int]:
    return {n for n, t in enumerate(terms) if t["grain"] == grain and over_time in (None, t["over_time"])}


def _union(connection: Connection, parts: list[Select], keys: list[str], terms: Sequence[Term]) -> pd.DataFrame:
    """The parts added group by group, in one statement."""
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in keys})
    if len(parts) == 1:
        return frame(connection, parts[0])
    both = union_all(*parts).subquery()
    sums = [cast(func.sum(both.c[f"t{n}"]), _sql_type(t)).label(f"t{n}") for n, t in enumerate(terms)]
    groups = [both.c[k] for k in keys]
    return frame(connection, select(*groups, *sums).group_by(*groups))


def _as_of(connection: Connection, where: list, grain: str, start: date, end: date, units: Units,
           codes: list[str] | None) -> date | None:
    """The last day in [start, end] with any selected row of `grain`: probed day by day from
    the end (each probe is an index seek; the first usually answers)."""
    r = rollup_day.c
    for day in reversed(_days(start, end)):
        probe = select(r.day).where(*where, _grain(rollup_day, grain), r.day == day).limit(1)
        found = connection.execute(_hinted(probe, rollup_day, units, codes)).first()
        if found is not None:
            return day
    return None


def _checked_codes(engine: Engine, scope: Scope, units: Units, end: date) -> list[str] | None:
    """Refuse a unit outside the caller's scope; for a level read, the codes of the subtree at
    that level — or None under the top of the org, whose subtree is every unit (a list of
    thousands of codes would only slow every statement down)."""
    path = lineage(engine, scope=scope, code=units.code, day=end)  # refuse anything outside scope
    if units.how != "level" or pd.isna(path["parent_code"].iloc[-1]):
        return None
    return subtree_codes(engine, root=units.code, day=end, level=units.level)


def period_totals(engine: Engine, *, scope: Scope, units: Units, start: date, end: date,
                  terms: Sequence[Term], dimensions: Sequence[str] = (), per_day: bool = False,
                  prune_grains: bool = False) -> pd.DataFrame:
    """One row per unit (× each dimension's value, "all" on rows of grains that do not split
    it; × day if `per_day`) with each term's total over [start, end].

    Units (and days) are those with any selected row in the period. `prune_grains` reads only
    rows of the terms' grains (a trend of behaviour snapshots need not scan conversions)."""
    codes = _checked_codes(engine, scope, units, end)
    labels = {f"t{n}": term["column"] for n, term in enumerate(terms)}
    with engine.connect() as connection:
        if per_day:
            result = _per_day(connection, scope, units, codes, start, end, terms, dimensions, prune_grains)
        else:
            result = _over_period(connection, scope, units, codes, start, end, terms, dimensions)
    return result.rename(columns=labels)


def _per_day(connection: Connection, scope: Scope, units: Units, codes: list[str] | None, start: date,
             end: date, terms: Sequence[Term], dimensions: Sequence[str], prune_grains: bool) -> pd.DataFrame:
    # An explicit list of days, not a range: the primary key leads with day, so each day is a
    # seek (day, unit, grain) instead of a scan of every unit's rows of the period.
    where = [*_selection(rollup_day, units, codes), rollup_day.c.day.in_(_days(start, end)),
             *_scope_rows(rollup_day, scope)]
    grains = sorted({t["grain"] for t in terms}) if prune_grains else GRAINS
    keys = ["unit_code", "day", *dimensions]
    parts = [_part(rollup_day, where, keys, terms, g, _summed(terms, g), units, codes) for g in grains]
    out = _union(connection, parts, keys, terms)
    return out.assign(day=pd.to_datetime(out["day"]))


def _over_period(connection: Connection, scope: Scope, units: Units, codes: list[str] | None, start: date,
                 end: date, terms: Sequence[Term], dimensions: Sequence[str]) -> pd.DataFrame:
    """Flows from month rows (whole months) and day rows (edge days), snapshots from the day
    rows of their grain's as-of day, per grain, added up in one statement. Every grain is
    read even without terms: units and dimension values are those of any row, as in kpi."""
    plan = plan_period(connection, start, end)
    # A level read (every outlet of a subtree) is where month rows without segments pay; for
    # one unit or a parent's children the single statement below is cheaper than one a grain.
    if units.how == "level" and plan.months and unit_months.unsegmented(terms, dimensions):
        return unit_months.over_period(connection, scope, units, codes, plan, start, end, terms, dimensions)
    keys = ["unit_code", *dimensions]
    r, m = rollup_day, rollup_month
    day_where = [*_selection(r, units, codes), *_scope_rows(r, scope)]
    parts = []
    for grain in GRAINS:
        flows = _summed(terms, grain, "flow")
        if plan.months:
            where = [*_selection(m, units, codes), m.c.month.in_(plan.months), *_scope_rows(m, scope)]
            parts.append(_part(m, where, keys, terms, grain, flows, units, codes))
        if plan.edge_days:
            parts.append(_part(r, [*day_where, r.c.day.in_(plan.edge_days)], keys, terms, grain, flows, units, codes))
        snapshots = _summed(terms, grain, "snapshot")
        as_of = _as_of(connection, day_where, grain, start, end, units, codes) if snapshots else None
        if as_of is not None:
            parts.append(_part(r, [*day_where, r.c.day == as_of], keys, terms, grain, snapshots, units, codes))
    return _union(connection, parts, keys, terms)


# Imported last: store.unit_months builds on this module's helpers (the segment-free path of
# _over_period above).
from store import unit_months  # noqa: E402


NAME_COLUMNS = ["unit_code", "name", "name_en", "level"]
_MANY_CODES = 500  # beyond this, reading the whole org (~5,700 units) beats binding every code


def unit_names(engine: Engine, *, codes: Sequence[str], day: date) -> pd.DataFrame:
    """unit_code, name, name_en, level of `codes` in their latest version begun by `day`
    (units merged away keep theirs), like store.pages.last_names but only for these units."""
    wanted = set(codes)
    u = org_unit.c
    with engine.connect() as connection:
        if len(wanted) > _MANY_CODES:
            versions = latest_versions(connection, day, u.name, u.name_en)
            rows = [(code, name, name_en, level) for code, _, level, name, name_en in versions if code in wanted]
        else:
            statement = select(u.code, u.name, u.name_en, u.level).where(u.valid_from <= day, u.code.in_(sorted(wanted)))
            latest = {row[0]: tuple(row) for row in connection.execute(statement.order_by(u.code, u.valid_from))}
            rows = list(latest.values())  # ordered by valid_from: the last version of a code wins
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in NAME_COLUMNS})
    return pd.DataFrame(rows, columns=NAME_COLUMNS)
