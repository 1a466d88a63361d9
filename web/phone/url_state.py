"""The call's state in action URLs, with its context values sealed.

Action URLs land in Twilio's request logs and in any proxy's access log, so the
context values a call collects (A-number, phone numbers, answers) travel as one
Fernet token (AES-128-CBC + HMAC-SHA256, ``cryptography``): unreadable without the
key and refused when changed. The node, language and tries stay readable: they say
nothing about the caller. The key comes from settings (``Settings.url_state_key``);
the engine stays pure and never sees it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from urllib.parse import urlencode

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from callflows.engine import CallState

log = logging.getLogger("voice.web.phone.url_state")

SEALED = "s"


class TamperedState(ValueError):
    """The sealed context in an action URL was changed, truncated or made with another key."""


class UrlStateCodec:
    """Writes a call's state into action-URL parameters and reads it back, context sealed."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._fernet = Fernet(key)

    # Rendered documents are cached per codec: two codecs with one key are the same codec.
    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UrlStateCodec) and other._key == self._key

    def encode(self, state: CallState) -> dict[str, str]:
        """Query parameters for ``state``: node, tries, language in clear, the context sealed."""
        query = {"n": state.node, "t": str(state.tries)}
        if state.lang:
            query["l"] = state.lang
        if state.ctx:
            payload = json.dumps(state.ctx, separators=(",", ":")).encode()
            query[SEALED] = self._fernet.encrypt(payload).decode()
        return query

    def decode(self, query: Mapping[str, str]) -> CallState:
        """The state from query parameters; raises TamperedState when the seal does not hold."""
        plain = CallState.from_query({k: v for k, v in query.items() if not k.startswith("c_") and k != SEALED})
        token = query.get(SEALED)
        if not token:
            return plain
        try:
            pairs = json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError, UnicodeError):
            raise TamperedState("the action URL's sealed state does not verify") from None
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs
        ):
            raise TamperedState("the action URL's sealed state is malformed")
        return CallState(node=plain.node, lang=plain.lang, tries=plain.tries, ctx=tuple(sorted(map(tuple, pairs))))

    def url(self, path: str, state: CallState) -> str:
        """``path`` with ``state`` as its query string."""
        return f"{path}?{urlencode(self.encode(state))}"


def current_codec() -> UrlStateCodec:
    """The current app's codec, built once from its settings."""
    codec = current_app.extensions.get("url_state")
    if codec is None:
        settings = current_app.extensions["hotline"].settings
        codec = current_app.extensions["url_state"] = UrlStateCodec(settings.url_state_key)
    return codec
