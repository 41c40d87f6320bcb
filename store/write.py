"""Writes: load runs, rejects, dimension histories, facts and rollups.

Every function takes an open connection (the caller owns the transaction, so that one file's
rows for a day land together or not at all) or the engine for run bookkeeping, which must
survive the failure of the load it records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone

import pandas as pd
from sqlalchemy import Connection, Engine, Table, and_, delete, func, insert, or_, select, update

from store import bulk
from store import grains as grains_
from store.schema import CONTACT_KEY, etl_reject, etl_run, fact_contact, metadata, rollup_day


def now() -> datetime:
    return datetime.now(timezone.utc)


def insert_rows(connection: Connection, table: Table, frame: pd.DataFrame, *, zeros: Sequence[str] = ()) -> int:
    """Insert the rows of `frame`, with 0 in the `zeros` columns (see bulk.insert_frame)."""
    return bulk.insert_frame(connection, table, frame, zeros=zeros)


def upsert_rows(
    connection: Connection, table: Table, frame: pd.DataFrame, *, keys: Sequence[str]
) -> int:
    """Insert rows, replacing the listed columns of rows whose key already exists."""
    return bulk.upsert_frame(connection, table, frame, keys=keys)


def delete_days(connection: Connection, table: Table, days: Sequence[date]) -> None:
    connection.execute(delete(table).where(table.c.day.in_(list(days))))


ROLLUP_ALL = grains_.ALL  # the rows of each grain: store/grains.py
ROLLUP_GRAINS = grains_.GRAINS


def delete_rollup_grains(connection: Connection, day: date, grains: Iterable[str]) -> None:
    """Delete `day`'s rollup_day rows of `grains` (all of the day's rows for every grain)."""
    grains = set(grains)
    if not grains <= set(ROLLUP_GRAINS):
        raise ValueError(f"unknown rollup grains: {sorted(grains - set(ROLLUP_GRAINS))}")
    if grains == set(ROLLUP_GRAINS):
        delete_days(connection, rollup_day, [day])
    elif grains:
        connection.execute(delete(rollup_day).where(
            rollup_day.c.day == day, or_(*[grains_.rows_of(rollup_day, g) for g in sorted(grains)])))


def clear_columns(connection: Connection, table: Table, *, day: date, columns: Sequence[str]) -> None:
    """Set `columns` to NULL for every row of `day` (a source re-delivering a whole day)."""
    connection.execute(update(table).where(table.c.day == day).values({c: None for c in columns}))


def replace_all(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Replace a whole table (full-history deliveries of the org and the roster)."""
    connection.execute(delete(table))
    return insert_rows(connection, table, frame)


def start_run(engine: Engine, *, source: str, file: str, checksum: str) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(etl_run).values(
                source=source, file=file, checksum=checksum, status="running", started_at=now()
            )
        )
        return int(result.inserted_primary_key[0])


def finish_run(engine: Engine, run_id: int, **values: object) -> None:
    """Record the outcome of a run (status, counts, days, message)."""
    with engine.begin() as connection:
        connection.execute(update(etl_run).where(etl_run.c.id == run_id).values(finished_at=now(), **values))


def mark_interrupted(engine: Engine) -> int:
    """Runs still `running` belong to a loader that died: mark them, so their files reload.

    Assumes one loader at a time (the inbox is loaded by one scheduled job)."""
    with engine.begin() as connection:
        result = connection.execute(
            update(etl_run).where(etl_run.c.status == "running").values(status="interrupted", finished_at=now())
        )
        return result.rowcount


def set_run_status(connection: Connection, run_ids: Sequence[int], status: str) -> None:
    connection.execute(update(etl_run).where(etl_run.c.id.in_(list(run_ids))).values(status=status))


def add_rejects(connection: Connection, run_id: int, file: str, rejects: list[dict]) -> None:
    if rejects:
        connection.execute(insert(etl_reject), [{"run_id": run_id, "file": file, **r} for r in rejects])


def loaded_checksum(engine: Engine, *, source: str, name: str, checksum: str) -> bool:
    """Whether this file (same name, same bytes) was already loaded successfully. The name
    counts too: two days' empty extracts have identical bytes but are different deliveries."""
    with engine.connect() as connection:
        found = connection.execute(
            select(etl_run.c.id)
            .where(etl_run.c.source == source, etl_run.c.checksum == checksum)
            .where(etl_run.c.file.endswith(name, autoescape=True))
            .where(etl_run.c.status.in_(["ok", "loaded"]))
            .limit(1)
        ).first()
    return found is not None


