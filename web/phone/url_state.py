"""The call's state in action URLs, with its context values sealed.

Action URLs land in Twilio's request logs and in any proxy's access log, so the
context values a call collects (A-number, phone numbers, answers) travel as one
AES-256-GCM token (``cryptography``'s AEAD): unreadable without the key and refused
when changed. The node, language and tries stay readable: they say nothing about the
caller. The key comes from settings (``Settings.url_state_key``); the engine stays
pure and never sees it.

A token is ``<key id>.<nonce + ciphertext + tag>`` (URL-safe base64, no padding), the
key id authenticated with the rest, so a codec can hold the keys of a rotation and
pick the one a token names. Fernet tokens, which earlier releases sealed, are still
read for as long as a call can last, so calls in progress during a deploy carry on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from callflows.engine import CallState

log = logging.getLogger("voice.web.phone.url_state")

SEALED = "s"
NONCE_BYTES = 12
# Twilio ends a call after four hours by default: no Fernet token sealed before the
# deploy can belong to a call still running after that.
LEGACY_FERNET_SECONDS = 4 * 60 * 60


class TamperedState(ValueError):
    """The sealed context in an action URL was changed, truncated or made with another key."""


class UrlStateCodec:
    """Writes a call's state into action-URL parameters and reads it back, context sealed.

    ``key`` is the URL-safe base64 key material of ``Settings.url_state_key``; ``previous``
    the material of keys rotated out, still read (never written) while their calls last.
    """

    def __init__(self, key: bytes, previous: Iterable[bytes] = ()) -> None:
        self._key = key
        self._key_id, self._aead = _aead(key)
        self._readers = {key_id.decode(): aead for key_id, aead in map(_aead, (*previous, key))}
        self._fernets = [Fernet(k) for k in (key, *previous)]

    # Rendered documents are cached per codec: two codecs with one key are the same codec.
    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UrlStateCodec) and other._key == self._key

    def seal(self, payload: bytes) -> str:
        """``payload`` encrypted and authenticated under the current key, with its key id."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, payload, self._key_id)
        return self._key_id.decode() + "." + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode()

    def unseal(self, token: str) -> bytes:
        """The payload of ``token``; raises TamperedState unless one of the codec's keys sealed it unchanged."""
        key_id, dot, body = token.partition(".")
        if not dot:
            return self._unseal_fernet(token)
        aead = self._readers.get(key_id)
        if aead is None:
            raise TamperedState("the action URL's sealed state names an unknown key")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            # The decoder skips stray characters and spare bits: only the one spelling of the bytes is ours.
            if len(raw) < NONCE_BYTES + 16 or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != body:
                raise ValueError("not a token")
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
        except (InvalidTag, ValueError, binascii.Error, UnicodeError):
            raise TamperedState("the action URL's sealed state does not verify") from None

    def _unseal_fernet(self, token: str) -> bytes:
        for fernet in self._fernets:
            try:
                return fernet.decrypt(token.encode(), ttl=LEGACY_FERNET_SECONDS)
            except (InvalidToken, ValueError, UnicodeError):
                continue
        raise TamperedState("the action URL's sealed state does not verify")

    def encode(self, state: CallState) -> dict[str, str]:
        """Query parameters for ``state``: node, tries, language in clear, the context sealed."""
        query = {"n": state.node, "t": str(state.tries)}
        if state.lang:
            query["l"] = state.lang
        if state.ctx:
            query[SEALED] = self.seal(json.dumps(state.ctx, separators=(",", ":")).encode())
        return query

    def decode(self, query: Mapping[str, str]) -> CallState:
        """The state from query parameters; raises TamperedState when the seal does not hold."""
        # Node, tries and language as ``CallState.from_query`` reads them; plain ``c_`` values are never read.
        try:
            tries = max(0, min(int(query.get("t", "0")), 9))
        except ValueError:
            tries = 0
        plain = CallState(node=query.get("n", ""), lang=query.get("l") or None, tries=tries)
        token = query.get(SEALED)
        if token is None:
            return plain
        payload = self.unseal(token)
        try:
            pairs = json.loads(payload)
        except (ValueError, UnicodeError):
            raise TamperedState("the action URL's sealed state is malformed") from None
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs
        ):
            raise TamperedState("the action URL's sealed state is malformed")
        return CallState(node=plain.node, lang=plain.lang, tries=plain.tries, ctx=tuple(sorted(map(tuple, pairs))))

    def url(self, path: str, state: CallState) -> str:
        """``path`` with ``state`` as its query string."""
        return f"{path}?{urlencode(self.encode(state))}"


def _aead(material: bytes) -> tuple[bytes, AESGCM]:
    """The key id and AES-256-GCM cipher for one key's material (kept apart from its Fernet use)."""
    secret = base64.urlsafe_b64decode(material)
    key = hmac.new(secret, b"url state aes-256-gcm", hashlib.sha256).digest()
    key_id = base64.urlsafe_b64encode(hmac.new(key, b"key id", hashlib.sha256).digest()[:3])
    return key_id, AESGCM(key)


def current_codec() -> UrlStateCodec:
    """The current app's codec, built once from its settings."""
    codec = current_app.extensions.get("url_state")
    if codec is None:
        settings = current_app.extensions["hotline"].settings
        codec = current_app.extensions["url_state"] = UrlStateCodec(settings.url_state_key)
    return codec
