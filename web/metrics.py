"""``GET /metrics``: Prometheus metrics, for configured addresses or a bearer token only.

The request timing hooks count every answer by route (the Flask endpoint, not
the URL, so a call's state in the query string never becomes a label).
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from flask import Blueprint, Flask, Response, abort, g, request
from flask.typing import ResponseReturnValue

from web.context import hotline
from workers import metrics

bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    """Time every request and count its answer."""

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_answer(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None and request.endpoint != "metrics.scrape":
            metrics.observe(request.endpoint or "unmatched", response.status_code, started)
        return response


# Headers a proxy adds: their presence says the connecting address is the proxy's, not the client's.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host")


def address_is_the_clients() -> bool:
    """True when ``request.remote_addr`` is the client's own address, not a proxy's.

    With ``TRUST_PROXY_HEADERS`` set, ``web.proxies`` has put the client's address there. Without
    it, a request carrying forwarding headers came through a proxy nobody declared (a proxy on
    this host would make every outside request look like 127.0.0.1), and production is taken to
    be behind one: only the token is believed then.
    """
    current = hotline().settings
    if current.trust_proxy_headers:
        return True
    if current.is_production:
        return False
    return not any(name in request.headers for name in FORWARDING_HEADERS)


def allowed() -> bool:
    """True for the configured token, or a configured address (settings.metrics_allowed_addresses) that
    is really the client's."""
    current = hotline().settings
    token = current.metrics_token
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    if not address_is_the_clients():
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in current.metrics_allowed_addresses)


@bp.get("/metrics")
def scrape() -> ResponseReturnValue:
    """The Prometheus text format; 403 for anyone else."""
    if not allowed():
        abort(403, description="metrics are for the configured addresses or the metrics token")
    current = hotline()
    return Response(metrics.exposition(current.database, current.redis), mimetype="text/plain; version=0.0.4")
