"""What the webhooks share within a process: settings, database, event buffer, Redis."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from redis import Redis
from sqlalchemy.orm import Session

from config import Settings
from models import Database, EventBuffer


@dataclass
class Hotline:
    """The per-app objects every route reaches through ``hotline()``."""

    settings: Settings
    database: Database
    events: EventBuffer
    redis: Redis


def init_app(app: Flask, hotline: Hotline) -> None:
    """Attach ``hotline`` to ``app`` and close each request's session at its end."""
    app.extensions["hotline"] = hotline

    @app.teardown_appcontext
    def close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def hotline() -> Hotline:
    """The current app's shared objects."""
    return current_app.extensions["hotline"]


def settings() -> Settings:
    """The current app's settings."""
    return hotline().settings


def db_session() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = hotline().database.sessions()
    return g.db_session
