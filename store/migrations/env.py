"""Alembic environment. Migrations run programmatically from `store.migrate.upgrade`, which
hands us an open connection; there is no alembic.ini to keep in sync with settings."""

from alembic import context

from store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
