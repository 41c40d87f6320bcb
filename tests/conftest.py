"""Shared fixtures. They build on each other:

    sqlite_template (session) -> sqlite_engine (per test, a copy of a migrated empty file)
    pg_schema (session, fresh schema)  -> pg_engine (per test, tables truncated)
    engine: parametrised over both backends, so a store test runs on SQLite and PostgreSQL.
    tiny_bank (files in the real formats) -> tiny_sqlite_url (a SQLite store with it loaded)

The read-only stores and banks are built once per run, whichever xdist worker asks first
(tests/once.py), not once per worker.

Outside CI, PostgreSQL tests skip with a one-line reason when the server is unreachable;
under CI=true they fail instead (a skip there would hide a broken promise).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.load import load_paths
from store.engine import make_engine
from store.migrate import upgrade
from store.schema import metadata
from needs import PG_URL, pg_unavailable_reason, require_or_skip
from once import built_once
from tiny_bank import write_hostile_bank, write_tiny_bank

@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(folder: Path) -> str:
        engine = make_engine(f"sqlite:///{folder / 'template.db'}")
        upgrade(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        return "template.db"

    folder, name = built_once(tmp_path_factory, "sqlite-template", build)
    return folder / name


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[sa.Engine]:
    path = tmp_path / "cascade.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    require_or_skip(pg_unavailable_reason())
    schema = f"cascade_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.schema.CreateSchema(schema))
    upgrade(_pg_engine_for(schema))
    yield schema
    with admin.begin() as connection:
        connection.execute(sa.schema.DropSchema(schema, cascade=True))
    admin.dispose()


def _pg_engine_for(schema: str) -> sa.Engine:
    return sa.create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture
def pg_engine(pg_schema: str) -> Iterator[sa.Engine]:
    engine = _pg_engine_for(pg_schema)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> sa.Engine:
    """A migrated, empty store on each backend."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def tiny_bank(tmp_path: Path) -> Path:
    return write_tiny_bank(tmp_path / "inbox")


def _loaded_store(factory: pytest.TempPathFactory, name: str, sqlite_template: Path, write_inbox) -> str:  # noqa: ANN001
    """The URL of a SQLite store holding the bank `write_inbox(folder / "inbox")` writes, built once."""
    def build(folder: Path) -> str:
        shutil.copy(sqlite_template, folder / "cascade.db")
        url = f"sqlite:///{folder / 'cascade.db'}"
        engine = make_engine(url)
        load_paths(engine, [write_inbox(folder / "inbox")])
        engine.dispose()
        return url

    return built_once(factory, name, build)[1]


@pytest.fixture(scope="session")
def tiny_sqlite_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    """A SQLite store holding the tiny bank, loaded once per run: treat it as read-only."""
    return _loaded_store(tmp_path_factory, "tiny", sqlite_template, write_tiny_bank)


@pytest.fixture(scope="session")
def hostile_sqlite_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    """The tiny bank with hostile org and staff names (tiny_bank.HOSTILE_*), loaded once."""
    return _loaded_store(tmp_path_factory, "hostile", sqlite_template, write_hostile_bank)


def _demo_inbox(inbox: Path) -> Path:
    from etl.demo import generate

    generate(scale="small", out=inbox, seed=11, days=14)
    return inbox


@pytest.fixture(scope="session")
def demo_inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two weeks of the small demo bank in the real file formats (generated once per run)."""
    return built_once(tmp_path_factory, "demo", lambda folder: str(_demo_inbox(folder / "inbox")))[0] / "inbox"


@pytest.fixture(scope="session")
def demo_sqlite_url(demo_inbox: Path, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding `demo_inbox`, loaded once per run: treat it as read-only."""
    return _loaded_store(tmp_path_factory, "demo-db", sqlite_template, lambda _: demo_inbox)


@pytest.fixture
def demo_store_copy(demo_sqlite_url: str, tmp_path: Path) -> str:
    """A private, writable copy of the demo store (SQLite's backup API, so the copy is
    consistent whatever is still in the source's write-ahead log)."""
    import sqlite3

    copy = tmp_path / "cascade.db"
    with sqlite3.connect(demo_sqlite_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return f"sqlite:///{copy}"
