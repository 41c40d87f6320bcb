"""Bulk writes of DataFrames: the loader's hot path.

Why not `connection.execute(insert(table), list_of_dicts)`: SQLAlchemy then builds a dict and
runs every bind processor per value, which cost more than SQLite's own work and made the
loader ~10× slower than the store. Here each column is converted once, vectorised, to the
values the driver stores (dates as ISO text on SQLite — exactly what SQLAlchemy's Date type
writes and reads back — integers as Python ints, NaN/NA/NaT as NULL), and the rows go to the
driver in one call:
- SQLite: one `executemany` of the compiled statement with plain tuples;
- PostgreSQL: COPY into the table, or for an upsert COPY into a temporary table and one
  INSERT … SELECT … ON CONFLICT DO UPDATE from it.
Both run inside the caller's transaction, so a file's rows still land together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sqlalchemy import (Boolean, Column, Connection, Date, Float, Integer, MetaData, Numeric, Select, Table, insert,
                        literal_column, select, true)
from sqlalchemy.dialects import postgresql, sqlite

BATCH = 50_000


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame, *,
                 zeros: Sequence[str] = ()) -> int:
    """Insert every row of `frame` (its columns that are columns of `table`), with 0 in the
    `zeros` columns of every row: written into the statement on SQLite rather than bound per
    row (a rollup row of one grain is 0 in the other grains' 40-odd components)."""
    columns = [c for c in frame.columns if c in table.c and c not in zeros]
    if frame.empty:
        return 0
    if connection.dialect.name == "postgresql":
        full = frame.assign(**{name: 0 for name in zeros}) if zeros else frame
        _copy(connection, table.name, [*columns, *zeros], _rows(full, table, [*columns, *zeros], iso_dates=False))
        return len(frame)
    statement = insert(table).values({name: literal_column("0") for name in zeros}) if zeros else insert(table)
    compiled = statement.compile(dialect=connection.dialect, column_keys=columns)
    _executemany(connection, str(compiled), _rows(frame, table, list(compiled.positiontup), iso_dates=True))
    return len(frame)


def upsert_frame(connection: Connection, table: Table, frame: pd.DataFrame, *, keys: Sequence[str]) -> int:
    """Insert rows, replacing the non-key columns of `frame` in rows whose key exists."""
    columns = [c for c in frame.columns if c in table.c]
    if frame.empty:
        return 0
    if connection.dialect.name == "postgresql":
        _pg_upsert(connection, table, frame, columns, keys)
        return len(frame)
    sql, order = sqlite_upsert(table, columns, keys=keys)
    _executemany(connection, sql, _rows(frame, table, order, iso_dates=True))
    return len(frame)


def sqlite_upsert(table: Table, columns: Sequence[str], *, keys: Sequence[str]) -> tuple[str, list[str]]:
    """SQLite's INSERT … ON CONFLICT (`keys`) DO UPDATE of `columns` into `table`, as the
    driver's SQL (one `?` per column), and the order its parameters take (the table's)."""
    statement = sqlite.insert(table)
    updates = {name: statement.excluded[name] for name in columns if name not in keys}
    compiled = statement.on_conflict_do_update(index_elements=list(keys), set_=updates).compile(
        dialect=sqlite.dialect(), column_keys=list(columns)
    )
    return str(compiled), list(compiled.positiontup)


def _rows(frame: pd.DataFrame, table: Table, columns: list[str], *, iso_dates: bool) -> Iterator[list[tuple]]:
    """The driver's rows of `frame`, BATCH at a time: as Python objects a row costs ~30 of
    them, and a whole national month of staff rows at once took the loader's peak ~0.5 GB up."""
    for start in range(0, len(frame), BATCH):
        part = frame.iloc[start : start + BATCH]
        values = [_driver_values(part[name], table.c[name], iso_dates=iso_dates) for name in columns]
        yield list(zip(*values, strict=True))


def _driver_values(series: pd.Series, column: Column, *, iso_dates: bool) -> list:
    """One column as the Python values the driver stores, NULL for every kind of missing.

    numpy's tolist() makes the Python ints and floats in C; only missing cells are touched
    one by one (pandas' nullable-to-object conversion costs a microsecond per value)."""
    missing = series.isna().to_numpy()
    kind = column.type
    if isinstance(kind, Date):
        return _by_distinct_day(series, iso=iso_dates).tolist()
    if isinstance(kind, Boolean):
        out = series.fillna(False).to_numpy(dtype=bool).tolist()
    elif isinstance(kind, Integer):
        numbers = series.to_numpy(dtype=float, na_value=np.nan) if missing.any() else series.to_numpy()
        out = np.where(missing, 0, numbers).astype(np.int64).tolist()
    elif isinstance(kind, (Float, Numeric)):
        out = series.to_numpy(dtype=float, na_value=np.nan).tolist()
    else:
        out = series.to_numpy(dtype=object).tolist()
    if missing.any():
        for index in missing.nonzero()[0].tolist():
            out[index] = None
    return out


def _by_distinct_day(series: pd.Series, *, iso: bool) -> np.ndarray:
    """Days (date, Timestamp or ISO text) as dates or ISO text, None where missing: a day
    column holds few distinct days, so those are converted and spread by their codes."""
    codes, days = pd.factorize(series)
    converted = [pd.Timestamp(d).date() for d in days]
    values = [d.isoformat() for d in converted] if iso else converted
    return np.array(values + [None], dtype=object)[codes]


def _flag(value: object) -> bool:
    return bool(value)


def _executemany(connection: Connection, sql: str, batches: Iterable[list[tuple]]) -> None:
    for rows in batches:
        connection.exec_driver_sql(sql, rows)


def _copy(connection: Connection, table_name: str, columns: list[str], batches: Iterable[list[tuple]]) -> None:
    from psycopg import sql  # only on PostgreSQL; psycopg is its driver

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table_name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for rows in batches:
            for row in rows:
                copy.write_row(row)


def stage(connection: Connection, table: Table, frame: pd.DataFrame) -> Table:
    """A temporary table holding `frame` (columns typed as in `table`), for joins in SQL.
    The caller drops it (it is dropped at commit on PostgreSQL anyway)."""
    columns = list(frame.columns)
    options = {"postgresql_on_commit": "DROP"} if connection.dialect.name == "postgresql" else {}
    staging = Table(f"_staging_{table.name}", MetaData(), *[Column(c, table.c[c].type) for c in columns],
                    prefixes=["TEMPORARY"], **options)
    staging.create(connection)
    insert_frame(connection, staging, frame)
    return staging


@contextmanager
def staged_ids(connection: Connection, table: Table, staff_ids: Iterable[str]) -> Iterator[Table]:
    """`staff_ids` staged (column staff_id, typed as in `table`) for the block, then dropped:
    for joining a few thousand ids of a table's millions of rows rather than binding each."""
    keys = stage(connection, table, pd.DataFrame({"staff_id": pd.Series(sorted(staff_ids), dtype=object)}))
    try:
        yield keys
    finally:
        keys.drop(connection)


def _pg_upsert(connection: Connection, table: Table, frame: pd.DataFrame, columns: list[str], keys: Sequence[str]) -> None:
    staging = stage(connection, table, frame[columns])
    upsert_staged(connection, table, staging, keys=keys)
    staging.drop(connection)


def upsert_staged(connection: Connection, table: Table, staging: Table, *, keys: Sequence[str]) -> None:
    """Upsert every row of a `stage`d table into `table` in one INSERT … SELECT … ON CONFLICT
    DO UPDATE, in SQL: rows already staged (to be compared with the stored ones, say) are not
    sent through the driver a second time. Rows go in staging order (the order staged)."""
    columns = [c.name for c in staging.c]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    # SQLite's parser needs a WHERE in an INSERT … SELECT that has an ON CONFLICT clause.
    statement = dialect.insert(table).from_select(columns, select(*staging.c).where(true()))
    updates = {name: statement.excluded[name] for name in columns if name not in keys}
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updates))


def fetch_frame(connection: Connection, statement: Select) -> pd.DataFrame:
    """The rows of a Core select as a DataFrame, read from the driver's cursor directly.

    The loader reads a window of facts (a million staff-day rows on a large bank) for every
    rollup rebuild: SQLAlchemy's per-row Row objects and per-value date parsing cost more than
    the query. Date columns (ISO text on SQLite) are converted once per distinct day."""
    result = connection.execute(statement)
    names = list(result.keys())
    rows = result.cursor.fetchall()
    result.close()
    out = pd.DataFrame.from_records(rows, columns=names, coerce_float=True) if rows else pd.DataFrame(columns=names)
    for column in statement.selected_columns:
        kind = column.type
        if isinstance(kind, Date) and column.key in out:
            out[column.key] = _by_distinct_day(out[column.key], iso=False)
        elif isinstance(kind, Boolean) and rows:  # SQLite hands back 0/1
            flags = out[column.key]
            out[column.key] = flags.astype(bool) if flags.notna().all() else flags.map(_flag, na_action="ignore")
        elif rows == [] and isinstance(kind, (Integer, Float, Numeric)):
            out[column.key] = out[column.key].astype("int64" if isinstance(kind, Integer) else "float64")
    return out
