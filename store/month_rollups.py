"""rollup_month: the flow components of rollup_day summed per calendar month, and
rollup_month_unit: the same without the segment split, with each row's last-day snapshots.

Rebuilt in SQL (one DELETE and one INSERT … SELECT … GROUP BY per table and call): rollup_month
from rollup_day, rollup_month_unit from rollup_month and the last days' rows of rollup_day,
rollup_month_wide from rollup_month_unit (store.month_wide), so none can disagree with the
days they sum as long as they are rebuilt after them: the ETL calls `rebuild_month_rollups` at
the end of every rollup rebuild (etl/rollups.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, Connection, Date, Float, and_, cast, delete, func, insert, or_, select

from store.sums import stable_sum
from store.schema import COMPONENTS, FLOW_COMPONENTS, SNAPSHOT_COMPONENTS, rollup_day, rollup_month, rollup_month_unit

NO_PARENT = ""  # parent_code is part of the key, so the head office's NULL is stored as ""


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_of(days: Iterable[date]) -> list[date]:
    """The distinct months (first days) of `days`, sorted."""
    return sorted({month_of(day) for day in days})


def _month_expression(connection: Connection) -> ColumnElement:
    """The first day of rollup_day.day's month, in the backend's own date arithmetic."""
    if connection.dialect.name == "sqlite":
        return func.date(rollup_day.c.day, "start of month")
    return cast(func.date_trunc("month", rollup_day.c.day), Date)


def _stale_months(connection: Connection) -> list[date]:
    """Months whose newest day in rollup_day has no month row ending on it: a load killed
    between writing days and summing their month leaves those, and its rerun may rebuild other
    days only. One seek per month and, where the month is current, one row found."""
    r, m = rollup_day.c, rollup_month.c
    first = connection.execute(select(func.min(r.day))).scalar()
    last = connection.execute(select(func.max(r.day))).scalar()
    stale, month = [], month_of(first) if first else None
    while month is not None and month <= last:
        newest = connection.execute(select(func.max(r.day)).where(r.day >= month, r.day < next_month(month))).scalar()
        if newest is not None:
            found = connection.execute(select(m.month).where(m.month == month, m.last_day == newest).limit(1)).first()
            if found is None:
                stale.append(month)
        month = next_month(month)
    return stale


def rebuild_month_rollups(connection: Connection, months: Iterable[date]) -> int:
    """Replace the rows of `months` (first days), and of any stale month, by the sums of their
    days in rollup_day.

    The caller owns the transaction. Returns the number of month rows written."""
    months = sorted({month_of(m) for m in months} | set(_stale_months(connection)))
    if not months:
        return 0
    connection.execute(delete(rollup_month).where(rollup_month.c.month.in_(months)))
    r = rollup_day.c
    month = _month_expression(connection)
    parent = func.coalesce(r.parent_code, NO_PARENT)
    keys = [month, r.unit_code, r.level, parent, r.department, r.kind, r.segment]
    # Ranges on day (not the month expression) so the primary key's leading day column is used.
    in_months = or_(*[and_(r.day >= m, r.day < next_month(m)) for m in months])
    sums = [stable_sum(r[name], is_float=isinstance(r[name].type, Float)) for name in FLOW_COMPONENTS]
    statement = select(*keys, func.max(r.day), *sums)
    statement = statement.where(in_months).group_by(*keys)
    columns = ["month", "unit_code", "level", "parent_code", "department", "kind", "segment", "last_day",
               *FLOW_COMPONENTS]
    result = connection.execute(insert(rollup_month).from_select(columns, statement))
    _rebuild_unit_months(connection, months)
    return max(result.rowcount or 0, 0)


def _rebuild_unit_months(connection: Connection, months: list[date]) -> None:
    """rollup_month_unit for `months`: rollup_month's rows summed over segments, and the
    snapshots of each row's last day, summed over the segments with a day row then."""
    connection.execute(delete(rollup_month_unit).where(rollup_month_unit.c.month.in_(months)))
    m, r = rollup_month.c, rollup_day.c
    keys = ["level", "month", "department", "kind", "unit_code", "parent_code"]
    flows = (select(*[m[k] for k in keys], func.max(m.last_day).label("last_day"),
                    *[stable_sum(m[name], is_float=isinstance(m[name].type, Float)).label(name)
                      for name in FLOW_COMPONENTS])
             .where(m.month.in_(months)).group_by(*[m[k] for k in keys]).cte("flows"))
    f = flows.c
    # The last day's rows of the unit, department and kind: one per segment that has one (the
    # unit's level and parent that day are the row's, since the row ends on it).
    last = and_(r.day == f.last_day, r.unit_code == f.unit_code, r.department == f.department, r.kind == f.kind)
    snapshots = [name for name in COMPONENTS if name in SNAPSHOT_COMPONENTS]
    ends = (select(*[f[k] for k in keys], *[func.sum(r[name]).label(name) for name in snapshots])
            .select_from(flows.join(rollup_day, last)).group_by(*[f[k] for k in keys]).cte("ends"))
    e = ends.c
    statement = select(*[f[k] for k in keys], f.last_day, *[f[name] for name in FLOW_COMPONENTS],
                       *[func.coalesce(e[name], 0) for name in snapshots])
    statement = statement.select_from(flows.outerjoin(ends, and_(*[e[k] == f[k] for k in keys])))
    columns = [*keys, "last_day", *FLOW_COMPONENTS, *snapshots]
    connection.execute(insert(rollup_month_unit).from_select(columns, statement))
    # Imported here: store.month_wide builds on store.totals, which imports this module.
    from store.month_wide import rebuild

    rebuild(connection, months)  # pivoted from the rows just written
