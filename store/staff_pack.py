"""The staff pages' month reads, packed: staff_pack holds, per month, four parts of a whole
bank, each one Arrow IPC stream (see the table in store/schema.py):

- "sums": staff_month's 'all' rows (outlet × staff: flows, days, weights, sales, last_day)
  with the snapshot columns of the member's fact on that row's last_day;
- "sales": staff_month's department rows (each department's own sales);
- "roster": per staff × outlet, the latest roster version begun by `as_of`;
- "live": relations live per staff × kind at the end of `as_of`.

Why: a head-office page needs ~35 numbers for each of ~50,000 staff. As SQL rows that is
~2 M Python objects made one by one by the driver (≈ 1 s on SQLite, more than the queries);
a part is one value, and Arrow turns it into columns in a copy. The parts are derived from the
tables store.staff_reads reads otherwise, rebuilt in the same transaction as the month's
staff_month rows, and read only where they give exactly those reads' rows (staff_reads).
`as_of` is the month's last day with facts (its end once the data reaches it): the period end
the pages use for the month, and the only end the roster and live parts hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Select, Table, and_, delete, func, insert, or_, select

from store import bulk, live_counts
from store import staff_month as sm
from store.schema import (STAFF_SALES, fact_contact, fact_conversion, fact_staff_day, staff, staff_live, staff_month,
                          staff_pack)

SNAPSHOTS = ["chat_total", "chat_has_msg", "member_total", "member_has_msg"]
ROSTER = ["staff_id", "name", "outlet_code", "role", "wecom_status", "contact_enabled", "managed_customers"]


def rebuild(connection: Connection, month: date, *, history: pd.DataFrame | None = None) -> None:
    """Replace the parts of `month` (none for a month without staff_month rows). `history` is
    the roster history (store.read.staff_history) if the caller holds it: the loader does, and
    reading a national roster of a million versions again cost ~5 s of a day's load."""
    clear(connection, month)
    day = as_of(connection, month)
    if day is None or not sm.built_months(connection, [month]):
        return
    # The driver's rows straight into frames (bulk.fetch_frame): SQLAlchemy's Row objects cost
    # ~20 s a month for a national bank's 400K staff (profiled on the national day).
    # One part at a time (each frame is dropped once packed), for the loader's peak memory.
    add(connection, month, day, "sums", bulk.fetch_frame(connection, sums_select(month)))
    add(connection, month, day, "sales", bulk.fetch_frame(connection, sales_select(month)))
    add(connection, month, day, "roster", _roster(connection, day) if history is None else roster_of(history, day))
    add(connection, month, day, "live", bulk.fetch_frame(connection, live_on(connection, day)))


def clear(connection: Connection, month: date) -> None:
    """Drop the month's parts (before `add`ing new ones)."""
    connection.execute(delete(staff_pack).where(staff_pack.c.month == month))


def add(connection: Connection, month: date, day: date, part: str, rows: pd.DataFrame) -> None:
    """Store `rows` as the month's `part`, packed as of `day`."""
    add_packed(connection, month, day, part, len(rows), pack_frame(rows))


def add_packed(connection: Connection, month: date, day: date, part: str, row_count: int, data: bytes) -> None:
    """Store `data` (pack_frame of `row_count` rows) as the month's `part`, packed as of `day`."""
    connection.execute(insert(staff_pack), [
        {"month": month, "part": part, "as_of": day, "row_count": row_count, "data": data}])


def as_of(connection: Connection, month: date) -> date | None:
    """The month's last day with facts (its end if the facts go on past it)."""
    lasts = [connection.execute(select(func.max(t.c.day))).scalar() for t in (fact_staff_day, fact_conversion)]
    last = max((d for d in lasts if d is not None), default=None)
    if last is None or last < month:
        return None
    return min(last, sm.month_end(month))


def sums_select(month: date, where: Sequence = (), *, source: Table = staff_month) -> Select:
    """The month's 'all' rows, each with the snapshots of its member's fact on its last_day:
    that fact is placed in the row's outlet (last_day is the row's latest placed fact). In key
    order (the primary key's, so no sort on SQLite): the pack's bytes must not depend on the
    order a backend happened to store the rows in. `where`: more conditions (some staff);
    `source`: staff_month, or a temporary table of its columns."""
    m, f = source.c, fact_staff_day.c
    on_last_day = and_(f.staff_id == m.staff_id, f.day == m.last_day)
    return (select(m.outlet_code, m.staff_id, m.last_day, *[m[n] for n in sm.SUMMED], *[f[n] for n in SNAPSHOTS])
            .select_from(source.outerjoin(fact_staff_day, on_last_day))
            .where(m.month == month, m.department == sm.ALL, *where).order_by(m.outlet_code, m.staff_id))


def sales_select(month: date, where: Sequence = (), *, source: Table = staff_month) -> Select:
    m = source.c
    return (select(m.department, m.outlet_code, m.staff_id, *[m[n] for n in STAFF_SALES])
            .where(m.month == month, m.department != sm.ALL, *where).order_by(m.department, m.outlet_code, m.staff_id))


def _roster(connection: Connection, as_of: date) -> pd.DataFrame:
    """Per staff × outlet the latest version begun by `as_of`, by staff and start. A subtree's
    latest version of a member is the latest of its outlets' (see staff_reads.packed_roster)."""
    s = staff.c
    versions = bulk.fetch_frame(connection, select(*[s[n] for n in ROSTER], s.valid_from, s.valid_to)
                                .where(s.valid_from <= as_of).order_by(s.staff_id, s.outlet_code, s.valid_from))
    latest = versions.drop_duplicates(["staff_id", "outlet_code"], keep="last")
    return latest.sort_values(["staff_id", "valid_from"], kind="stable").reset_index(drop=True)


