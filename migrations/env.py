"""Alembic environment: the database URL comes from the caller's Config."""

from __future__ import annotations

from alembic import context

import models
from models.base import Database

config = context.config
target_metadata = models.Base.metadata


def run_migrations_offline() -> None:
    """Write SQL for the migrations instead of running them."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations over a real connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    database = Database(config.get_main_option("sqlalchemy.url"))
    try:
        with database.engine.connect() as connection:
            _run(connection)
    finally:
        database.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
