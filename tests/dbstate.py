"""The content of a store, for tests that promise a load changed nothing (or changed only X)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from store.schema import metadata

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
    return out
