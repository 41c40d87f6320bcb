"""Staff-level sums kept for fast page reads: staff_month (per month); the relations live per
staff at the end of chosen days are store.live_counts'. See the tables in store/schema.py.

Placement is the rollups' rule, done in SQL: a fact belongs to the outlet of the roster
version valid on the fact's own day. The SELECTs that place and sum facts are shared by the
monthly rebuild (INSERT … SELECT) and by store.staff_reads (the days a period does not cover
with whole months), so both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import (Connection, Date, Engine, Float, Select, Table, and_, case, cast, delete, func, insert, literal,
                        null, or_, select, union_all)

from store import bulk
from store.month_rollups import block_of, blocks_of
from store.sums import stable_sum
from store.schema import (STAFF_DAYS, STAFF_FLOWS, STAFF_SALES, STAFF_WEIGHTS, fact_conversion, fact_staff_day,
                          staff, staff_block, staff_month, staff_pack)

if TYPE_CHECKING:
    from store.staff_append import NewDay

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


def _month_rows(first: date, last: date, members: Table | None = None) -> list[Select]:
    """The INSERT … SELECTs of one month or block (first .. last): the 'all' rows, then each
    department's sales; of the staff in `members` (a staged table of staff_id) only, if given."""
    month, c, f = literal(first, Date), fact_conversion.c, fact_staff_day.c
    mine = [] if members is None else [select(members.c.staff_id)]
    on_days, on_sales = [f.staff_id.in_(m) for m in mine], [c.staff_id.in_(m) for m in mine]
    everything = union_all(behaviour_rows(first, last, on_days), sales_rows(first, last, on_sales))
    by_department = sales_rows(first, last, on_sales).add_columns(c.department)
    part = by_department.subquery()
    departments = (select(month, part.c.department, part.c.outlet_code, part.c.staff_id, func.max(part.c.last_day),
                          *[_sum(part.c[n], n) for n in SUMMED])
                   .group_by(part.c.department, part.c.outlet_code, part.c.staff_id))
    whole = summed(everything, ["outlet_code", "staff_id"]).subquery()
    return [select(month, literal(ALL), whole.c.outlet_code, whole.c.staff_id, whole.c.last_day,
                   *[whole.c[n] for n in SUMMED]), departments]


def rebuild_months(engine: Engine, days: Iterable[date], *, history: pd.DataFrame | None = None,
                   corrected: Mapping[date, Collection[str]] | None = None, newest: NewDay | None = None,
                   ready: Callable[[], object] = lambda: None) -> int:
    """Rebuild staff_month, and its packed copy staff_pack, for every month that holds one of
    `days` (one transaction per month); return the staff_month rows written. Only the blocks
    of `days` (and stale ones) are summed again from the facts, then each month from its
    blocks (see _rebuild_month). `history`: the roster history, if the caller holds it (see
    staff_pack.rebuild).

    `corrected`: days among `days` whose facts changed only for the members given
    (etl.corrections). Where every block of a month that `days` touch holds only such days,
    only those members' rows are summed again: a re-pulled 28th was a week of a national
    bank's facts (block 22-28) summed again for ~3,000 members' rows.

    `newest`: the newest day's facts, as the rollup rebuild read them. Its month, when the
    other days of `days` in it are corrected days only, is advanced by that day alone
    (store.staff_append) if its pack holds the day before.

    `ready` is called before each month's first write and returns once this may write: the
    loader writes the month rollups meanwhile, in another connection, and a month advanced by
    its newest day is computed (reads only) before that wait."""
    from store import staff_append, staff_pack  # they read this module's helpers: imported when first used
    days, corrected = list(days), corrected or {}
    touched = {block_of(day) for day in days}
    whole = {block_of(day) for day in days if day not in corrected}
    members: dict[date, set[str]] = {}
    for day in days:
        if day in corrected and block_of(day) not in whole:
            members.setdefault(block_of(day), set()).update(corrected[day])
    written = 0
    for first in sorted({month_start(d) for d in touched}):
        advance = None
        if (mine := _appended(days, corrected, newest, first)) is not None and history is not None:
            with engine.connect() as connection:
                try:
                    advance = staff_append.prepare(connection, first, newest, history=history, members=mine)
                finally:  # pysqlite runs CREATE outside a transaction: a rollback would bring back the
                    connection.commit()  # temporary tables prepare dropped (it writes nothing else)
        ready()
        with engine.begin() as connection:
            if advance is not None:
                written += staff_append.write(connection, advance)
                continue
            blocks = {start for start, _ in blocks_of(first)} & touched
            found = None if blocks & whole else _rebuild_members(connection, first, {b: members[b] for b in blocks})
            written += found if found is not None else _rebuild_month(connection, first, touched, members)
            staff_pack.rebuild(connection, first, history=history)
    return written


def _appended(days: list[date], corrected: Mapping[date, Collection[str]], newest: NewDay | None,
              first: date) -> set[str] | None:
    """The members to sum again if month `first` can be advanced by the newest day (its other
    rebuilt days are corrected days), else None."""
    if newest is None or month_start(newest.day) != first or newest.day in corrected:
        return None
    others = {day for day in days if month_start(day) == first} - {newest.day}
    if not others <= set(corrected):
        return None
    return set().union(*(set(corrected[day]) for day in others))


