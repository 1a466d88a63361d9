"""``GET /healthz``: is the database reachable, is Redis reachable (and ``GET /`` for people)."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from web.context import hotline

bp = Blueprint("health", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """A person who opens the service's address lands on the operators' dashboard."""
    return redirect(url_for("ops.queue"))


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 with each dependency's state when all are up, 503 otherwise."""
    current = hotline()
    checks = {}
    try:
        with current.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # a health check reports failures; it does not raise them
        checks["database"] = f"error: {type(error).__name__}"
    try:
        current.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503
