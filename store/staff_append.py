"""A month's staff_pack advanced by the month's newest day, from that day's facts in memory:
the daily load's common case (store.staff_month.rebuild_months tries it first).

Why: the other way sums every fact of the day's block (up to a week of a national bank's
400K staff-days) in SQL, sums the month from its blocks, and then reads the month's ~600K rows
back through the driver to pack them; a national day spent ~11 s there. Here the month's
rows as they stood are the pack's (one blob each), the new day is placed and summed in
pandas, and the pack is written. The result is the other way's, row for row and byte for byte
in the pack (tests/store/test_staff_append.py; every rollup test compares with a whole
rebuild): the same placement (the roster version valid on the fact's day, facts without one
dropped), the same zeros for missing flows, float sums held to 1/SCALE.

An advanced month is held by its pack alone: its staff_month rows are deleted, not rewritten.
Every read of a month's rows goes through the pack (store.staff_reads, store.health), and
rewriting a national month's ~626K rows every day cost ~2.5 s of the day's load. A rebuild
that must start from the rows puts them back from the pack first (`materialise`).

Members whose earlier facts of the month changed in the same load (etl.corrections) are
summed again from the facts in SQL, as before. The month's staff_block rows are dropped: a
later rebuild that needs blocks finds them missing and sums them again (see
staff_month._block_current), and the daily path needs none.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete

from store import bulk, staff_pack
from store import staff_month as sm
from store.month_rollups import blocks_of
from store.schema import STAFF_FLOWS, STAFF_SALES, fact_staff_day, staff_block, staff_month
from store.sums import SCALE

ALL_KEY = ["outlet_code", "staff_id"]
DEPARTMENT_KEY = ["department", *ALL_KEY]
FLOATS = [c.name for c in staff_month.c if c.name in sm.SUMMED and c.type.python_type is float]


@dataclass(frozen=True)
class NewDay:
    """The newest day's facts as the rollup rebuild read them, of `day` only: `facts` with
    fact_staff_day's columns (store.read.staff_day_facts), `sales` with
    store.read.conversion_facts' columns."""

    day: date
    facts: pd.DataFrame
    sales: pd.DataFrame


@dataclass
class Advance:
    """A month advanced by its newest day, computed from reads only and not yet written
    (`prepare`, then `write`): the loader computes it while the month rollups are written."""

    month: date
    day: date
    packed: dict[str, tuple[int, bytes]]  # part -> (rows, bytes)


def prepare(connection: Connection, month: date, new: NewDay, *, history: pd.DataFrame,
            members: Collection[str] = ()) -> Advance | None:
    """The month advanced by `new.day`, computed from reads only (`write` writes it): None
    unless the month's pack holds it up to the day before and `new.day` is the newest day
    with facts. `members`: staff whose earlier facts of the month this load changed."""
    day = new.day
    before = _packed(connection, month, day - timedelta(days=1))
    if day <= month or before is None or staff_pack.as_of(connection, month) != day:
        return None
    old_all, old_departments = before
    del before  # the month's packed rows are dropped as soon as they are summed: memory
    members = set(members)
    snapshots = old_all[[*ALL_KEY, *staff_pack.SNAPSHOTS]]
    rows, departments = _advanced(old_all, old_departments, new, history, members)
    del old_all, old_departments
    sums = _with_snapshots(rows, snapshots, new.facts, day)
    sales = departments[["department", *ALL_KEY, *STAFF_SALES]]
    del snapshots, rows, departments
    if members:  # summed again from the facts, as the pack reads them
        again = _summed_again(connection, month, members)
        sums = pd.concat([sums, again[0]]).sort_values(ALL_KEY)
        sales = pd.concat([sales, again[1]]).sort_values(DEPARTMENT_KEY)
    # One part at a time, each frame dropped once packed: the national day's peak memory.
    packed, sums, sales = _sums_and_sales(sums, sales), None, None
    packed["roster"] = _pack(staff_pack.roster_of(history, day))
    packed["live"] = _pack(bulk.fetch_frame(connection, staff_pack.live_on(connection, day)))
    return Advance(month, day, packed)


