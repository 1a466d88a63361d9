"""Who is asking: operator log-in sessions (web pages, CSRF-protected) and bearer tokens (the JSON API)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, abort, g, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from models.base import utcnow
from models.operator import ApiToken, Operator
from web import input_checks
from web.context import db_session
from web.problems import problem

log = logging.getLogger("voice.web.auth")

login_manager = LoginManager()
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Wire Flask-Login and Flask-WTF's CSRF check into ``app``."""
    production = app.config.get("SESSION_COOKIE_SECURE", False)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", production)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(hours=12))
    # Twilio's webhooks and the bearer-token API carry no CSRF token: only the
    # dashboard's forms are checked, by each office blueprint itself (csrf.protect()).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 12 * 3600)
    app.after_request(_referrer_policy)
    login_manager.init_app(app)
    login_manager.login_view = "ops.login"
    login_manager.session_protection = "strong"
    # Both extensions hook every request of the app; only the office's pages need them (a webhook
    # never has a session: ``web.context.SESSIONLESS_PREFIXES``). CSRF's app-wide hook would
    # only find its check switched off; the remember-cookie hook runs on office pages (``office_pages``).
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    app_wide = list(app.before_request_funcs.get(None, []))
    csrf.init_app(app)
    app.before_request_funcs[None] = app_wide


def office_pages(blueprint: Blueprint) -> Blueprint:
    """Make ``blueprint`` serve office pages: hostile path and query values are refused first (the
    API's own checks), every form post carries the session's CSRF token (400 otherwise), no page is
    cached, framed or sniffed (they show callers' numbers and needs), and the log-in's remember
    cookie is set or cleared as Flask-Login decides."""
    input_checks.guard(blueprint)
    blueprint.before_request(_check_csrf)
    blueprint.after_request(private_answer)
    blueprint.after_request(login_manager._update_remember_cookie)
    return blueprint


def _check_csrf() -> None:
    if request.method == "POST":
        csrf.protect()


def private_answer(response: Response) -> Response:
    """Headers for an answer that may carry personal data: never cached, framed, sniffed or referred."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _referrer_policy(response: Response) -> Response:
    # A dashboard address names a request or a registration; no page tells another site where it was.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@login_manager.user_loader
def load_operator(operator_id: str) -> Operator | None:
    """The logged-in operator for a session, if the account is active and the session not ended."""
    ident, _, generation = operator_id.partition(":")
    if not ident.isdigit() or not generation.isdigit() or len(ident) > 9 or len(generation) > 9:
        return None
    operator = db_session().get(Operator, int(ident))
    if operator is None or not operator.active:
        return None
    # A session from before the last log-out carries an older generation: it is over.
    return operator if (operator.session_generation or 0) == int(generation) else None


def bearer_operator() -> Operator | None:
    """The operator whose API token is in the ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    session = db_session()
    operator = ApiToken.operator_for(session, token.strip(), utcnow())
    if operator is not None:
        session.commit()
    return operator


def require_token() -> Any:
    """Before an API view: 401 (JSON) unless the request carries a live operator API token; sets ``g.operator``."""
    operator = bearer_operator()
    if operator is None:
        log.info("api token refused", extra={"path": request.path})
        response = problem(401, "a valid operator API token is required")
        response.headers["WWW-Authenticate"] = 'Bearer realm="voice-operators"'
        return response
    g.operator = operator
    return None


def supervisor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """403 unless the logged-in operator is a supervisor or admin (use after login_required)."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.is_supervisor:
            abort(403)
        return view(*args, **kwargs)

    return checked
