"""The office side: the operators' dashboard (``/ops``) and their JSON API (``/api``).

Every dashboard blueprint is made an office page by ``web.auth.office_pages`` (log-in,
CSRF on form posts, no-store and no-frame headers); every API blueprint goes through
``openapi.api_blueprint`` (a token, schemas, the OpenAPI document).
"""

from __future__ import annotations

from flask import Blueprint, Flask

from config import Settings
from web.office import (
    api,
    case_studies,
    conversations,
    dashboard,
    directory,
    live_queue,
    login_throttle,
    notify_dashboard,
    reports,
)

PAGES: tuple[Blueprint, ...] = (
    dashboard.bp,
    live_queue.ops,
    conversations.ops,
    reports.bp,
    case_studies.bp,
    directory.ops_bp,
    notify_dashboard.bp,
)


def init_app(app: Flask, settings: Settings) -> None:
    """Register the log-in throttle, the dashboard's pages and the operator API."""
    login_throttle.init_app(app, settings)
    for blueprint in PAGES:
        app.register_blueprint(blueprint)
    # Every /api blueprint, registered through flask-smorest so the document lists it.
    api.init_app(app)
