"""The application factory: load settings, wire each subsystem, register blueprints and commands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

import workers
from callflows.phones import to_e164
from commands import register_commands
from config import Settings, load_settings
from config.logs import configure_logging
from ivr import (
    actions,
    auth,
    bridge,
    case_studies,
    conversations,
    customer_first,
    dashboard,
    directory,
    extensions,
    health,
    live_queue,
    login_throttle,
    notify_dashboard,
    notify_voice,
    process_groups,
    reports,
    sms,
    voice,
)
from ivr import api as operator_api
from ivr import metrics as voice_metrics
from ivr import queue as voice_queue
from ivr import recordings as voice_recordings
from ivr.webhooks import FormRequest
from models import Database, EventBuffer
from workers import runtime
from workers.outbox import HandOver

# Used when REDIS_URL is unset outside production (the embedded runner always sets it).
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


class HotlineApp(Flask):
    """Flask, with the hotline's request class and the coroutine check made once per function.

    Flask asks ``inspect.iscoroutinefunction`` of every hook and view on every
    request; a webhook runs about eight. The app's hooks and views are a fixed set;
    the cap keeps one-off functions (``after_this_request``) from growing the cache.
    """

    request_class = FormRequest

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

    app = HotlineApp(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    database = Database(settings.database_url)
    runtime.configure(settings, database)
    redis = workers.connect(settings.redis_url or LOCAL_REDIS)
    extensions.init_app(
        app,
        extensions.Hotline(
            settings=settings,
            database=database,
            events=EventBuffer(
                database,
                settings.event_flush_interval,
                normalize_number=to_e164,
                caller_hash_key=settings.audit_hash_key,
            ),
            redis=redis,
            handover=HandOver(database, redis),
        ),
    )
    actions.load_all()
    auth.init_app(app)
    login_throttle.init_app(app, settings)
    process_groups.init_app(app, settings)
    twilio_facing = (voice.bp, voice_queue.bp, voice_recordings.bp, sms.bp, bridge.bp, live_queue.bp, customer_first.bp)
    twilio_facing += (notify_voice.bp,)  # custody-change notification calls (issue E)
    operator_side = (dashboard.bp, live_queue.ops, conversations.ops, customer_first.ops)
    # reports and case_studies: issue F (the quarterly report).
    operator_side += (reports.bp, case_studies.bp)
    # Referral directory (issue H): its dashboard pages (its API routes are registered by ivr/api.py).
    operator_side += (directory.ops_bp, notify_dashboard.bp)
    for blueprint in (*twilio_facing, *operator_side, health.bp):
        app.register_blueprint(blueprint)
    # The operator API: every /api blueprint, registered through flask-smorest so the document lists it.
    operator_api.init_app(app)
    voice_metrics.init_app(app)
    app.register_blueprint(voice_metrics.bp)
    register_commands(app)
    return app