def _summed_again(connection: Connection, month: date, members: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 'sums' and 'sales' rows of `members` summed again from the month's facts in SQL.
    Through temporary tables typed as staff_month (its rounding and types, as the pack reads
    the table), so that this is no write to the store: `prepare` runs while the month
    rollups are written in another connection."""
    copy = bulk.stage(connection, staff_month, pd.DataFrame({c.name: pd.Series(dtype=object) for c in staff_month.c}))
    try:
        with bulk.staged_ids(connection, fact_staff_day, members) as staged:
            sm._insert(connection, copy, sm._month_rows(month, sm.month_end(month), staged))
        return (bulk.fetch_frame(connection, staff_pack.sums_select(month, source=copy)),
                bulk.fetch_frame(connection, staff_pack.sales_select(month, source=copy)))
    finally:
        copy.drop(connection)


def write(connection: Connection, advance: Advance) -> int:
    """Write what `prepare` computed: the month's pack; its staff_month rows are deleted (the
    pack holds them). Return the month's rows packed ('all' and department rows, as
    staff_month would hold them)."""
    month, day, packed = advance.month, advance.day, advance.packed
    connection.execute(delete(staff_month).where(staff_month.c.month == month))
    connection.execute(delete(staff_block).where(staff_block.c.block.in_([start for start, _ in blocks_of(month)])))
    staff_pack.clear(connection, month)
    for part in ("sums", "sales", "roster", "live"):
        staff_pack.add_packed(connection, month, day, part, *packed[part])
    return packed["sums"][0] + packed["sales"][0]


def packed_only(connection: Connection, month: date) -> bool:
    """Whether `month` is held by its pack alone (advanced here: no staff_month rows)."""
    return sm.has_pack(connection, month) and not sm.has_rows(connection, month)


def materialise(connection: Connection, month: date) -> int:
    """Put a month held by its pack alone back into staff_month (its 'all' rows from the
    'sums' part, its department rows from 'sales', as a rebuild writes them), for a rebuild
    that starts from the rows; return the rows written."""
    sums, sales = (staff_pack.read(connection, [month], part) for part in ("sums", "sales"))
    every = sums[0][0].drop_columns(staff_pack.SNAPSHOTS).to_pandas()
    departments = sales[0][0].to_pandas()
    written = bulk.insert_frame(connection, staff_month, every.assign(month=month, department=sm.ALL))
    return written + bulk.insert_frame(connection, staff_month, departments.assign(month=month, last_day=None),
                                       zeros=sm.BEHAVIOUR)


def _pack(rows: pd.DataFrame) -> tuple[int, bytes]:
    return len(rows), staff_pack.pack_frame(rows)


def _sums_and_sales(sums: pd.DataFrame, sales: pd.DataFrame) -> dict[str, tuple[int, bytes]]:
    """The 'sums' and 'sales' parts packed, with the dtypes bulk.fetch_frame gives their rows."""
    return {"sums": _pack(_as_fetched(sums)), "sales": _pack(_as_fetched(sales))}


def _advanced(old_all: pd.DataFrame, old_departments: pd.DataFrame, new: NewDay, history: pd.DataFrame,
              members: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The month's 'all' and department rows plus the new day's, but for `members`, in key
    order (as the pack holds them, and as the primary key's index is walked)."""
    facts, sales = _placed(new.facts, history, new.day), _placed(new.sales, history, new.day)
    day_all, day_departments = _day_rows(facts, sales, new.day)
    rows = _without(_added(old_all, day_all, ALL_KEY), members)
    departments = _without(_added(old_departments, day_departments, DEPARTMENT_KEY, sales_only=True), members)
    return rows.sort_values(ALL_KEY, ignore_index=True), departments.sort_values(DEPARTMENT_KEY, ignore_index=True)


