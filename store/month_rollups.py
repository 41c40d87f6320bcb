"""rollup_month: the flow components of rollup_day summed per calendar month, and
rollup_month_unit: the same without the segment split, with each row's last-day snapshots.

Rebuilt in SQL (DELETE and INSERT … SELECT … GROUP BY): rollup_month from rollup_block (the
same sums per block of a month's days, of which a daily load sums again only the blocks of the
days it rebuilt; a month with days in one block only is summed from rollup_day directly),
rollup_month_unit from rollup_month and the last days' rows of rollup_day, rollup_month_wide from rollup_month_unit (store.month_wide), so none can disagree with the
days they sum as long as they are rebuilt after them: the ETL calls `rebuild_month_rollups` at
the end of every rollup rebuild (etl/rollups.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, Date, Float, Select, Table, and_, delete, func, insert, literal, select, union_all

from store.grains import BEHAVIOUR, CONVERSION, CUSTOMER, GRAINS, rows_of
from store.sums import stable_sum
from store.schema import (BEHAVIOUR_COMPONENTS, COMPONENTS, CONVERSION_COMPONENTS, CUSTOMER_COMPONENTS, FLOW_COMPONENTS,
                          SNAPSHOT_COMPONENTS, rollup_block, rollup_day, rollup_month, rollup_month_unit)

NO_PARENT = ""  # parent_code is part of the key, so the head office's NULL is stored as ""
# The flows each grain's rows carry; the others are 0 on its rows (docs/rollup.md). Sums are
# taken per grain over its own flows only: a national month's ~470K day rows × 40 flows
# summed were ~3 s, most of it adding zeros (customer rows, most of them, have 3 flows).
OWN_FLOWS = {grain: [name for name in FLOW_COMPONENTS if name in own] for grain, own in (
    (BEHAVIOUR, BEHAVIOUR_COMPONENTS), (CUSTOMER, CUSTOMER_COMPONENTS), (CONVERSION, CONVERSION_COMPONENTS))}


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def months_of(days: Iterable[date]) -> list[date]:
    """The distinct months (first days) of `days`, sorted."""
    return sorted({month_of(day) for day in days})


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


def rebuild_month_rollups(connection: Connection, months: Iterable[date], *, days: Iterable[date] | None = None,
                          corrected: Collection[date] = ()) -> int:
    """Replace the rows of `months` (first days), and of any stale month, by the sums of their
    days in rollup_day. `days`: the days rebuilt since the months were last summed, if known;
    then only their blocks (and stale ones) are summed again from rollup_day, and each month
    from its blocks. Without them every block is. `corrected`: days of `days` whose behaviour
    rows alone changed (etl.corrections); a month whose rebuilt days are all such days has only
    its behaviour rows summed again.

    The caller owns the transaction. Returns the number of month rows written."""
    stale = set(_stale_months(connection))
    months = sorted({month_of(m) for m in months} | stale)
    if not months:
        return 0
    days = None if days is None else list(days)
    touched = None if days is None else {block_of(day) for day in days}
    whole = None if days is None else {block_of(day) for day in days if day not in corrected}
    written = 0
    for month in months:
        blocks = {first for first, _ in blocks_of(month)}
        found = None
        if touched is not None and month not in stale and blocks & touched and not blocks & whole:
            found = _rebuild_behaviour(connection, month, blocks & touched)
        written += found if found is not None else _rebuild_month(
            connection, month, touched, () if whole is None else (blocks & touched) - whole)
    _rebuild_unit_months(connection, months)
    return written


BLOCK_STARTS = (1, 8, 15, 22, 29)  # rollup_block and staff_block: blocks of a month's days


def block_of(day: date) -> date:
    """The first day of `day`'s block (days 1-7, 8-14, 15-21, 22-28, 29 to the month's end)."""
    return day.replace(day=BLOCK_STARTS[min((day.day - 1) // 7, len(BLOCK_STARTS) - 1)])


def blocks_of(month: date) -> list[tuple[date, date]]:
    """(first, last day) of each block of `month`."""
    last = next_month(month) - timedelta(days=1)
    firsts = [month.replace(day=d) for d in BLOCK_STARTS if d <= last.day]
    return [(first, (firsts[i + 1] - timedelta(days=1)) if i + 1 < len(firsts) else last)
            for i, first in enumerate(firsts)]


def _rebuild_month(connection: Connection, month: date, touched: set[date] | None,
                   behaviour_only: Collection[date] = ()) -> int:
    """One month's rollup_month rows: from its blocks when it has days in more than one (each
    block summed again only if touched or stale; a current block of `behaviour_only` for its
    behaviour rows only), else from its days directly (the one block is the month: no block
    rows are kept)."""
    b = rollup_block.c
    filled = _filled(connection, month)
    connection.execute(delete(rollup_month).where(rollup_month.c.month == month))
    if len(filled) <= 1:
        connection.execute(delete(rollup_block).where(b.block.in_([first for first, _ in blocks_of(month)])))
        return _insert_sums(connection, rollup_month, _day_sums(month, month, next_month(month) - timedelta(days=1)))
    current = {first for first, last in filled if touched is not None and _block_current(connection, first, last)}
    again = [(first, last) for first, last in filled
             if touched is None or (first in touched and first not in behaviour_only) or first not in current]
    some = [(first, last) for first, last in filled
            if touched is not None and first in touched and first in behaviour_only and first in current]
    kept = {first for first, _ in filled} - {first for first, _ in again}
    connection.execute(delete(rollup_block).where(b.block.in_([f for f, _ in blocks_of(month) if f not in kept])))
    for first, last in again:
        _insert_sums(connection, rollup_block, _day_sums(first, first, last))
    for first, last in some:
        _sum_behaviour(connection, first, last)
    return _insert_sums(connection, rollup_month, _from_blocks(month, filled))


def _sum_behaviour(connection: Connection, first: date, last: date) -> None:
    """The behaviour rows of the block [first, last] summed again from rollup_day."""
    connection.execute(delete(rollup_block).where(rollup_block.c.block == first, *_behaviour(rollup_block)))
    _insert_sums(connection, rollup_block, _day_sums(first, first, last, grains=[BEHAVIOUR]))


def _from_blocks(month: date, filled: list[tuple[date, date]], *, grains: Collection[str] = GRAINS) -> list[Select]:
    """`month`, then the `filled` blocks' rollup_block rows summed per key, one SELECT per grain."""
    b = rollup_block.c
    keys = [b.unit_code, b.level, b.parent_code, b.department, b.kind, b.segment]
    return [select(literal(month, Date), *keys, func.max(b.last_day), *_flows(b, grain))
            .where(b.block.in_([first for first, _ in filled]), rows_of(rollup_block, grain)).group_by(*keys)
            for grain in grains]


