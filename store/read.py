"""Reads used by the ETL (histories, fact windows) and by operations (freshness).

All SQL is built from Core constructs with bound parameters. Page reads that take a caller's
scope live in store/pages.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd
from sqlalchemy import Boolean, Connection, Engine, Float, Integer, Numeric, case, func, or_, select

from store import bulk, history_pack
from store.grains import BEHAVIOUR, rows_of
from store.schema import (
    etl_reject,
    etl_run,
    fact_contact,
    fact_conversion,
    fact_staff_day,
    org_unit,
    rollup_day,
    staff,
)


def frame(connection: Connection, statement) -> pd.DataFrame:  # noqa: ANN001 - any Select
    """The rows of `statement` as a DataFrame whose numeric columns are numeric even when
    there are no rows (an empty object column turns every later sum into objects)."""
    result = connection.execute(statement)
    # Plain tuples: pandas probes Row objects as mappings, which costs more than the query.
    out = pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
    if out.empty:
        types = {column.key: column.type for column in getattr(statement, "selected_columns", [])}
        out = out.astype({name: _empty_dtype(types.get(name)) for name in out.columns})
    return out


def _empty_dtype(column_type: object) -> str:
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Integer):
        return "int64"
    if isinstance(column_type, (Float, Numeric)):
        return "float64"
    return "object"


def org_history(connection: Connection, *, packed: bool = True) -> pd.DataFrame:
    """Every org version, from its pack unless it is stale (store/history_pack.py) or `packed` is off."""
    found = history_pack.read(connection, org_unit) if packed else None
    if found is not None:
        return found
    columns = [c for c in org_unit.c if c.name != "id"]
    return bulk.fetch_frame(connection, select(*columns).order_by(org_unit.c.code, org_unit.c.valid_from))


def staff_history(connection: Connection, *, packed: bool = True) -> pd.DataFrame:
    """Every roster version (a national bank's is a million rows), from its pack unless it is
    stale or `packed` is off, else from the driver's cursor."""
    found = history_pack.read(connection, staff) if packed else None
    if found is not None:
        return found
    columns = [c for c in staff.c if c.name != "id"]
    return bulk.fetch_frame(connection, select(*columns).order_by(staff.c.staff_id, staff.c.valid_from))


HISTORIES = {"org_unit": org_history, "staff": staff_history}


def staff_day_facts(connection: Connection, *, start: date, end: date) -> pd.DataFrame:
    columns = [c for c in fact_staff_day.c if c.name != "load_id"]
    return bulk.fetch_frame(connection, select(*columns).where(fact_staff_day.c.day.between(start, end)))


def staff_day_rows(connection: Connection, *, day: date, staff_ids: Sequence[str]) -> pd.DataFrame:
    """The fact_staff_day rows of `staff_ids` on `day`, without day and load_id: a few thousand
    of a national day's 400K, so the ids are staged and joined rather than bound one by one."""
    f = fact_staff_day.c
    columns = [c for c in fact_staff_day.c if c.name not in ("day", "load_id")]
    with bulk.staged_ids(connection, fact_staff_day, staff_ids) as keys:
        joined = fact_staff_day.join(keys, keys.c.staff_id == f.staff_id)
        return bulk.fetch_frame(connection, select(*columns).select_from(joined).where(f.day == day))


def behaviour_rollup(connection: Connection, *, day: date) -> pd.DataFrame:
    """`day`'s rollup_day rows of the behaviour grain (every dimension 'all'), without day."""
    r = rollup_day.c
    columns = [c for c in rollup_day.c if c.name != "day"]
    return bulk.fetch_frame(connection, select(*columns).where(r.day == day, rows_of(rollup_day, BEHAVIOUR)))


def active_staff_days(connection: Connection, *, start: date, end: date,
                      staff_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """(day, staff_id) of every staff-day of [start, end] with a chat or a new contact (of
    `staff_ids` only, if given): what "active in the last 7 days" needs of the days before a
    rollup window, instead of every column of every staff's row (a national day read 2.4M
    rows of 20 columns for it)."""
    f = fact_staff_day.c
    active = or_(func.coalesce(f.chat_cnt, 0) > 0, func.coalesce(f.new_contact_cnt, 0) > 0)
    statement = select(f.day, f.staff_id).where(f.day.between(start, end), active)
    if staff_ids is None:
        return bulk.fetch_frame(connection, statement)
    with bulk.staged_ids(connection, fact_staff_day, staff_ids) as keys:
        return bulk.fetch_frame(connection, statement.join_from(fact_staff_day, keys, keys.c.staff_id == f.staff_id))


def contact_live_before(connection: Connection, *, day: date) -> pd.DataFrame:
    """Per staff × kind × segment: relations live at the end of the day before `day`."""
    c = fact_contact.c
    statement = (
        select(c.staff_id, c.kind, c.segment, func.count().label("live"))
        .where(c.added_on < day, or_(c.removed_on.is_(None), c.removed_on >= day))
        .group_by(c.staff_id, c.kind, c.segment)
    )
    # From the driver's cursor: a national bank's ~1M staff × kind × segment rows cost ~6 s as
    # SQLAlchemy rows (profiled on the national day), ~2 s this way.
    return bulk.fetch_frame(connection, statement)


def contact_events(connection: Connection, *, start: date, end: date, event: str) -> pd.DataFrame:
    """Per staff × kind × segment × day: how many relations had `event` (added_on,
    removed_on or first_chat_on) on each day of [start, end]."""
    c = fact_contact.c
    column = c[event]
    statement = (
        select(c.staff_id, c.kind, c.segment, column.label("day"), func.count().label("n"))
        .where(column.between(start, end))
        .group_by(c.staff_id, c.kind, c.segment, column)
    )
    return bulk.fetch_frame(connection, statement)


def conversion_facts(connection: Connection, *, start: date, end: date) -> pd.DataFrame:
    c = fact_conversion.c
    statement = select(
        c.day, c.staff_id, c.department, c.kind, c.segment, c.product, c["count"], c.amount
    ).where(c.day.between(start, end))
    out = bulk.fetch_frame(connection, statement)
    out["amount"] = out["amount"].astype(float)
    return out


def rolled_up_days(connection: Connection, days: Iterable[date]) -> set[date]:
    """Which of `days` have rollup_day rows: one seek each on the primary key's leading day."""
    r = rollup_day.c
    return {day for day in days
            if connection.execute(select(r.day).where(r.day == day).limit(1)).first() is not None}


def fact_days(connection: Connection, *, since: date | None = None) -> list[date]:
    """Every day (from `since` on) that has any fact, for rebuilding rollups after the org,
    the roster or contact relations changed.

    One index seek per distinct day (MIN(day) > the previous one) instead of a DISTINCT over
    the whole table: on a year of a large bank that scan read tens of millions of rows, and
    it ran for every contacts file."""
    days: set[date] = set()
    for column in (fact_staff_day.c.day, fact_conversion.c.day, fact_contact.c.added_on):
        floor = select(func.min(column)).where(column >= since) if since else select(func.min(column))
        current = connection.execute(floor).scalar()
        while current is not None:
            days.add(current)
            current = connection.execute(select(func.min(column)).where(column > current)).scalar()
    return sorted(days)


def runs_awaiting_rollup(connection: Connection) -> pd.DataFrame:
    """Runs whose facts landed but whose rollups were not rebuilt (a crash in between)."""
    statement = select(etl_run.c.id, etl_run.c.first_day, etl_run.c.last_day).where(
        etl_run.c.status == "loaded"
    )
    return frame(connection, statement)


def source_freshness(engine: Engine, *, today: date) -> pd.DataFrame:
    """Per source: the last successful load, the newest day it covers and how late it is."""
    r = etl_run.c
    ok = r.status == "ok"
    statement = (
        select(
            r.source,
            func.count().label("runs"),
            func.sum(case((ok, 1), else_=0)).label("ok_runs"),
            func.max(case((ok, r.finished_at))).label("last_loaded_at"),
            func.max(case((ok, r.last_day))).label("newest_day"),
            func.sum(r.rows_loaded).label("rows_loaded"),
            func.sum(r.rows_rejected).label("rows_rejected"),
        )
        .group_by(r.source)
        .order_by(r.source)
    )
    with engine.connect() as connection:
        out = frame(connection, statement)
    out["days_behind"] = [
        (today - day).days if isinstance(day, date) else None for day in out["newest_day"]
    ]
    return out


def rejects(engine: Engine, *, run_id: int | None = None, limit: int = 1000) -> pd.DataFrame:
    """Quarantined rows: of one run, or of every file's latest run (so a reload does not
    list the same bad row twice)."""
    r, j = etl_run.c, etl_reject.c
    statement = select(j.run_id, r.source, j.file, j.line, j.column, j.reason).join(etl_run, r.id == j.run_id)
    if run_id is not None:
        statement = statement.where(j.run_id == run_id)
    else:
        latest = select(func.max(r.id)).group_by(r.file).scalar_subquery()
        statement = statement.where(j.run_id.in_(latest))
    with engine.connect() as connection:
        return frame(connection, statement.order_by(j.file, j.line).limit(limit))


def rollup_days(connection: Connection) -> list[date]:
    return [row[0] for row in connection.execute(select(rollup_day.c.day).distinct().order_by(rollup_day.c.day))]


def latest_rollup_day(engine: Engine) -> date | None:
    with engine.connect() as connection:
        return connection.execute(select(func.max(rollup_day.c.day))).scalar()

