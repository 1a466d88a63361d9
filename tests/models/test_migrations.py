"""The migrations: one head, and they build exactly the schema the models describe."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from models import Base, migrate
from models.base import Database
from tests.conftest import DATABASES, TEST_DATABASE_URL


def test_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        database.dispose()
    assert differences == []


def schema_of(url: str) -> dict[str, object]:
    """Tables with their columns, indexes, unique and foreign keys, as the database reports them."""
    database = Database(url)
    try:
        found = inspect(database.engine)
        return {
            table: {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"])) for i in found.get_indexes(table)
                ),
                "unique": sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
                "foreign": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                    for f in found.get_foreign_keys(table)
                ),
            }
            for table in sorted(found.get_table_names())
        }
    finally:
        database.dispose()


@pytest.fixture(params=DATABASES)
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database of its own with no tables: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"
        return
    server = make_url(TEST_DATABASE_URL)
    name = f"voice_round_trip_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_downgrade_to_nothing_and_back_gives_the_same_schema(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    before = schema_of(empty_database)
    migrate.downgrade(empty_database, "base")
    assert set(schema_of(empty_database)) <= {"alembic_version"}
    migrate.upgrade(empty_database)
    assert schema_of(empty_database) == before
    database = Database(empty_database)
    try:
        with database.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        database.dispose()


def test_texts_left_sending_before_intents_get_one_of_unknown_body(tmp_path) -> None:
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'sending.db'}"
    migrate.upgrade(url, "0015")
    database = Database(url)
    try:
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO callback_confirmations"
                    " (id, request_id, reference, phone, language, status, created_at) VALUES"
                    " (1, 1, 'K7Q2', '+12025550143', 'en', 'sending', '2026-11-30 12:00:00'),"
                    " (2, 2, 'K7Q3', '+12025550144', 'en', 'sent', '2026-11-30 12:00:00')"
                )
            )
        migrate.upgrade(url)
        with database.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT key, to_phone, body_hash, twilio_sid, claimed_at IS NOT NULL FROM outbound_messages")
            ).all()
    finally:
        database.dispose()
    assert rows == [("confirmation:1", "+12025550143", "", None, 1)]