def _flows(columns, grain: str) -> list:  # noqa: ANN001 - a table's columns
    """FLOW_COMPONENTS of `grain`'s rows: its own summed, the others 0."""
    return [stable_sum(columns[name], is_float=isinstance(columns[name].type, Float)) if name in OWN_FLOWS[grain]
            else literal(0) for name in FLOW_COMPONENTS]


def _rebuild_behaviour(connection: Connection, month: date, touched: set[date]) -> int | None:
    """The month's behaviour rows (every dimension 'all') summed again, from the `touched`
    blocks' rows summed again and the others' kept; None (nothing done) where a block is stale."""
    m = rollup_month.c
    filled = _filled(connection, month)
    if len(filled) > 1 and not all(_block_current(connection, first, last) for first, last in filled):
        return None
    connection.execute(delete(rollup_month).where(m.month == month, *_behaviour(rollup_month)))
    if len(filled) <= 1:
        return _insert_sums(connection, rollup_month, _day_sums(month, month, next_month(month) - timedelta(days=1),
                                                                grains=[BEHAVIOUR]))
    for first, last in filled:
        if first in touched:
            _sum_behaviour(connection, first, last)
    return _insert_sums(connection, rollup_month, _from_blocks(month, filled, grains=[BEHAVIOUR]))


def _behaviour(table: Table) -> list:
    """The behaviour grain's rows of a rollup table, as a `where` list."""
    return [rows_of(table, BEHAVIOUR)]


def _filled(connection: Connection, month: date) -> list[tuple[date, date]]:
    """The month's blocks that have days in rollup_day."""
    r = rollup_day.c
    return [(first, last) for first, last in blocks_of(month) if connection.execute(
        select(r.day).where(r.day >= first, r.day <= last).limit(1)).first() is not None]


def _block_current(connection: Connection, first: date, last: date) -> bool:
    """Whether the block has rows summed up to its newest day in rollup_day (a block never
    written, e.g. after the upgrade that added the table, has none)."""
    r, b = rollup_day.c, rollup_block.c
    newest = connection.execute(select(func.max(r.day)).where(r.day >= first, r.day <= last)).scalar()
    return connection.execute(select(b.block).where(b.block == first, b.last_day == newest).limit(1)).first() is not None


def _day_sums(head: date, first: date, last: date, *, grains: Collection[str] = GRAINS) -> list[Select]:
    """`head`, then rollup_day's flows of [first, last] summed per key, with each key's last
    day: one SELECT per grain of `grains`."""
    r = rollup_day.c
    keys = [r.unit_code, r.level, func.coalesce(r.parent_code, NO_PARENT), r.department, r.kind, r.segment]
    # A range on day, so the primary key's leading day column is used.
    return [select(literal(head, Date), *keys, func.max(r.day), *_flows(r, grain))
            .where(r.day >= first, r.day <= last, rows_of(rollup_day, grain)).group_by(*keys) for grain in grains]


def _insert_sums(connection: Connection, table: Table, sums: list[Select]) -> int:
    """INSERT … SELECT of each of `sums` (the month or block first, the key, last day, the
    flows) into rollup_month or rollup_block."""
    head = "month" if table is rollup_month else "block"
    columns = [head, "unit_code", "level", "parent_code", "department", "kind", "segment", "last_day",
               *FLOW_COMPONENTS]
    return sum(max(connection.execute(insert(table).from_select(columns, rows)).rowcount or 0, 0) for rows in sums)


def _rebuild_unit_months(connection: Connection, months: list[date]) -> None:
    """rollup_month_unit for `months`: rollup_month's rows summed over segments, and the
    snapshots of each row's last day, summed over the segments with a day row then."""
    connection.execute(delete(rollup_month_unit).where(rollup_month_unit.c.month.in_(months)))
    m, r = rollup_month.c, rollup_day.c
    keys = ["level", "month", "department", "kind", "unit_code", "parent_code"]
    flows = union_all(*[select(*[m[k] for k in keys], func.max(m.last_day).label("last_day"),
                               *[sum_.label(name) for sum_, name in zip(_flows(m, grain), FLOW_COMPONENTS)])
                        .where(m.month.in_(months), rows_of(rollup_month, grain)).group_by(*[m[k] for k in keys])
                        for grain in GRAINS]).cte("flows")
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
