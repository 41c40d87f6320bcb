"""Staff-level sums kept for fast page reads: staff_month (per month) and staff_live (relations
live per staff at the end of chosen days). See the tables in store/schema.py.

Placement is the rollups' rule, done in SQL: a fact belongs to the outlet of the roster
version valid on the fact's own day. The SELECTs that place and sum facts are shared by the
monthly rebuild (INSERT … SELECT) and by store.staff_reads (the days a period does not cover
with whole months), so both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import (Connection, Date, Engine, Float, Select, and_, case, cast, delete, func, insert, literal, null,
                        or_, select, union_all)

from store import bulk
from store.sums import stable_sum
from store.schema import (STAFF_DAYS, STAFF_FLOWS, STAFF_SALES, STAFF_WEIGHTS, fact_conversion, fact_staff_day,
                          staff, staff_live, staff_month)

ALL = "all"
PRODUCTS = {"card_cnt": "card", "account_cnt": "account", "funded_cnt": "deposit", "wealth_cnt": "wealth"}
AMOUNTS = {"deposit_amount": "deposit", "wealth_amount": "wealth"}
BEHAVIOUR = [*STAFF_DAYS, *STAFF_FLOWS, *STAFF_WEIGHTS]
SUMMED = [*BEHAVIOUR, *STAFF_SALES]


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def placed(fact):  # noqa: ANN001, ANN201 - a fact Table in, a Join out
    """`fact` joined to the roster version valid on each fact's day (facts without one drop out)."""
    f, s = fact.c, staff.c
    return fact.join(staff, and_(s.staff_id == f.staff_id, s.valid_from <= f.day,
                                 or_(s.valid_to.is_(None), s.valid_to > f.day)))


def _weighted(name: str) -> tuple:
    """Chat-weighted numerator and denominator of a WeCom average (rows without it weigh 0)."""
    f = fact_staff_day.c
    weight = case((f[name].is_not(None), func.coalesce(f.chat_cnt, 0)), else_=0)
    return (case((f[name].is_not(None), f[name] * func.coalesce(f.chat_cnt, 0)), else_=0.0).label(f"{name}_num"),
            weight.label(f"{name}_den"))


def behaviour_rows(start: date, end: date, where: Sequence = ()) -> Select:
    """One row per placed staff-day fact of [start, end]: staff_id, outlet_code, last_day, then
    SUMMED (sales 0)."""
    f = fact_staff_day.c
    active = or_(func.coalesce(f.chat_cnt, 0) > 0, func.coalesce(f.new_contact_cnt, 0) > 0)
    columns = [literal(1).label("fact_days"), case((f.chat_cnt.is_not(None), 1), else_=0).label("days_reported"),
               case((active, 1), else_=0).label("active_days"), *[f[n].label(n) for n in STAFF_FLOWS],
               *_weighted("reply_percentage"), *_weighted("avg_reply_time"),
               *[literal(0).label(n) for n in STAFF_SALES]]
    return (select(f.staff_id, staff.c.outlet_code, f.day.label("last_day"), *columns)
            .select_from(placed(fact_staff_day)).where(f.day.between(start, end), *where))


def sales_rows(start: date, end: date, where: Sequence = ()) -> Select:
    """One row per placed conversion fact of [start, end], with the same columns as
    behaviour_rows (behaviour 0, last_day NULL: a sale is no staff-day fact)."""
    c = fact_conversion.c
    counts = [case((c["product"] == p, c["count"]), else_=0).label(n) for n, p in PRODUCTS.items()]
    # Each amount a float before it is summed, as kpi.staff sums them (and never a Decimal out).
    amounts = [case((c["product"] == p, cast(c.amount, Float)), else_=0.0).label(n) for n, p in AMOUNTS.items()]
    return (select(c.staff_id, staff.c.outlet_code, cast(null(), Date).label("last_day"),
                   *[literal(0).label(n) for n in BEHAVIOUR], *counts, *amounts)
            .select_from(placed(fact_conversion)).where(c.day.between(start, end), *where))