def roster_of(history: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """`_roster` from the roster history in memory: the same rows, columns and order."""
    versions = history.loc[history["valid_from"] <= as_of, [*ROSTER, "valid_from", "valid_to"]]
    versions = versions.sort_values(["staff_id", "outlet_code", "valid_from"], kind="stable")
    latest = versions.drop_duplicates(["staff_id", "outlet_code"], keep="last")
    return latest.sort_values(["staff_id", "valid_from"], kind="stable").reset_index(drop=True)


def live_on(connection: Connection, day: date, ids: Select | None = None) -> Select:
    """Relations live at the end of `day` per staff × kind (of the staff `ids` selects, or
    everyone): kept by the rollup rebuild for period ends, else counted from fact_contact."""
    if live_counts.has_live(connection, day):
        v = staff_live.c
        wanted = [v.staff_id.in_(ids)] if ids is not None else []
        return select(v.staff_id, v.kind, v.live.label("contacts_live")).where(v.day == day, *wanted)
    c = fact_contact.c
    wanted = [c.staff_id.in_(ids)] if ids is not None else []
    return (select(c.staff_id, c.kind, func.count().label("contacts_live"))
            .where(*wanted, c.added_on <= day, or_(c.removed_on.is_(None), c.removed_on > day))
            .group_by(c.staff_id, c.kind))


# Packs are zstd-compressed Arrow buffers (the reader needs no flag: a stream says so itself).
# A national month's 'sums' part is 100 MB raw and 9 MB so; the daily load writes its packs
# into the WAL, and a checkpoint copies them again, every day (and reads them back the next).
_COMPRESSED = pa.ipc.IpcWriteOptions(compression="zstd")


def pack_frame(rows: pd.DataFrame) -> bytes:
    """`rows` as one Arrow IPC stream (read back with pa.ipc.open_stream(...).read_all()): the
    same rows give the same bytes, however they were computed (store.staff_append)."""
    # One record batch, however many chunks pandas' Arrow-backed columns came in (concat keeps them).
    table = pa.Table.from_pandas(rows, preserve_index=False).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_COMPRESSED) as writer:
        writer.write_table(table)
    del table  # before the copy into bytes: a national month's part is ~100 MB
    return sink.getvalue().to_pybytes()


def unpack_frame(data: bytes) -> pd.DataFrame:
    """The frame `pack_frame` packed into `data`."""
    return pa.ipc.open_stream(data).read_all().to_pandas()


def read(connection: Connection, months: Sequence[date], part: str) -> tuple[list[pa.Table], list[date]] | None:
    """The `part` of each of `months` and each one's as_of, in month order; None unless every
    month has it (a month never rebuilt since the table came is read the other way)."""
    p = staff_pack.c
    rows = connection.execute(select(p.month, p.as_of, p.data).where(p.month.in_(list(months)), p.part == part)
                              .order_by(p.month)).all()
    if len(rows) != len(months):
        return None
    return [pa.ipc.open_stream(row.data).read_all() for row in rows], [row.as_of for row in rows]


def rows_in(tables: list[pa.Table], column: str, values: Sequence[str] | pd.Series, *,
            ending_after: date | None = None) -> pa.Table:
    """The rows of `tables` whose `column` is one of `values` (and, given `ending_after`, whose
    valid_to is NULL or later), in the parts' order."""
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if not table.num_rows:
        return table
    wanted = pa.array(values if isinstance(values, pd.Series) else list(values)).cast(table.schema.field(column).type)
    keep = pc.is_in(table[column], value_set=wanted)
    if ending_after is not None:
        ends = table["valid_to"]
        later = pc.greater(ends, pa.scalar(ending_after, ends.type)) if ends.type != pa.null() else pa.scalar(False)
        keep = pc.and_(keep, pc.or_kleene(pc.is_null(ends), later))
    return table if pc.all(keep).as_py() else table.filter(keep)  # a whole bank keeps all: no copy


def summed_per_staff(rows: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """staff_id and `columns` summed per staff member (one who moved has a row per outlet)."""
    rows = rows.select(["staff_id", *columns])
    counts = pc.value_counts(rows["staff_id"])
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if not len(repeated):
        return rows.to_pandas()
    # Only the few who moved are grouped: a group-by of every row costs more than the read.
    moved = pc.is_in(rows["staff_id"], value_set=repeated)
    summed = (rows.filter(moved).group_by("staff_id", use_threads=False).aggregate([(c, "sum") for c in columns])
              .select(["staff_id", *[f"{c}_sum" for c in columns]]).rename_columns(["staff_id", *columns]))
    return pa.concat_tables([rows.filter(pc.invert(moved)), summed.cast(rows.schema)]).to_pandas()


def last_per_staff(rows: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """`columns` of the last row of each member of `rows` (sorted by staff_id, as the roster
    part is)."""
    rows = rows.select(list(columns))
    if rows.num_rows >= 2:
        ids = rows["staff_id"]
        changes = pc.not_equal(ids.slice(0, rows.num_rows - 1), ids.slice(1))
        rows = rows.filter(pa.chunked_array([*changes.chunks, pa.array([True])]))
    return rows.to_pandas()
