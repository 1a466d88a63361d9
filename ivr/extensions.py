"""What the webhooks share within a process: settings, database, event buffer, Redis, the outbox hand-over."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Request, current_app, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from redis import Redis
from sqlalchemy.orm import Session

from config import Settings
from models import Database, EventBuffer
from workers.outbox import HandOver


@dataclass
class Hotline:
    """The per-app objects every route reaches through ``hotline()``."""

    settings: Settings
    database: Database
    events: EventBuffer
    redis: Redis
    # Hands committed outbox rows to rq off the request thread.
    handover: HandOver


# Twilio's webhooks carry no cookies; opening a signed-cookie session for each of
# them cost a fifth of a navigation step (see "The hot path" in the README).
SESSIONLESS_PREFIXES = ("/voice/", "/sms/", "/bridge/", "/healthz")


class OperatorSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions for the operator pages only, with the signer built once."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(SESSIONLESS_PREFIXES):
            return self.null_session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        cached = app.extensions.get("session_serializer")
        if cached is None or cached[0] != app.secret_key:
            cached = app.extensions["session_serializer"] = (app.secret_key, super().get_signing_serializer(app))
        return cached[1]


def init_app(app: Flask, hotline: Hotline) -> None:
    """Attach ``hotline`` to ``app`` and close each request's session at its end."""
    app.extensions["hotline"] = hotline
    app.session_interface = OperatorSessions()

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