def _sum(column, name: str):  # noqa: ANN001, ANN202 - SQL expressions
    """The column summed; floats rounded so SQLite and PostgreSQL store the same value."""
    return stable_sum(column, is_float=isinstance(staff_month.c[name].type, Float)).label(name)


def summed(rows: Select, keys: Sequence[str]) -> Select:
    """`rows` (behaviour_rows/sales_rows shaped) summed per `keys`: NULL flows count as 0, as
    kpi.staff fills them; last_day is the latest."""
    part = rows.subquery()
    return (select(*[part.c[k] for k in keys], func.max(part.c.last_day).label("last_day"),
                   *[_sum(part.c[n], n) for n in SUMMED])
            .group_by(*[part.c[k] for k in keys]))


def _month_rows(first: date, last: date) -> list[Select]:
    """The INSERT … SELECTs of one month: the 'all' rows, then each department's sales."""
    month, c = literal(first, Date), fact_conversion.c
    everything = union_all(behaviour_rows(first, last), sales_rows(first, last))
    by_department = sales_rows(first, last).add_columns(c.department)
    part = by_department.subquery()
    departments = (select(month, part.c.department, part.c.outlet_code, part.c.staff_id, func.max(part.c.last_day),
                          *[_sum(part.c[n], n) for n in SUMMED])
                   .group_by(part.c.department, part.c.outlet_code, part.c.staff_id))
    whole = summed(everything, ["outlet_code", "staff_id"]).subquery()
    return [select(month, literal(ALL), whole.c.outlet_code, whole.c.staff_id, whole.c.last_day,
                   *[whole.c[n] for n in SUMMED]), departments]


def rebuild_months(engine: Engine, days: Iterable[date], *, history: pd.DataFrame | None = None) -> int:
    """Rebuild staff_month, and its packed copy staff_pack, for every month that holds one of
    `days` (one transaction per month); return the staff_month rows written. `history`: the
    roster history, if the caller holds it (see staff_pack.rebuild)."""
    from store import staff_pack  # it reads this module's helpers: imported when first used
    columns = ["month", "department", "outlet_code", "staff_id", "last_day", *SUMMED]
    written = 0
    for first in sorted({month_start(d) for d in days}):
        with engine.begin() as connection:
            connection.execute(delete(staff_month).where(staff_month.c.month == first))
            for rows in _month_rows(first, month_end(first)):
                written += connection.execute(insert(staff_month).from_select(columns, rows)).rowcount
            staff_pack.rebuild(connection, first, history=history)
    return written


def built_months(connection: Connection, months: Sequence[date]) -> set[date]:
    """Which of `months` have staff_month rows (a month never rebuilt is read from the facts)."""
    m = staff_month.c
    found = set()
    for first in months:
        if connection.execute(select(m.month).where(m.month == first).limit(1)).first() is not None:
            found.add(first)
    return found


# --- relations live per staff ---
def kept(day: date) -> bool:
    """Days whose live counts are always kept: the ends of weeks and months (period ends)."""
    return day.weekday() == 6 or day == month_end(day)


def record_live(connection: Connection, day: date, live: pd.Series, *, last: bool) -> None:
    """Keep the live relations per staff × kind at the end of `day` if it is a kept day or the
    last day of a rebuild (the newest day of data); `live` is the rollup rebuild's series
    indexed by (staff_id, kind, segment). A newest day superseded by a later one is dropped."""
    if not (last or kept(day)):
        return
    connection.execute(delete(staff_live).where(staff_live.c.day == day))
    if last and not kept(day):
        stale = [day - timedelta(days=n) for n in range(1, 32) if not kept(day - timedelta(days=n))]
        connection.execute(delete(staff_live).where(staff_live.c.day.in_(stale)))
    counts = live.groupby(level=["staff_id", "kind"]).sum()
    counts = counts[counts > 0]
    if counts.empty:
        return
    rows = counts.astype("int64").rename("live").reset_index().assign(day=day)
    bulk.insert_frame(connection, staff_live, rows)  # a national day keeps 400K staff: no dicts


def has_live(connection: Connection, day: date) -> bool:
    return connection.execute(select(staff_live.c.day).where(staff_live.c.day == day).limit(1)).first() is not None
