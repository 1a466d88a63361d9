"""Which forwarded headers are believed: only the entries the hotline's own proxies added.

``TRUST_PROXY_HEADERS`` names how many proxies stand in front of the app. Each appends
the address it received the request from to ``X-Forwarded-For``, so the client is the
entry that many places from the right; anything left of it was written by the client and
proves nothing. ``request.remote_addr`` becomes that address (Werkzeug's ProxyFix), and
every check that looks at the client's address (log-in throttling, ``/metrics``) reads it.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Believe the right-most ``settings.trust_proxy_headers`` forwarded entries, and no others."""
    hops = int(settings.trust_proxy_headers)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)  # type: ignore[method-assign]


def trusted_entry(header: str | None, hops: int) -> str | None:
    """The entry of a comma-separated forwarded header that the ``hops``-th proxy from here added."""
    if not header or hops < 1:
        return None
    entries = [entry.strip() for entry in header.split(",")]
    return entries[-hops] if len(entries) >= hops and entries[-hops] else None
