"""Reads of the data health page (admin): load runs with their timings, reject counts, and
coverage (staff on the roster who sent no WeCom data in a period).

Freshness per source and the reject list are `store.read.source_freshness` and
`store.read.rejects`, the same reads as `python -m etl status` and `python -m etl rejects`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, func, or_, select

from store import staff_pack
from store.pages import Scope, latest_versions, lineage, subtree_of
from store.read import frame
from store.schema import etl_reject, etl_run, fact_staff_day, org_unit, staff, staff_month
from store.staff_month import ALL
from store.staff_reads import cover, packed_roster

RUN_COLUMNS = ("id", "source", "file", "status", "rows_in", "rows_loaded", "rows_rejected",
               "first_day", "last_day", "started_at", "finished_at", "message")


def load_runs(engine: Engine, *, limit: int, statuses: Sequence[str] = (), sources: Sequence[str] = ()) -> pd.DataFrame:
    """The latest `limit` runs (newest first), optionally only those with one of `statuses`
    and one of `sources`, with start and finish as UTC timestamps and the duration in seconds
    (missing while a run is still running)."""
    r = etl_run.c
    statement = select(*[r[name] for name in RUN_COLUMNS])
    if statuses:
        statement = statement.where(r.status.in_(list(statuses)))
    if sources:
        statement = statement.where(r.source.in_(list(sources)))
    with engine.connect() as connection:
        runs = frame(connection, statement.order_by(r.id.desc()).limit(limit))
    # SQLite hands back naive datetimes (written as UTC by store.write.now), PostgreSQL aware ones.
    for column in ("started_at", "finished_at"):
        runs[column] = pd.to_datetime(runs[column], utc=True)
    runs["duration_s"] = (runs["finished_at"] - runs["started_at"]).dt.total_seconds()
    return runs


def run_facets(engine: Engine) -> dict[str, list[str]]:
    """Every status and every source that any run has (the choices of the run filters)."""
    r = etl_run.c
    with engine.connect() as connection:
        return {name: sorted(row[0] for row in connection.execute(select(r[name]).distinct()))
                for name in ("status", "source")}


def reject_counts(engine: Engine, *, run_id: int | None = None) -> pd.DataFrame:
    """Quarantined rows per source and reason: of one run, or of every file's latest run
    (the same selection as `store.read.rejects`, but counted over all rows, not a page)."""
    r, j = etl_run.c, etl_reject.c
    statement = select(r.source, j.reason, func.count().label("rejects")).join(etl_run, r.id == j.run_id)
    if run_id is not None:
        statement = statement.where(j.run_id == run_id)
    else:
        statement = statement.where(j.run_id.in_(select(func.max(r.id)).group_by(r.file).scalar_subquery()))
    statement = statement.group_by(r.source, j.reason).order_by(func.count().desc(), r.source, j.reason)
    with engine.connect() as connection:
        return frame(connection, statement)


COVERAGE_COLUMNS = ("staff_id", "name", "outlet_code", "role", "wecom_status", "contact_enabled", "has_data",
                    "outlet_name", "outlet_name_en")
ROSTER = list(COVERAGE_COLUMNS[:6])
ID_BATCH = 10_000  # staff ids bound per statement (SQLite allows 32,766 parameters)


def staff_coverage(engine: Engine, *, scope: Scope, under: str, start: date, end: date) -> pd.DataFrame:
    """One row per staff member on the roster of the subtree of `under` at any time in
    [start, end], in their latest version there, with `has_data`: whether they have any
    staff-day fact (WeCom behaviour, group statistics, tasks) in the period.

    Raises OutOfScope when `under` is outside the caller's scope.

    The roster comes from staff_pack where it holds the period's end (the staff pages' read),
    else from SQL; whoever has a fact is told by staff_month's whole months, and only the rest
    (a few thousand of a bank's 51,000) are looked up in the facts: one EXISTS per roster
    version cost ~400 ms at head office. The ids are matched as Arrow arrays: Python's str
    hashing of 50,000 ids costs ~15 ms a pass."""
    lineage(engine, scope=scope, code=under, day=end)  # refuse anything outside scope
    u = org_unit.c
    with engine.connect() as connection:
        versions = latest_versions(connection, end, u.name, u.name_en)
        levels = {code: level for code, _, level, *_ in versions}
        outlets = [c for c in subtree_of(versions, under) if levels.get(c) == "outlet"]
        roster = packed_roster(connection, outlets, start, end, ROSTER)
        if roster is None:
            roster = _roster(connection, outlets, start, end)
        has_data = _reported(connection, pa.array(roster["staff_id"], pa.string()), start, end)
    roster = roster.assign(has_data=has_data, **_outlet_names(versions, roster["outlet_code"]))
    return roster[list(COVERAGE_COLUMNS)].astype({"has_data": bool, "contact_enabled": bool, "wecom_status": "int64"})


def _outlet_names(versions: list[tuple], codes: pd.Series) -> dict[str, pd.Series]:
    """outlet_name and outlet_name_en of each of `codes`, from latest_versions' rows (NaN for
    a code without one): matched as Arrow arrays, not element by element."""
    known = pa.array([v[0] for v in versions], pa.string())
    at = pc.index_in(pa.array(codes, pa.string()), value_set=known)
    return {column: pd.Series(pa.array([v[i] for v in versions], pa.string()).take(at), dtype="str")
            for column, i in (("outlet_name", 3), ("outlet_name_en", 4))}


def _roster(connection: Connection, outlets: list[str], start: date, end: date) -> pd.DataFrame:
    """Each member's latest version in `outlets` overlapping [start, end], by staff id (the
    roster staff_pack holds, read in SQL)."""
    s = staff.c
    statement = select(*[s[n] for n in ROSTER]).where(s.outlet_code.in_(outlets), s.valid_from <= end,
                                                     or_(s.valid_to.is_(None), s.valid_to > start))
    # Ordered by version: the last row of a staff member is their latest version. Plain
    # tuples from the driver's cursor, deduplicated in a dict: SQLAlchemy's Row per row, or
    # pandas' drop_duplicates, cost about as much as the query.
    result = connection.execute(statement.order_by(s.staff_id, s.valid_from))
    latest = {row[0]: row for row in result.cursor.fetchall()}
    result.close()
    return pd.DataFrame(list(latest.values()), columns=ROSTER)


def _reported(connection: Connection, ids: pa.Array, start: date, end: date) -> np.ndarray:
    """Whether each of `ids` has a staff-day fact in [start, end]. A member with a fact in a
    whole month of the period has it in that month's staff_month 'all' row (fact_days > 0);
    the others are looked up in the facts by index. staff_month alone is not enough: it holds
    placed facts only, and a roster delivery can shorten a version under a fact already
    loaded (that fact still counts here, as it always did)."""
    found = pc.is_in(ids, value_set=_placed(connection, cover(connection, start, end)[0]))
    rest, f = ids.filter(pc.invert(found)).to_pylist(), fact_staff_day.c
    for first in range(0, len(rest), ID_BATCH):
        batch = rest[first:first + ID_BATCH]
        statement = select(f.staff_id).where(f.staff_id.in_(batch), f.day.between(start, end)).distinct()
        more = pa.array(connection.execute(statement).scalars().all(), pa.string())
        found = pc.or_(found, pc.is_in(ids, value_set=more))
    return found.to_numpy(zero_copy_only=False)


def _placed(connection: Connection, months: list[date]) -> pa.Array:
    """The staff with a fact placed in one of `months` (built in staff_month): from the packed
    copy of its 'all' rows where every month has one (one value to read, where the rows of
    the table cost ~60 ms a month at a whole bank), else from staff_month."""
    if not months:
        return pa.array([], pa.string())
    packed = staff_pack.read(connection, months, "sums")
    if packed is not None:
        rows = pa.concat_tables(packed[0]).select(["staff_id", "fact_days"])
        return rows.filter(pc.greater(rows["fact_days"], 0))["staff_id"].combine_chunks().cast(pa.string())
    m = staff_month.c
    result = connection.execute(select(m.staff_id).where(m.month.in_(months), m.department == ALL, m.fact_days > 0))
    placed = pa.array([row[0] for row in result.cursor.fetchall()], pa.string())
    result.close()
    return placed
