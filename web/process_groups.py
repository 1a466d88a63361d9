"""Keep the phone line apart from the office.

Webhooks answer in milliseconds; a log-in spends hundreds on argon2. The Procfile runs
two gunicorn groups from the same app: ``web`` (``PROCESS_GROUP=phone``) answers Twilio,
``office`` serves ``/ops`` and ``/api``. The phone group sends the office's pages to the
office group (``OFFICE_URL``, a 307 so a form post survives) or, without one, refuses them
with a reason; a proxy in front should route ``/ops`` and ``/api`` to the office group.
"""

from __future__ import annotations

from flask import Flask, redirect, request
from flask.typing import ResponseReturnValue

from config import Settings
from web.problems import problem

OFFICE_PREFIXES = ("/ops", "/api")


def init_app(app: Flask, settings: Settings) -> None:
    """In the phone group, send the office's paths elsewhere before any view runs."""
    if settings.process_group != "phone":
        return

    @app.before_request
    def office_elsewhere() -> ResponseReturnValue | None:
        if not request.path.startswith(OFFICE_PREFIXES):
            return None
        if settings.office_url:
            target = settings.office_url.rstrip("/") + request.full_path.rstrip("?")
            return redirect(target, code=307)
        return problem(404, "the operator pages and API are served by the office process group")
