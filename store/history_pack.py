"""The org and roster histories packed as Arrow IPC, written with the tables they copy.

Why: every load conforms facts against the whole org and roster history. A national roster is
a million versions, and reading it from SQLite cost ~5 s of each day's load: the driver hands
Python one object per value, ~10 million of them. A pack is one value, and Arrow rebuilds the
columns from it in a copy (~0.3 s).

A pack is made by the full-history deliveries that replace its table (etl.writers), in their
transaction, from the table as store.read reads it, so it is that frame. It is used only while
the table still has the row count and last id it was made from: a table written any other way
is read as before.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Table, delete, func, insert, select

from store.schema import history_pack
from store.staff_pack import pack_frame, unpack_frame


def write(connection: Connection, table: Table, history: pd.DataFrame) -> None:
    """Replace `table`'s pack with `history` (its read, e.g. store.read.staff_history)."""
    rows, last_id = _stamp(connection, table)
    connection.execute(delete(history_pack).where(history_pack.c.name == table.name))
    connection.execute(insert(history_pack).values(name=table.name, row_count=rows, last_id=last_id,
                                                   data=pack_frame(history)))


def read(connection: Connection, table: Table) -> pd.DataFrame | None:
    """`table`'s history from its pack, or None when there is none or the table changed since."""
    p = history_pack.c
    packed = connection.execute(select(p.row_count, p.last_id, p.data).where(p.name == table.name)).first()
    if packed is None or (packed.row_count, packed.last_id) != _stamp(connection, table):
        return None
    return unpack_frame(packed.data)


def _stamp(connection: Connection, table: Table) -> tuple[int, int]:
    rows, last_id = connection.execute(select(func.count(), func.coalesce(func.max(table.c.id), 0))).one()
    return int(rows), int(last_id)
