"""Log-in throttling: per address and per account, in Redis, with back-off.

Failed log-ins are counted (a successful one is not) per client address and per
(e-mail, address) pair, in windows that grow: a few per minute, more per hour, a
ceiling per day (``settings.login_*``). A throttled log-in is answered exactly like a
wrong password, and there is no account lockout: someone guessing from elsewhere can
slow themselves down, never lock the owner out of their own account.

Counts live in Redis (Flask-Limiter's storage) so every process of the office group
shares them; if Redis is unreachable the limiter falls back to per-process memory
rather than refusing everyone or no one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from config import Settings

OFFICE_BLUEPRINT = "ops"


def client_address() -> str:
    """The client's address: the first X-Forwarded-For hop only when proxy headers are trusted."""
    from web.context import settings

    if settings().trust_proxy_headers and request.headers.get("X-Forwarded-For"):
        return request.headers["X-Forwarded-For"].split(",")[0].strip()[:64]
    return get_remote_address() or "unknown"


def account_key() -> str:
    """The (e-mail, address) pair a failed log-in counts against."""
    email = request.form.get("email", "").strip().lower()[:254]
    return f"{email}|{client_address()}"


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
    """Apply both log-in limits to a view (POST only)."""
    view = limiter.limit(ip_limits, key_func=client_address, methods=["POST"], deduct_when=failed)(view)
    return limiter.limit(account_limits, key_func=account_key, methods=["POST"], deduct_when=failed)(view)
