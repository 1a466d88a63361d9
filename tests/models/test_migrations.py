"""The migrations: one head, and they build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from models import Base, migrate
from models.base import Database


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


def test_downgrade_to_nothing_and_back(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'round-trip.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)


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
