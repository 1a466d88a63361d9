"""The phone side: Twilio's voice and SMS webhooks, the signature check, engine steps rendered as TwiML.

Every blueprint here is made Twilio-facing by ``webhooks.twilio_blueprint`` (signed
requests only, calm fallback TwiML on failure). None opens a cookie session.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from web.phone import (
    actions,
    bridge,
    customer_first,
    live_queue,
    notify_voice,
    queue,
    recordings,
    sms,
    voice,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    voice.bp,
    queue.bp,
    recordings.bp,
    sms.bp,
    bridge.bp,
    customer_first.bp,
    live_queue.bp,
    notify_voice.bp,
)
# Twilio's requests carry no cookies: these paths never open a session.
SESSIONLESS_PREFIXES: tuple[str, ...] = tuple(sorted({f"{bp.url_prefix}/" for bp in BLUEPRINTS}))


def init_app(app: Flask) -> None:
    """Register the call tree's side effects and every Twilio-facing blueprint."""
    actions.load_all()
    app.extensions["call_effects"] = frozenset(actions.EFFECTS)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
