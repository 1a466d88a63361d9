"""The database and settings a job runs with, configured once per process."""

from __future__ import annotations

from config import Settings, load_settings
from models.base import Database

_settings: Settings | None = None
_database: Database | None = None


def configure(settings: Settings, database: Database | None = None) -> None:
    """Set this process's settings and database (``create_app`` calls it)."""
    global _settings, _database
    _settings = settings
    _database = database or Database(settings.database_url)


def settings() -> Settings:
    """This process's settings (read from the environment if not configured)."""
    if _settings is None:
        configure(load_settings())
    assert _settings is not None
    return _settings


def database() -> Database:
    """This process's database."""
    if _database is None:
        configure(settings())
    assert _database is not None
    return _database
