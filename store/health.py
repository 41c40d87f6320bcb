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
from sqlalchemy import Engine, exists, func, or_, select

from store.pages import Scope, latest_versions, lineage, subtree_of
from store.read import frame
from store.schema import etl_reject, etl_run, fact_staff_day, org_unit, staff

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


def staff_coverage(engine: Engine, *, scope: Scope, under: str, start: date, end: date) -> pd.DataFrame:
    """One row per staff member on the roster of the subtree of `under` at any time in
    [start, end], in their latest version there, with `has_data`: whether they have any
    staff-day fact (WeCom behaviour, group statistics, tasks) in the period.

    Raises OutOfScope when `under` is outside the caller's scope.

    The bank's whole roster is ~51,000 rows: they are deduplicated and named in plain Python
    (one dict lookup each) from one read of the org, not through pandas drop_duplicates and a
    merge with every unit's name, which cost more than the query."""
    lineage(engine, scope=scope, code=under, day=end)  # refuse anything outside scope
    s, f, u = staff.c, fact_staff_day.c, org_unit.c
    reported = exists().where(f.staff_id == s.staff_id, f.day.between(start, end))
    with engine.connect() as connection:
        versions = latest_versions(connection, end, u.name, u.name_en)
        levels = {code: level for code, _, level, *_ in versions}
        outlets = [c for c in subtree_of(versions, under) if levels.get(c) == "outlet"]
        statement = select(s.staff_id, s.name, s.outlet_code, s.role, s.wecom_status, s.contact_enabled,
                           reported.label("has_data"))
        statement = statement.where(s.outlet_code.in_(outlets), s.valid_from <= end,
                                    or_(s.valid_to.is_(None), s.valid_to > start))
        # Ordered by version: the last row of a staff member is their latest version.
        # Plain tuples from the driver's cursor, in one fetch: SQLAlchemy's Row per row cost
        # about as much as the query (store.bulk.fetch_frame reads the loader's windows so too).
        result = connection.execute(statement.order_by(s.staff_id, s.valid_from))
        latest = {row[0]: row for row in result.cursor.fetchall()}
        result.close()
    names = {code: (name, name_en) for code, _, _, name, name_en in versions}
    nameless = (np.nan, np.nan)
    rows = [(*row[:6], bool(row[6]), *names.get(row[2], nameless)) for row in latest.values()]
    roster = pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))
    return roster.astype({"has_data": bool, "contact_enabled": bool, "wecom_status": "int64"})
