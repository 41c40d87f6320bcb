"""The content of a store, for tests that promise a load changed nothing (or changed only X)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from store import staff_append
from store.schema import metadata, staff_pack

# Run bookkeeping changes on every load, even one that loads nothing: not content.
BOOKKEEPING = {"etl_run", "etl_reject"}


# Surrogate keys number rows in insertion order; they are not content either (history_pack's
# last_id is the last surrogate id of the table its pack copies).
SURROGATES = {"id", "load_id", "target_id", "run_id", "last_id"}


def table_hashes(engine: sa.Engine, *, skip: set[str] = BOOKKEEPING, across_runs: bool = False) -> dict[str, str]:
    """A content hash of every table, independent of row order and surrogate keys.

    across_runs: also ignore wall-clock columns (when a change was made), to compare two
    independent loads of the same inputs rather than one store before and after."""
    out = {}
    with engine.connect() as connection:
        held_rows(connection)
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            columns = [
                c for c in table.c
                if c.name not in SURROGATES and not (across_runs and isinstance(c.type, sa.DateTime))
            ]
            # Sorted reprs of plain row tuples: as order-free as sorting a DataFrame, 50 times faster
            # (the bad-input corpus hashes the store twice per case).
            rows = sorted(repr(tuple(row)) for row in connection.execute(sa.select(*columns)))
            text = "\n".join([",".join(c.name for c in columns), *rows])
            out[table.name] = hashlib.sha256(text.encode()).hexdigest()
        connection.rollback()
    return out


def held_rows(connection: sa.Connection) -> None:
    """Put the staff_month rows of months held by their packs alone (store.staff_append) into
    the table, in `connection`'s transaction (roll it back after reading): a month's content
    is its rows, wherever the store keeps them."""
    for month in connection.execute(sa.select(staff_pack.c.month).distinct()).scalars().all():
        if staff_append.packed_only(connection, month):
            staff_append.materialise(connection, month)
