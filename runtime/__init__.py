"""The hotline's services, reached one way by the web layer, commands, jobs and reports.

``create_app`` builds one :class:`Hotline` (settings, database, event buffer,
Redis, the outbox hand-over) and installs it here. Code that runs inside the
app (web requests, ``flask`` commands) reaches it with :func:`hotline`; a job
reaches the settings and database with :func:`settings` and :func:`database`,
which a worker process configures once (``flask worker`` builds the app too).
Nothing here knows about requests: the web layer's request-scoped database
session lives in ``web.context``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from redis import Redis

from config import Settings, load_settings
from models import Database, EventBuffer

if TYPE_CHECKING:
    from workers.outbox import HandOver

_settings: Settings | None = None
_database: Database | None = None
_hotline: Hotline | None = None


@dataclass
class Hotline:
    """The per-app objects: settings, database, the call-event buffer, Redis and the outbox hand-over."""

    settings: Settings
    database: Database
    events: EventBuffer
    redis: Redis
    # Hands committed outbox rows to rq off the request thread.
    handover: HandOver


def install(hotline: Hotline) -> None:
    """Make ``hotline`` this process's services (``create_app`` calls it); jobs use its settings and database."""
    global _hotline
    _hotline = hotline
    configure(hotline.settings, hotline.database)


def hotline() -> Hotline:
    """The current app's services (inside an app context), else the last app built in this process."""
    if has_app_context():
        found = current_app.extensions.get("hotline")
        if found is not None:
            return found
    if _hotline is None:
        raise RuntimeError("no hotline app has been built in this process (call app.create_app first)")
    return _hotline


def configure(settings: Settings, database: Database | None = None) -> None:
    """Set the settings and database jobs run with in this process."""
    global _settings, _database
    _settings = settings
    _database = database or Database(settings.database_url)


def settings() -> Settings:
    """The settings jobs run with (read from the environment if nothing configured them)."""
    if _settings is None:
        configure(load_settings())
    assert _settings is not None
    return _settings


def database() -> Database:
    """The database jobs run with."""
    if _database is None:
        configure(settings())
    assert _database is not None
    return _database
