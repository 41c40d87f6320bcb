"""Corrections: staff-day facts replaced on a day that is already rolled up.

Each day's WeCom pull re-pulls the day before, where it corrects a few staff members' rows
(an early pull returned zeros: ~1.5% of a national bank's 400K staff). Rebuilding that day's
behaviour grain meant reading and rolling up all 400K of its rows again, ~5 s of a national
day's load (bench). A correction instead records, when the rows are written, which staff
changed and their rows as they stood before; the rebuild then adds to the day's stored rows
the difference between those staff members' components after and before (behaviour
components are sums over staff, so that is exact; floats are held to 1/10,000, see
kpi.rollup.roll_up). The result is the rows a whole rebuild would write.

Corrections are for small changes: a delivery that changes many rows of a day (a re-sent
day, say) rebuilds the day whole, as does any change that is not a staff-day row upsert
(a task extract replaces a whole day's columns). A crashed load's days are rebuilt whole
(etl.load recovers them), so a correction lost with the process costs only time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from kpi import rollup as r
from store import read, write
from store.engine import Connection, Engine
from store.grains import BEHAVIOUR
from store.schema import rollup_day

# Above this many changed staff a day is rebuilt whole: reading every row once is then
# cheaper than staging the ids, and the day was re-sent rather than corrected.
MAX_STAFF = 20_000


@dataclass(frozen=True)
class Correction:
    """The staff whose row of a rolled-up day a load changed or added (`staff`), and their
    rows as the day was rolled up (`before`; staff with no row then are absent)."""

    staff: frozenset[str]
    before: pd.DataFrame

    def then(self, later: Correction) -> Correction:
        """This correction followed by `later` (a second file correcting the same day): the
        rows before are the first file's where it had them, since the day's rollup predates both."""
        new = later.before[~later.before["staff_id"].isin(self.staff)]
        return Correction(self.staff | later.staff, pd.concat([self.before, new], ignore_index=True))


def capture(connection: Connection, day: date, rows: pd.DataFrame, columns: Sequence[str]) -> Correction | None:
    """Before `rows` (staff_id and `columns` of fact_staff_day) are upserted on `day`, already
    rolled up: the correction they make (None when too many rows change to correct). Rows
    equal to the stored ones change nothing and are left out."""
    if len(rows) > MAX_STAFF:
        return None
    stored = read.staff_day_rows(connection, day=day, staff_ids=rows["staff_id"])
    old = rows[["staff_id"]].merge(stored, on="staff_id", how="left", indicator=True)
    incoming = rows.reset_index(drop=True)
    same = old["_merge"].eq("both").to_numpy()
    for name in columns:
        a, b = old[name].astype("float64").to_numpy(), incoming[name].astype("float64").to_numpy()
        same = same & ((a == b) | (np.isnan(a) & np.isnan(b)))
    changed = frozenset(incoming.loc[~same, "staff_id"])
    if len(changed) > MAX_STAFF:
        return None
    return Correction(changed, stored[stored["staff_id"].isin(changed)].reset_index(drop=True))


def apply(engine: Engine, day: date, correction: Correction, *, org: pd.DataFrame, staff: pd.DataFrame,
          chains: pd.DataFrame) -> int:
    """Rewrite `day`'s behaviour rows with `correction` applied; return the rows written."""
    if not correction.staff:
        return 0
    ids = sorted(correction.staff)
    with engine.begin() as connection:
        after = read.staff_day_rows(connection, day=day, staff_ids=ids)
        earlier = read.active_staff_days(connection, start=day - timedelta(days=r.ACTIVE_DAYS - 1),
                                         end=day - timedelta(days=1), staff_ids=ids)
        stored = read.behaviour_rollup(connection, day=day)
        rows = r.corrected_behaviour(
            stored, before=correction.before, after=after, roster=r.staff_on(staff, org, day), chains=chains,
            active_before=set(earlier["staff_id"]), staff_ids=ids)
        write.delete_rollup_grains(connection, day, [BEHAVIOUR])
        return write.insert_rows(connection, rollup_day, rows.assign(day=day))
