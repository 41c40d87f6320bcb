"""The SQLite engine's per-connection settings: new files get 16 KB pages, older files keep
theirs, and the WAL's checkpoint threshold is the same number of bytes either way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from store.engine import PAGE_BYTES, WAL_CHECKPOINT_BYTES, make_engine
from store.migrate import upgrade


def _pragma(engine, statement: str) -> int:  # noqa: ANN001 - an Engine
    with engine.connect() as connection:
        return connection.execute(text(statement)).scalar()


def test_a_new_store_is_made_with_the_engines_page_size(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(tmp_path / "new.db") as raw:  # as the file says, not as a connection asks
        assert raw.execute("PRAGMA page_size").fetchone()[0] == PAGE_BYTES == 16_384
    assert _pragma(make_engine(f"sqlite:///{tmp_path / 'new.db'}"), "PRAGMA wal_autocheckpoint") == \
        WAL_CHECKPOINT_BYTES // PAGE_BYTES


def test_an_existing_store_keeps_its_pages_and_its_wal_budget_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as raw:  # a store made before the page size was chosen
        raw.execute("PRAGMA page_size=4096")
        raw.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY, name TEXT)")
        raw.execute("INSERT INTO kept (name) VALUES ('row')")
    engine = make_engine(f"sqlite:///{path}")
    assert _pragma(engine, "PRAGMA page_size") == 4096
    assert _pragma(engine, "PRAGMA wal_autocheckpoint") == WAL_CHECKPOINT_BYTES // 4096
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM kept")).scalars().all() == ["row"]
