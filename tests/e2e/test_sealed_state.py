"""Nothing sensitive in URLs: context values in action URLs are sealed and authenticated."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet

from callflows.engine import CallState
from tests.e2e.conftest import choose, post_signed
from tests.e2e.test_call_tree import start, to_callback_number
from web.phone.url_state import TamperedState, UrlStateCodec

CALLER = "+12025550143"
TYPED = "3125550177"
A_NUMBER = "201345678"


def action_urls(documents: list[str]) -> list[str]:
    return [u.replace("&amp;", "&") for d in documents for u in re.findall(r'(?:action|url)="([^"]*)"', d)]


def test_no_number_or_a_number_travels_in_clear_in_any_action_url(app, call) -> None:
    caller = choose(to_callback_number(call, "en", CALLER), "en", "other_number").press(TYPED)
    looker = choose(start(call, "en", CALLER), "en", "custody").press(A_NUMBER + "#")
    urls = action_urls(caller.documents + looker.documents)
    assert urls
    for url in urls:
        query = dict(parse_qsl(urlsplit(url).query))
        assert set(query) <= {"n", "t", "l", "s"}, url
        for secret in ("5550143", "5550177", A_NUMBER):
            assert secret not in url, url
    # ... yet the state is all there for the hotline to read back.
    codec = UrlStateCodec(app.extensions["hotline"].settings.url_state_key)
    state = codec.decode(dict(parse_qsl(urlsplit(looker.waiting_url).query)))
    assert state.get("a_number") == A_NUMBER


def test_a_changed_sealed_state_starts_the_call_over_calmly(app, client, call) -> None:
    looker = choose(start(call, "en", CALLER), "en", "custody").press(A_NUMBER + "#")
    parts = urlsplit(looker.waiting_url)
    query = dict(parse_qsl(parts.query))
    token = query["s"]
    query["s"] = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    params = {"CallSid": looker.call_sid, "From": CALLER, "To": "+18554886423", "Digits": "1"}
    response = post_signed(client, f"{parts.path}?{urlencode(query)}", params)
    assert response.status_code == 200
    document = response.get_data(as_text=True)
    assert "Thank you for calling the VOICE hotline" in document
    assert "technical problem" not in document


def test_state_sealed_with_another_key_is_refused(app) -> None:
    mine = UrlStateCodec(app.extensions["hotline"].settings.url_state_key)
    theirs = UrlStateCodec(Fernet.generate_key())
    sealed = theirs.encode(CallState("custody.confirm", "en").with_values({"a_number": A_NUMBER}))
    with pytest.raises(TamperedState):
        mine.decode(sealed)


def test_a_call_in_progress_during_the_deploy_carries_on_from_its_fernet_sealed_url(app, call) -> None:
    looker = choose(start(call, "en", CALLER), "en", "custody").press(A_NUMBER + "#")
    codec = UrlStateCodec(app.extensions["hotline"].settings.url_state_key)
    parts = urlsplit(looker.waiting_url)
    state = codec.decode(dict(parse_qsl(parts.query)))
    # The same state as the release before sealed it, in a Fernet token under the same key.
    legacy = dict(parse_qsl(parts.query))
    legacy["s"] = (
        Fernet(app.extensions["hotline"].settings.url_state_key)
        .encrypt(json.dumps(state.ctx, separators=(",", ":")).encode())
        .decode()
    )
    looker.waiting_url = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(legacy)}"
    looker.press("1")
    assert "Thank you for calling the VOICE hotline" not in looker.documents[-1]
    # The next action URL is sealed the new way, and the A-number is still in it.
    query = dict(parse_qsl(urlsplit(looker.waiting_url).query))
    assert re.match(r"^[A-Za-z0-9_-]{4}\.", query["s"])
    assert codec.decode(query).get("a_number") == A_NUMBER
