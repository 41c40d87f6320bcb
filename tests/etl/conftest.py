"""Fixtures of the ETL tests: stores that already hold the tiny bank."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.load import load_paths
from store.engine import make_engine


@pytest.fixture
def banked_sqlite(tiny_sqlite_url: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """A private copy of the session's tiny-bank SQLite store: copying a file beats reloading."""
    source = Path(sa.engine.make_url(tiny_sqlite_url).database)
    target = tmp_path / "banked.db"
    for suffix in ("", "-wal"):  # the WAL is normally checkpointed away; copy it if not
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    engine = make_engine(f"sqlite:///{target}")
    yield engine
    engine.dispose()


@pytest.fixture
def banked_pg(pg_engine: sa.Engine, tiny_bank: Path) -> sa.Engine:
    """The PostgreSQL test store with the tiny bank loaded."""
    summary = load_paths(pg_engine, [tiny_bank])
    assert not summary.failed
    return pg_engine
