"""The action-URL codec: AES-256-GCM tokens with a key id, refused when changed in any way."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from callflows.engine import CallState
from web.phone.url_state import LEGACY_FERNET_SECONDS, TamperedState, UrlStateCodec

KEY = Fernet.generate_key()
OTHER = Fernet.generate_key()
STATE = CallState("custody.confirm", "en", tries=1).with_values({"a_number": "201345678", "callback": "+13125550177"})
TOKEN = re.compile(r"^[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]+$")


def sealed(codec: UrlStateCodec, state: CallState = STATE) -> dict[str, str]:
    return codec.encode(state)


def with_token(query: dict[str, str], token: str) -> dict[str, str]:
    return dict(query, s=token)


def test_state_round_trips_in_a_key_id_prefixed_token_with_nothing_in_clear() -> None:
    codec = UrlStateCodec(KEY)
    query = sealed(codec)
    assert set(query) == {"n", "t", "l", "s"}
    assert TOKEN.match(query["s"]), query["s"]
    assert "201345678" not in query["s"] and "5550177" not in query["s"]
    assert codec.decode(query) == STATE
    # A 96-bit random nonce per token: the same state never seals to the same token twice.
    again = sealed(codec)["s"]
    assert again != query["s"] and codec.decode(with_token(query, again)) == STATE


def test_a_token_is_shorter_than_the_fernet_token_it_replaces() -> None:
    payload = json.dumps(STATE.ctx, separators=(",", ":")).encode()
    assert len(sealed(UrlStateCodec(KEY))["s"]) < len(Fernet(KEY).encrypt(payload))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_changed_character_is_refused(data) -> None:
    codec = UrlStateCodec(KEY)
    query = sealed(codec)
    token = query["s"]
    position = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != token[position]]))
    changed = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(TamperedState):
        codec.decode(with_token(query, changed))


def test_a_token_spelt_otherwise_is_refused_even_when_its_bytes_are_the_same() -> None:
    codec = UrlStateCodec(KEY)
    query = sealed(codec)
    key_id, _, body = query["s"].partition(".")
    for spelling in (body + "=" * (-len(body) % 4), body[:10] + "." + body[10:], body[:10] + "!" + body[10:]):
        assert base64.urlsafe_b64decode(spelling.replace(".", "").replace("!", "") + "==")
        with pytest.raises(TamperedState):
            codec.decode(with_token(query, f"{key_id}.{spelling}"))


@pytest.mark.parametrize("keep", [0, 1, 4, 5, 10, 20, 40, -1])
def test_a_truncated_token_is_refused(keep: int) -> None:
    codec = UrlStateCodec(KEY)
    query = sealed(codec)
    with pytest.raises(TamperedState):
        codec.decode(with_token(query, query["s"][:keep]))


def test_a_token_naming_another_key_id_is_refused() -> None:
    mine, theirs = UrlStateCodec(KEY), UrlStateCodec(OTHER)
    query = sealed(mine)
    their_id = sealed(theirs)["s"].partition(".")[0]
    body = query["s"].partition(".")[2]
    for key_id in (their_id, "AAAA", "", "x" * 40):
        with pytest.raises(TamperedState):
            mine.decode(with_token(query, f"{key_id}.{body}"))
    # Sealed with another key, under that key's own id: refused as well.
    with pytest.raises(TamperedState):
        mine.decode(sealed(theirs))


def test_a_rotated_key_is_still_read_but_never_written() -> None:
    old = UrlStateCodec(OTHER)
    rotated = UrlStateCodec(KEY, previous=[OTHER])
    from_old = sealed(old)
    assert rotated.decode(from_old) == STATE
    new = sealed(rotated)
    assert new["s"].partition(".")[0] != from_old["s"].partition(".")[0]
    assert UrlStateCodec(KEY).decode(new) == STATE
    with pytest.raises(TamperedState):
        UrlStateCodec(KEY).decode(from_old)


def test_a_fernet_token_from_before_the_switch_is_read_while_a_call_can_last() -> None:
    codec = UrlStateCodec(KEY)
    payload = json.dumps(STATE.ctx, separators=(",", ":")).encode()
    query = {"n": STATE.node, "t": str(STATE.tries), "l": "en"}
    fresh = Fernet(KEY).encrypt(payload).decode()
    assert codec.decode(with_token(query, fresh)) == STATE
    stale = Fernet(KEY).encrypt_at_time(payload, int(time.time()) - LEGACY_FERNET_SECONDS - 60).decode()
    with pytest.raises(TamperedState):
        codec.decode(with_token(query, stale))
    with pytest.raises(TamperedState):
        codec.decode(with_token(query, Fernet(OTHER).encrypt(payload).decode()))
    changed = fresh[:-6] + ("A" if fresh[-6] != "A" else "B") + fresh[-5:]
    with pytest.raises(TamperedState):
        codec.decode(with_token(query, changed))


def test_a_well_sealed_payload_that_is_not_a_call_context_is_refused() -> None:
    codec = UrlStateCodec(KEY)
    query = {"n": "main", "t": "0"}
    for payload in (b"not json", b"{}", b'[["a"]]', b"[[1, 2]]", b"\xff"):
        with pytest.raises(TamperedState):
            codec.decode(with_token(query, codec.seal(payload)))
