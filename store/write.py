"""Writes: load runs, rejects, dimension histories, facts and rollups.

Every function takes an open connection (the caller owns the transaction, so that one file's
rows for a day land together or not at all) or the engine for run bookkeeping, which must
survive the failure of the load it records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone

import pandas as pd
from sqlalchemy import Connection, Engine, Table, and_, delete, insert, or_, select, update

from store import bulk
from store.schema import CONTACT_KEY, etl_reject, etl_run, fact_contact


def now() -> datetime:
    return datetime.now(timezone.utc)


def insert_rows(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    return bulk.insert_frame(connection, table, frame)


def upsert_rows(
    connection: Connection, table: Table, frame: pd.DataFrame, *, keys: Sequence[str]
) -> int:
    """Insert rows, replacing the listed columns of rows whose key already exists."""
    return bulk.upsert_frame(connection, table, frame, keys=keys)


def delete_days(connection: Connection, table: Table, days: Sequence[date]) -> None:
    connection.execute(delete(table).where(table.c.day.in_(list(days))))


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
    by a staff member; return what that changed for the rollups (see `contact_changes`). On
    SQLite temporary triggers record each changed row's old and new dates during the upsert
    itself: looking the old rows up first cost as much as the upsert (a daily file holds
    ~150K relations of a large bank)."""
    keys = CONTACT_KEY
    if connection.dialect.name != "sqlite":
        changes = contact_changes(connection, rows)
        upsert_rows(connection, fact_contact, rows, keys=keys)
        return changes
    for statement in _CHANGE_CAPTURE:
        connection.exec_driver_sql(statement)
    try:
        upsert_rows(connection, fact_contact, rows, keys=keys)
        since = connection.exec_driver_sql("SELECT min(since) FROM temp.contact_change").scalar()
        chats = connection.exec_driver_sql(
            "SELECT chat_old FROM temp.contact_change WHERE chat_old IS NOT NULL "
            "UNION SELECT chat_new FROM temp.contact_change WHERE chat_new IS NOT NULL").scalars().all()
    finally:
        for statement in _CHANGE_CAPTURE_END:
            connection.exec_driver_sql(statement)
    return (date.fromisoformat(since) if since else None), {date.fromisoformat(d) for d in chats}


# Fixed DDL (no values): what a changed relation means for the rollups, as in _relation_change.
# Dates are ISO text on SQLite, so min() orders them.
_CHANGE_CAPTURE = [
    "CREATE TEMP TABLE IF NOT EXISTS contact_change (since TEXT, chat_old TEXT, chat_new TEXT)",
    "DELETE FROM temp.contact_change",
    "CREATE TEMP TRIGGER contact_added AFTER INSERT ON main.fact_contact BEGIN "
    "INSERT INTO contact_change VALUES (NEW.added_on, NULL, NEW.first_chat_on); END",
    "CREATE TEMP TRIGGER contact_changed AFTER UPDATE ON main.fact_contact "
    "WHEN OLD.segment IS NOT NEW.segment OR OLD.kind IS NOT NEW.kind "
    "OR OLD.removed_on IS NOT NEW.removed_on OR OLD.first_chat_on IS NOT NEW.first_chat_on BEGIN "
    "INSERT INTO contact_change VALUES ("
    "CASE WHEN OLD.segment IS NOT NEW.segment OR OLD.kind IS NOT NEW.kind THEN NEW.added_on "
    "WHEN OLD.removed_on IS NOT NEW.removed_on "
    "THEN min(coalesce(OLD.removed_on, NEW.removed_on), coalesce(NEW.removed_on, OLD.removed_on)) END, "
    "CASE WHEN OLD.first_chat_on IS NOT NEW.first_chat_on THEN OLD.first_chat_on END, "
    "CASE WHEN OLD.first_chat_on IS NOT NEW.first_chat_on THEN NEW.first_chat_on END); END",
]
_CHANGE_CAPTURE_END = [
    "DROP TRIGGER IF EXISTS temp.contact_added",
    "DROP TRIGGER IF EXISTS temp.contact_changed",
    "DELETE FROM temp.contact_change",
]


def contact_changes(connection: Connection, rows: pd.DataFrame) -> tuple[date | None, set[date]]:
    """What upserting these relations changes in the rollups, against what is stored now:
    (the first day from which live snapshots change, or None; single days whose first-chat
    flow changes). Call it before the upsert.

    Why not "every day from the earliest date in the file": a daily delivery re-sends old
    relations whose first chat or removal happened today, and their added_on would have
    rebuilt the whole history's rollups for one day's file."""
    fields = ["removed_on", "first_chat_on", "segment", "kind"]
    staged = bulk.stage(connection, fact_contact, rows[CONTACT_KEY + fields])
    s, f = staged.c, fact_contact.c
    known = select(*[s[c] for c in CONTACT_KEY + fields], *[f[c].label(f"old_{c}") for c in fields]).select_from(
        staged.outerjoin(fact_contact, and_(*[f[c] == s[c] for c in CONTACT_KEY]))
    ).where(or_(f.staff_id.is_(None), *[~s[c].is_not_distinct_from(f[c]) for c in fields]))
    changed = connection.execute(known).all()
    staged.drop(connection)
    since: date | None = None
    singles: set[date] = set()
    for row in changed:
        bound, days = _relation_change(row._mapping)
        since = bound if since is None or (bound is not None and bound < since) else since
        singles |= days
    return since, singles


def _relation_change(row) -> tuple[date | None, set[date]]:  # noqa: ANN001 - a row mapping
    """One changed relation: from when its live days differ, and its first-chat days."""
    chats = {d for d in (row["first_chat_on"], row["old_first_chat_on"]) if d is not None}
    if row["old_segment"] is None:  # new (segment is NOT NULL when stored): live from its add
        return row["added_on"], chats
    if row["first_chat_on"] == row["old_first_chat_on"]:
        chats = set()
    if (row["segment"], row["kind"]) != (row["old_segment"], row["old_kind"]):
        return row["added_on"], chats
    if row["removed_on"] != row["old_removed_on"]:
        return min(d for d in (row["removed_on"], row["old_removed_on"]) if d is not None), chats
    return None, chats