def _rebuild_members(connection: Connection, first: date, members: dict[date, set[str]]) -> int | None:
    """Some members' staff_month rows of one month, their rows of the `members` blocks summed
    again; None (nothing done) where the month's other blocks are not current."""
    b, m = staff_block.c, staff_month.c
    filled = [(start, end) for start, end in blocks_of(first) if _has_facts(connection, start, end)]
    if len(filled) > 1 and not all(_block_current(connection, start, end) for start, end in filled):
        return None  # stale or missing blocks: the whole month is summed again
    from store import staff_append  # it imports this module
    if staff_append.packed_only(connection, first):  # the rows this starts from are the pack's
        staff_append.materialise(connection, first)
    with bulk.staged_ids(connection, staff_month, set().union(*members.values())) as staged:
        mine = select(staged.c.staff_id)
        connection.execute(delete(staff_month).where(m.month == first, m.staff_id.in_(mine)))
        if len(filled) <= 1:  # summed from the facts directly, as _rebuild_month does
            return _insert(connection, staff_month, _month_rows(first, month_end(first), staged))
        for start, end in filled:
            if start in members:  # the month's members staged once serve each of its blocks
                _sum_members(connection, start, end, staged)
        return _insert(connection, staff_month, [_from_blocks(first, filled, [b.staff_id.in_(mine)])])


COLUMNS = ["department", "outlet_code", "staff_id", "last_day", *SUMMED]


def _rebuild_month(connection: Connection, first: date, touched: set[date],
                   members: Mapping[date, set[str]] | None = None) -> int:
    """One month's staff_month rows: from its staff_block rows when it has facts in more than
    one block (each block summed again from the facts only if touched or stale; a current
    block in `members` for those members only), else from its facts directly (the one block
    is the month: no block rows are kept)."""
    b, members = staff_block.c, members or {}
    filled = [(start, end) for start, end in blocks_of(first) if _has_facts(connection, start, end)]
    connection.execute(delete(staff_month).where(staff_month.c.month == first))
    if len(filled) <= 1:
        connection.execute(delete(staff_block).where(b.block.in_([start for start, _ in blocks_of(first)])))
        return _insert(connection, staff_month, _month_rows(first, month_end(first)))
    current = {start for start, end in filled if _block_current(connection, start, end)}
    again = [(start, end) for start, end in filled if (start in touched and start not in members) or start not in current]
    some = [(start, end) for start, end in filled if start in touched and start in members and start in current]
    kept = {start for start, _ in filled} - {start for start, _ in again}
    connection.execute(delete(staff_block).where(b.block.in_([s for s, _ in blocks_of(first) if s not in kept])))
    for start, end in again:
        _insert(connection, staff_block, _month_rows(start, end))
    for start, end in some:
        with bulk.staged_ids(connection, staff_block, members[start]) as staged:
            _sum_members(connection, start, end, staged)
    return _insert(connection, staff_month, [_from_blocks(first, filled)])


def _sum_members(connection: Connection, start: date, end: date, staged: Table) -> None:
    """The staff_block rows of the `staged` staff in the block [start, end] summed again."""
    b = staff_block.c
    connection.execute(delete(staff_block).where(b.block == start, b.staff_id.in_(select(staged.c.staff_id))))
    _insert(connection, staff_block, _month_rows(start, end, staged))


def _from_blocks(first: date, filled: Sequence[tuple[date, date]], where: Sequence = ()) -> Select:
    """The month's rows summed from its `filled` blocks' staff_block rows."""
    b = staff_block.c
    keys = [b.department, b.outlet_code, b.staff_id]
    return (select(literal(first, Date), *keys, func.max(b.last_day), *[_sum(b[n], n) for n in SUMMED])
            .where(b.block.in_([start for start, _ in filled]), *where).group_by(*keys))


def _insert(connection: Connection, table, statements: Sequence[Select]) -> int:  # noqa: ANN001 - a Table
    """INSERT … SELECT of each of `statements` (the month or block first, then COLUMNS)."""
    head = "block" if table is staff_block else "month"  # staff_month or a temporary copy of it
    return sum(connection.execute(insert(table).from_select([head, *COLUMNS], rows)).rowcount for rows in statements)


def _has_facts(connection: Connection, start: date, end: date) -> bool:
    return any(connection.execute(select(t.c.day).where(t.c.day.between(start, end)).limit(1)).first() is not None
               for t in (fact_staff_day, fact_conversion))


def _block_current(connection: Connection, start: date, end: date) -> bool:
    """Whether the block has rows summed up to its newest staff-day fact (any rows, for a block
    of sales only); a block never written (e.g. after the upgrade that added it) has none."""
    b, f = staff_block.c, fact_staff_day.c
    newest = connection.execute(select(func.max(f.day)).where(f.day.between(start, end))).scalar()
    wanted = [b.block == start] + ([b.last_day == newest] if newest is not None else [])
    return connection.execute(select(b.block).where(*wanted).limit(1)).first() is not None


def built_months(connection: Connection, months: Sequence[date]) -> set[date]:
    """Which of `months` have staff_month rows, or a pack that holds them (a month advanced
    day by day, store.staff_append); a month never rebuilt is read from the facts. Every
    built month has a pack (each rebuild and advance writes one; migration 0008 packed the
    months before it), so the pages read built months from their packs."""
    return {first for first in months if has_rows(connection, first) or has_pack(connection, first)}


def has_rows(connection: Connection, month: date) -> bool:
    return connection.execute(select(staff_month.c.month).where(staff_month.c.month == month).limit(1)).first() is not None


def has_pack(connection: Connection, month: date) -> bool:
    p = staff_pack.c
    return connection.execute(select(p.month).where(p.month == month, p.part == "sums")).first() is not None
