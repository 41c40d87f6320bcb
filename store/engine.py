"""Engine factory: the only way the project gets a database connection.

SQLite is the embedded default. It is opened in WAL mode so that the dashboard process can
read while the ETL process writes, with foreign keys enforced (SQLite leaves them off unless
asked, per connection). PostgreSQL is the production store, reached through psycopg 3.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url

from store.settings import get_settings

CACHE_KIB = 128 * 1024
# How much the WAL may hold before a commit copies its pages back into the database file (SQLite's
# default is 1,000: 4 MB). A load rewrites the same index and rollup pages many times over;
# checkpointing every 4 MB copied each of them back again and again (a national day spent
# ~2 s of its ~40 s so, bench). At ~400 MB of WAL (disk; in pages of the file's own size) a
# page changed many times between checkpoints is copied once.
WAL_CHECKPOINT_BYTES = 400 * 2**20
# SQLite's page size for new database files (its default is 4 KB; a file that has tables keeps
# the size it was made with, so existing stores are untouched). The loader's rows are wide
# (rollup_day ~45 columns, staff_month ~35) and written by the hundred thousand; a 16 KB page
# holds 4x the rows. `etl load` of the national day 41.5 -> 39.9 s, the large bank's last day
# 14.2 -> 13.7 s, page reads unchanged (A/B on one bank each, December 2026). 64 KB pages
# gained no more on loads and slowed the executive overview by ~12%.
PAGE_BYTES = 16_384

__all__ = ["Connection", "Engine", "Table", "is_in_memory", "is_sqlite", "make_engine", "normalise_url"]  # types for callers


def normalise_url(url: str) -> str:
    """Map a plain `postgresql://` URL to the psycopg 3 driver we ship."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str | None = None, *, echo: bool | None = None) -> Engine:
    """Create an engine for `url` (default: settings.database_url).

    >>> engine = make_engine("sqlite:///data/cascade.db")
    """
    settings = get_settings()
    url = normalise_url(url or settings.database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=settings.sql_echo if echo is None else echo)
    return create_engine(
        url,
        echo=settings.sql_echo if echo is None else echo,
        pool_pre_ping=True,
    )


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI types
        cursor = dbapi_connection.cursor()
        # Before anything else: only a database without tables takes a page size (see PAGE_BYTES).
        cursor.execute(f"PRAGMA page_size={PAGE_BYTES}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite's default page cache is 2 MB: every insert into a table of millions of rows
        # then re-reads its index pages from the OS. 128 MB (grown only as used) keeps the
        # hot index pages of a load, and a page's working set, in memory.
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.execute("PRAGMA temp_store=MEMORY")
        page_bytes = cursor.execute("PRAGMA page_size").fetchone()[0]  # an older file's own size
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_bytes}")
        cursor.close()

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_in_memory(engine: Engine) -> bool:
    """Whether `engine` is an in-memory SQLite database: each connection then opens a database
    of its own, so work cannot be spread over connections (threads)."""
    return is_sqlite(engine) and engine.url.database in (None, "", ":memory:")
