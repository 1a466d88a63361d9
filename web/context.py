"""What a request reaches: the app's services (``runtime``) and its own database session."""

from __future__ import annotations

from flask import Flask, Request, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from config import Settings
from runtime import Hotline, hotline


class OperatorSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions for the operator pages only, with the signer built once.

    Twilio's webhooks carry no cookies; opening a signed-cookie session for each of
    them cost a fifth of a navigation step (docs/performance.md). The paths without a
    session are the phone blueprints' own prefixes (``web.phone.SESSIONLESS_PREFIXES``).
    """

    def __init__(self, sessionless: tuple[str, ...]) -> None:
        self.sessionless = sessionless

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(self.sessionless):
            return self.null_session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        cached = app.extensions.get("session_serializer")
        if cached is None or cached[0] != app.secret_key:
            cached = app.extensions["session_serializer"] = (app.secret_key, super().get_signing_serializer(app))
        return cached[1]


def init_app(app: Flask, hotline: Hotline, sessionless: tuple[str, ...]) -> None:
    """Attach ``hotline`` to ``app``, open cookie sessions except under ``sessionless``, close each request's
    database session at its end."""
    app.extensions["hotline"] = hotline
    app.session_interface = OperatorSessions(sessionless)

    @app.teardown_appcontext
    def close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def settings() -> Settings:
    """The current app's settings."""
    return hotline().settings


def db_session() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = hotline().database.sessions()
    return g.db_session
