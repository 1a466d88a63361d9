"""The application factory: load settings, wire each subsystem, register blueprints and commands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import Rule

import runtime
import workers
from callflows.phones import to_e164
from commands import register_commands
from config import Settings, load_settings
from config.logs import configure_logging
from models import Database, EventBuffer
from models.operator import use_password_hashing
from web import auth, context, health, metrics, office, phone, process_groups, proxies
from web.phone.webhooks import FormRequest
from workers.outbox import HandOver

# Used when REDIS_URL is unset outside production (the embedded runner always sets it).
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


class BuiltOnceRule(Rule):
    """A URL rule whose URL builder is compiled once per process, not once per app.

    Werkzeug compiles a Python function for every rule of every app it builds (two
    each, about 1 ms together); the function depends only on the rule's own text,
    variables and defaults, so apps built in the same process (a test suite builds
    thousands) share them. What a builder returns is unchanged.
    """

    _builders: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        key = (self.rule, self.host, self.subdomain, tuple(self._trace), repr(self.defaults), append_unknown)
        builder = self._builders.get(key)
        if builder is None:
            builder = self._builders[key] = super()._compile_builder(append_unknown)
        return builder


class HotlineApp(Flask):
    """Flask, with the hotline's request class and the coroutine check made once per function.

    Flask asks ``inspect.iscoroutinefunction`` of every hook and view on every
    request; a webhook runs about eight. The app's hooks and views are a fixed set;
    the cap keeps one-off functions (``after_this_request``) from growing the cache.
    """

    request_class = FormRequest
    url_rule_class = BuiltOnceRule

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synced = self._synced.get(func)
        if synced is None:
            synced = super().ensure_sync(func)
            if len(self._synced) < 1024:
                self._synced[func] = synced
        return synced


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the hotline app from ``config`` (a Settings, overrides, or the environment)."""
    settings = config if isinstance(config, Settings) else load_settings(**dict(config or {}))
    configure_logging(settings.log_level)
    use_password_hashing(settings.password_hashing)

    app = HotlineApp(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    database = Database(settings.database_url)
    redis = workers.connect(settings.redis_url or LOCAL_REDIS)
    services = runtime.Hotline(
        settings=settings,
        database=database,
        events=EventBuffer(
            database, settings.event_flush_interval, normalize_number=to_e164, caller_hash_key=settings.audit_hash_key
        ),
        redis=redis,
        handover=HandOver(database, redis),
    )
    runtime.install(services)
    proxies.init_app(app, settings)
    context.init_app(app, services, sessionless=(*phone.SESSIONLESS_PREFIXES, "/healthz"))
    auth.init_app(app)
    process_groups.init_app(app, settings)
    phone.init_app(app)
    office.init_app(app, settings)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    app.register_blueprint(metrics.bp)
    register_commands(app)
    return app
