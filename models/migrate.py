"""Run the Alembic migrations from code (the ``flask db`` commands call these)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from models.base import normalize_database_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` pointing at ``migrations/``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_database_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` (every branch head by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str, autogenerate: bool = True) -> None:
    """Write a new migration file, compared against the models when ``autogenerate``."""
    command.revision(alembic_config(database_url), message=message, autogenerate=autogenerate)
