"""Relations live per staff × kind at the end of chosen days (staff_live, store/schema.py):
the ends of weeks and months, and the newest day of data. The rollup rebuild records them
as it carries the live relations from day to day; the staff pages read a period's end from
them (store.staff_pack) instead of counting every relation ever added in fact_contact."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, delete, select

from store import bulk
from store.schema import staff_live
from store.staff_month import month_end


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