def upsert_contacts(connection: Connection, rows: pd.DataFrame) -> tuple[date | None, set[date]]:
    """Upsert relations keyed by (added_on, staff_id, customer_key) — one add of a customer
    by a staff member; return what that changed for the rollups (see `contact_changes`).

    The rows are staged once: compared with the stored relations there, then upserted from
    there in SQL (a national day's ~500K relations went through the driver twice before)."""
    staged = bulk.stage(connection, fact_contact, rows[[c for c in rows.columns if c in fact_contact.c]])
    changes = contact_changes(connection, staged)
    bulk.upsert_staged(connection, fact_contact, staged, keys=CONTACT_KEY)
    staged.drop(connection)
    return changes


def contact_changes(connection: Connection, staged: Table) -> tuple[date | None, set[date]]:
    """What upserting the `staged` relations (bulk.stage of fact_contact rows) changes in the
    rollups, against what is stored now: (the first day from which live snapshots change, or
    None; single days whose first-chat flow changes). Call it before the upsert.

    Why not "every day from the earliest date in the file": a daily delivery re-sends old
    relations whose first chat or removal happened today, and their added_on would have
    rebuilt the whole history's rollups for one day's file.

    The staged rows are joined to the stored ones on the key (index seeks). New relations
    (most of a daily file) are summarised in SQL, one row per first-chat day; only stored
    relations that differ come back to Python one by one."""
    fields = ["removed_on", "first_chat_on", "segment", "kind"]
    s, f = staged.c, fact_contact.c
    joined = staged.outerjoin(fact_contact, and_(*[f[c] == s[c] for c in CONTACT_KEY]))
    new = connection.execute(select(s.first_chat_on, func.min(s.added_on)).select_from(joined)
                             .where(f.staff_id.is_(None)).group_by(s.first_chat_on)).all()
    changed = connection.execute(
        select(*[s[c] for c in CONTACT_KEY + fields], *[f[c].label(f"old_{c}") for c in fields])
        .select_from(joined)
        .where(f.staff_id.is_not(None), or_(*[~s[c].is_not_distinct_from(f[c]) for c in fields]))).all()
    since = min((added for _, added in new), default=None)  # new: live from its add
    singles = {chat for chat, _ in new if chat is not None}
    for row in changed:
        bound, days = _relation_change(row._mapping)
        since = bound if since is None or (bound is not None and bound < since) else since
        singles |= days
    return since, singles


def _relation_change(row) -> tuple[date | None, set[date]]:  # noqa: ANN001 - a row mapping
    """One stored relation delivered changed: from when its live days differ, and its
    first-chat days."""
    chats = {d for d in (row["first_chat_on"], row["old_first_chat_on"]) if d is not None}
    if row["first_chat_on"] == row["old_first_chat_on"]:
        chats = set()
    if (row["segment"], row["kind"]) != (row["old_segment"], row["old_kind"]):
        return row["added_on"], chats
    if row["removed_on"] != row["old_removed_on"]:
        return min(d for d in (row["removed_on"], row["old_removed_on"]) if d is not None), chats
    return None, chats


def refresh_planner_statistics(engine: Engine) -> list[str]:
    """On PostgreSQL, ANALYZE every table of the store after a load; return the tables analysed
    (none on SQLite).

    Why: autovacuum analyses a table once 10% of it changed, so a day's load into a year's
    store (under 1%) leaves the planner thinking the new day holds no rows, and a store loaded
    in one go, or on a server with autovacuum off, has no statistics at all. Without them the
    branch leader's S-curve read picked the level index and filtered 174K rows (266 ms) where
    the primary key seeks 1,190 (9 ms). ANALYZE samples a bounded number of rows per table, so
    this costs about a second a large table whatever the history.

    SQLite is left without sqlite_stat1 on purpose: its page reads name their index where the
    choice matters (store.totals' INDEXED BY), and statistics would move the plans of the
    others away from the ones the budgets were measured with."""
    if engine.dialect.name != "postgresql":
        return []
    names = [table.name for table in metadata.sorted_tables]
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        for name in names:  # identifiers from our own schema: they cannot be bound parameters
            connection.exec_driver_sql(f"ANALYZE {quote(name)}")
    return names
