import sqlalchemy as sa

from store.engine import make_engine
from store.migrate import current_revision, head_revision, upgrade
from store.schema import metadata


def test_upgrade_creates_every_table_and_is_idempotent(engine: sa.Engine) -> None:
    assert upgrade(engine) == head_revision()
    assert upgrade(engine) == head_revision()  # a second run changes nothing
    tables = set(sa.inspect(engine).get_table_names())
    assert {table.name for table in metadata.sorted_tables} <= tables


def test_migrations_match_the_table_definitions(engine: sa.Engine) -> None:
    """The Alembic history and store/schema.py must describe the same database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert current_revision(engine) is None


def test_importing_the_store_connects_nowhere(tmp_path, monkeypatch) -> None:
    import importlib

    import store.engine
    import store.settings

    target = tmp_path / "never" / "cascade.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    store.settings.get_settings.cache_clear()
    importlib.reload(store.engine)
    assert not target.exists()
    store.settings.get_settings.cache_clear()
