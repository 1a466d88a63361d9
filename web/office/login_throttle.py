"""Log-in throttling: per client address, per account, and per known device, in Redis.

Failed log-ins are counted (a successful one is not) in windows that grow (``settings.login_*``):
- per client address (the one the hotline's own proxy saw: ``web.proxies``), across accounts;
- per account and address, and per account from anywhere (slows guessing spread over many
  addresses);
- per known device: a browser that logged in to the account before carries a signed cookie
  (``voice_device``) naming it. A known device skips the address and account limits and has
  its own, so strangers failing at an account or at a shared office address slow themselves
  down and never lock the owner out of their own account from their own browser.
A throttled log-in is answered exactly like a wrong password.

Counts live in Redis (Flask-Limiter's storage) so every process of the office group shares
them; if Redis is unreachable the limiter falls back to per-process memory rather than
refusing everyone or no one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from config import Settings

OFFICE_BLUEPRINT = "ops"
DEVICE_COOKIE = "voice_device"
DEVICE_DAYS = 90


def client_address() -> str:
    """The client's address as the hotline's own proxy saw it (``web.proxies``), else the connection's."""
    return (request.remote_addr or "unknown")[:64]


def submitted_email() -> str:
    """The e-mail a log-in names, as accounts are keyed."""
    return request.form.get("email", "").strip().lower()[:254]


def account_key() -> str:
    """The (e-mail, address) pair a failed log-in counts against."""
    return f"{submitted_email()}|{client_address()}"


def any_address_key() -> str:
    """The account a failed log-in counts against, from whatever address."""
    return f"account|{submitted_email()}"


def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="voice login device")


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:24]


def known_device() -> str | None:
    """The device id of this browser when it logged in to the submitted account before, else None."""
    if "known_device" not in g:
        g.known_device = None
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        if cookie:
            try:
                data = _devices().loads(cookie, max_age=DEVICE_DAYS * 86400)
            except BadSignature:
                data = None
            if isinstance(data, dict) and data.get("e") == _email_tag(submitted_email()):
                g.known_device = str(data.get("d", ""))[:64] or None
    return g.known_device


def device_key() -> str:
    """The known device a failed log-in counts against."""
    return f"device|{known_device()}"


def remember_device(response: Response, email: str) -> Response:
    """After a successful log-in: mark this browser as a known device of ``email``'s account."""
    from web.context import settings

    value = _devices().dumps({"e": _email_tag(email.strip().lower()), "d": secrets.token_urlsafe(12)})
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, path="/ops/login", httponly=True,
        secure=settings().is_production, samesite="Lax",
    )  # fmt: skip
    return response


def failed(response: Response) -> bool:
    """Only failed log-ins count (a successful one redirects)."""
    return response.status_code != 302


def ip_limits() -> str:
    """Failed log-ins allowed per client address."""
    from web.context import settings

    current = settings()
    return f"{current.login_ip_per_minute}/minute;{current.login_ip_per_hour}/hour"


def account_limits() -> str:
    """Failed log-ins allowed per account and address, backing off: per window, then per day."""
    from web.context import settings

    current = settings()
    return f"{current.login_max_failures}/{current.login_lockout_minutes} minutes;{current.login_max_failures * 4}/day"


def any_address_limits() -> str:
    """Failed log-ins allowed per account from all addresses together."""
    from web.context import settings

    failures, minutes = settings().login_max_failures, settings().login_lockout_minutes
    return f"{failures * 3}/{minutes} minutes;{failures * 20}/day"


def _unknown_device() -> bool:
    return known_device() is None


# Blueprints the limiter never looks at (one filter for the module's one limiter, however many apps).
limiter = Limiter(client_address, key_prefix="voice-login", in_memory_fallback_enabled=True, swallow_errors=True)


@limiter.request_filter
def not_a_log_in() -> bool:
    """Only the log-in is limited: every other request (each webhook above all) skips the limiter's work."""
    return request.endpoint != "ops.login"


def init_app(app: Flask, settings: Settings) -> None:
    """Point the limiter at Redis (the app's REDIS_URL) for ``app``."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    # Flask-Limiter checks every request of the app before its view; for a webhook that was a
    # fifth of the work (profiled). Only the dashboard's log-in is limited: run the check there.
    check = limiter._check_request_limit
    if check in app.before_request_funcs.get(None, []):
        app.before_request_funcs[None].remove(check)
        app.before_request_funcs.setdefault(OFFICE_BLUEPRINT, []).append(check)
    for after in list(app.after_request_funcs.get(None, [])):
        if getattr(after, "args", None) == (limiter,):
            app.after_request_funcs[None].remove(after)
            app.after_request_funcs.setdefault(OFFICE_BLUEPRINT, []).append(after)
    # Its teardown only resets what the check set up: it goes with the check.
    for teardown in list(app.teardown_request_funcs.get(None, [])):
        if getattr(teardown, "__self__", None) is limiter:
            app.teardown_request_funcs[None].remove(teardown)
            app.teardown_request_funcs.setdefault(OFFICE_BLUEPRINT, []).append(teardown)


def throttled(view: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the log-in limits to a view (POST only): a known device has its own, the rest apply to strangers."""
    common: dict[str, Any] = {"methods": ["POST"], "deduct_when": failed}
    view = limiter.limit(ip_limits, key_func=client_address, exempt_when=known_device, **common)(view)
    view = limiter.limit(account_limits, key_func=account_key, exempt_when=known_device, **common)(view)
    view = limiter.limit(any_address_limits, key_func=any_address_key, exempt_when=known_device, **common)(view)
    return limiter.limit(account_limits, key_func=device_key, exempt_when=_unknown_device, **common)(view)
