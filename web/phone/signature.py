"""Checking ``X-Twilio-Signature``: the public URL Twilio signed, the HMAC, Twilio's validator.

``web.phone.webhooks`` applies the check to every Twilio-facing blueprint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import Request, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from config import Settings
from web.proxies import trusted_entry


def public_url(settings: Settings, req: Request) -> str:
    """The URL Twilio requested, as Twilio saw it.

    Behind a TLS-terminating proxy ``request.url`` is the internal http URL, and
    Werkzeug re-escapes some query characters, which breaks signatures: build it
    from the configured public base (or trusted forwarded headers), the path and
    the raw query string instead.
    """
    hops = int(settings.trust_proxy_headers)
    host = trusted_entry(req.headers.get("X-Forwarded-Host"), hops)
    if host:
        proto = trusted_entry(req.headers.get("X-Forwarded-Proto"), hops) or req.scheme
        base = f"{proto}://{host}"
    else:
        base = settings.public_base_url.rstrip("/")
    url = base + req.path
    if req.query_string:
        url += "?" + req.query_string.decode("latin-1")
    return url


def compute_signature(auth_token: str, url: str, params: MultiDict[str, str] | dict[str, str]) -> str:
    """Twilio's signature: Base64(HMAC-SHA1(token, url + each name+value, sorted by name, then value)).

    Each distinct (name, value) pair counts once, as in Twilio's ``RequestValidator``.
    """
    pairs = params.items(multi=True) if isinstance(params, MultiDict) else params.items()
    payload = url + "".join([name + value for name, value in sorted(set(pairs))])
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_signed(settings: Settings) -> bool:
    """True when the request carries a valid Twilio signature."""
    req: Request = request._get_current_object()  # type: ignore[assignment]
    signature = req.environ.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not signature:
        return False
    params = req.form if req.method == "POST" else MultiDict()
    url = public_url(settings, req)
    # One HMAC for the URL as configured (every valid request); only a mismatch pays for
    # RequestValidator's extra attempts with and without the port.
    if hmac.compare_digest(compute_signature(settings.twilio_auth_token, url, params), signature):
        return True
    validator = current_app.extensions.get("twilio_validator")
    if validator is None:
        validator = current_app.extensions["twilio_validator"] = RequestValidator(settings.twilio_auth_token)
    if validator.validate(url, params, signature):
        return True
    if settings.is_production:
        return False
    # On a developer's machine the simulator or a tunnel may reach the service by another
    # name (localhost vs 127.0.0.1): accept the address the request was sent to as well.
    # Production trusts only PUBLIC_BASE_URL or, when enabled, the proxy's forwarded headers.
    local = req.host_url.rstrip("/") + url.removeprefix(settings.public_base_url.rstrip("/"))
    return local != url and validator.validate(local, params, signature)
