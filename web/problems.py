"""Refusals under ``/api`` as problem details (RFC 9457), served as ``application/json``.

Every API error, whoever raises it (the token check, a view, the router, the size
limit), has one shape: ``type``, ``title``, ``status``, ``detail``, and ``error``
repeating ``detail`` for clients that read the reason there.
"""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.http import HTTP_STATUS_CODES


def problem(status: int, detail: str, **extra: object) -> Response:
    """A refusal as problem details in JSON."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    response = jsonify(type="about:blank", title=title, status=status, detail=detail, error=detail, **extra)
    response.status_code = status
    return response