def _packed(connection: Connection, month: date, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The month's 'all' and department rows as packed, if packed as of `as_of`."""
    parts = [staff_pack.read(connection, [month], part) for part in ("sums", "sales")]
    if any(found is None or found[1] != [as_of] for found in parts):
        return None
    return parts[0][0][0].to_pandas(), parts[1][0][0].to_pandas()


def _placed(rows: pd.DataFrame, history: pd.DataFrame, day: date) -> pd.DataFrame:
    """`rows` (of `day`) with the outlet of each one's roster version valid that day (an inner
    join, as staff_month.placed: rows without a version drop out)."""
    ends = history["valid_to"]
    valid = history.loc[(history["valid_from"] <= day) & (ends.isna() | (ends > day)), ["staff_id", "outlet_code"]]
    return rows.merge(valid, on="staff_id", how="inner")


def _day_rows(facts: pd.DataFrame, sales: pd.DataFrame, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The day's 'all' rows (behaviour and every department's sales) and department rows,
    as staff_month.behaviour_rows and sales_rows give them, summed per key."""
    chats = facts["chat_cnt"].fillna(0)
    behaviour = facts[ALL_KEY].assign(
        last_day=day, fact_days=1, days_reported=facts["chat_cnt"].notna().astype(np.int64),
        active_days=((chats > 0) | (facts["new_contact_cnt"].fillna(0) > 0)).astype(np.int64),
        **{name: facts[name].fillna(0) for name in STAFF_FLOWS})
    for name in ("reply_percentage", "avg_reply_time"):
        present = facts[name].notna()
        behaviour[f"{name}_num"] = (facts[name] * chats).where(present, 0.0).astype(float)
        behaviour[f"{name}_den"] = chats.where(present, 0)
    products = sales.assign(**{name: sales["count"].where(sales["product"] == p, 0) for name, p in sm.PRODUCTS.items()},
                            **{name: sales["amount"].astype(float).where(sales["product"] == p, 0.0)
                               for name, p in sm.AMOUNTS.items()})
    departments = _summed(products[[*DEPARTMENT_KEY, *STAFF_SALES]], DEPARTMENT_KEY)
    everything = pd.concat([behaviour, products[[*ALL_KEY, *STAFF_SALES]].assign(last_day=None)], ignore_index=True)
    return _summed(everything.reindex(columns=[*ALL_KEY, "last_day", *sm.SUMMED], fill_value=0), ALL_KEY), departments


def _summed(rows: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """`rows` summed per `key` (last_day: the latest, NULL if none), in order of first sight."""
    values = [c for c in rows.columns if c not in key and c != "last_day"]
    codes, first = _key_codes(rows, key)
    out = rows.iloc[first][key].reset_index(drop=True)
    if "last_day" in rows:
        out["last_day"] = _latest(rows["last_day"], codes, len(first))
    for name in values:
        total = np.bincount(codes, weights=rows[name].to_numpy(dtype=float, na_value=0.0), minlength=len(first))
        out[name] = np.rint(total * SCALE) / SCALE if name in FLOATS else np.rint(total).astype(np.int64)
    return out


def _latest(days: pd.Series, codes: np.ndarray, groups: int) -> np.ndarray:
    """The latest of `days` (dates or None) per group, None where a group has none."""
    day_codes, distinct = pd.factorize(days)  # None is -1
    order = np.argsort(np.array([d.toordinal() for d in distinct], dtype=np.int64), kind="stable")
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[order] = np.arange(len(distinct))
    latest = np.full(groups, -1, dtype=np.int64)
    np.maximum.at(latest, codes, np.append(rank, -1)[day_codes])  # None (-1) ranks below every day
    return np.array([*np.asarray(distinct, dtype=object)[order], None], dtype=object)[latest]


def _key_codes(rows: pd.DataFrame, key: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One dense integer per distinct `key` of `rows`, and the first row of each."""
    code = np.zeros(len(rows), dtype=np.int64)
    for name in key:
        column, labels = pd.factorize(rows[name])
        code = code * (len(labels) + 1) + column
    group, distinct = pd.factorize(code)
    first = np.full(len(distinct), len(rows), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(rows)))
    return group, first


def _added(old: pd.DataFrame, day: pd.DataFrame, key: list[str], *, sales_only: bool = False) -> pd.DataFrame:
    """The month's rows as they stood plus the day's, per key."""
    columns = [*key, *(STAFF_SALES if sales_only else ["last_day", *sm.SUMMED])]
    return _summed(pd.concat([old[columns], day[columns]], ignore_index=True), key)


def _without(rows: pd.DataFrame, members: set[str]) -> pd.DataFrame:
    return rows[~rows["staff_id"].isin(list(members))] if members else rows


def _with_snapshots(rows: pd.DataFrame, packed: pd.DataFrame, facts: pd.DataFrame, day: date) -> pd.DataFrame:
    """The pack's 'sums' rows: `rows` with the snapshots of each one's fact on its last_day:
    the new day's facts where that is the day, else the `packed` values (those facts did not
    change: a member whose did is among the members summed again)."""
    snapshots = staff_pack.SNAPSHOTS
    today = facts[["staff_id", *snapshots]].drop_duplicates("staff_id")
    kept = packed.astype({name: float for name in snapshots})
    out = rows.merge(kept, on=ALL_KEY, how="left")
    fresh = pd.Index(today["staff_id"]).get_indexer(out["staff_id"])
    on_day = (out["last_day"] == day).to_numpy() & (fresh >= 0)
    for name in snapshots:
        values = out[name].to_numpy(dtype=float, na_value=np.nan).copy()
        values[on_day] = today[name].to_numpy(dtype=float, na_value=np.nan)[fresh[on_day]]
        out[name] = values
    return out[[*ALL_KEY, "last_day", *sm.SUMMED, *snapshots]]


def _as_fetched(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the dtypes bulk.fetch_frame gives the same rows (the pack's bytes follow
    them): codes str, integers int64, an integer column with NULLs float64, one of NULLs only
    object."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if name == "last_day":
            continue
        if name in ("department", *ALL_KEY):  # pandas' own str, whichever frames the rows came from
            out[name] = column.astype("str")
        elif name in FLOATS:
            out[name] = column.astype(float)
        elif column.isna().all():
            out[name] = pd.Series([None] * len(out), dtype=object)
        elif column.isna().any():
            out[name] = column.astype(float)
        else:
            out[name] = column.astype(np.int64)
    return out.reset_index(drop=True)
