"""Relations live at the end of one day, per staff × kind × segment, packed as Arrow IPC.

Why: a rollup rebuild that starts on day S needs the relations live at the end of S - 1. In
one load it carries them from window to window; a new load counted them from fact_contact,
every relation ever added (3 s on 35 days of the large bank, growing with the history). The
rebuild now packs them at the end of each window, in the transaction of that day's rows, and
the next rebuild starting the day after reads the pack instead (a copy, no scan).

Why it stays true: relations change only through a contacts delivery, and a delivery that
changes whether a relation is live on some day D has the rollups of every day from D on
rebuilt (etl.writers, store.write.contact_changes), so the window that ends on the packed day
is rebuilt, and the pack rewritten, before a later load can start from it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, delete, insert, select

from store.schema import live_pack
from store.staff_pack import pack_frame, unpack_frame


def write(connection: Connection, day: date, live: pd.Series) -> None:
    """Replace the pack by `live` (indexed by staff_id, kind, segment) at the end of `day`, in a
    canonical form (no zero counts, index sorted, whole numbers) so equal counts pack to equal
    bytes however they were reached."""
    counts = live[live != 0].sort_index().astype("int64").rename("live").reset_index()
    connection.execute(delete(live_pack))
    connection.execute(insert(live_pack).values(day=day, row_count=len(counts), data=pack_frame(counts)))


def read(connection: Connection, day: date) -> pd.Series | None:
    """The relations live at the end of `day`, or None if the pack is of another day (or none)."""
    packed = connection.execute(select(live_pack.c.data).where(live_pack.c.day == day)).scalar()
    if packed is None:
        return None
    counts = unpack_frame(packed)
    return counts.set_index(list(counts.columns[:-1]))["live"]
