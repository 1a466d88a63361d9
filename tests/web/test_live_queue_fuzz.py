"""Property tests for the live queue's Twilio-facing routes: whatever is posted, a calm answer or a 4xx."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import given
from hypothesis import strategies as st

from tests.web.test_webhook_fuzz import FUZZ, assert_calm, callers, keys, post

numbers = st.text(alphabet="0123456789-x ", max_size=6)


@FUZZ
@given(
    lang=st.sampled_from(["en", "es", "", "xx"]),
    queue=st.sampled_from(["urgent", "normal", "", "x"]),
    position=numbers,
    waited=numbers,
)
def test_the_wait_message_always_answers_calmly(client, lang: str, queue: str, position: str, waited: str) -> None:
    params = {"CallSid": "CA" + "f" * 32, "QueuePosition": position, "QueueTime": waited}
    assert_calm(post(client, f"/voice/queue-wait?{urlencode({'l': lang, 'q': queue})}", params))


@FUZZ
@given(digits=keys, caller=callers, lang=st.sampled_from(["en", "es", "xx"]))
def test_a_key_while_holding_always_answers_calmly(client, digits: str, caller: str, lang: str) -> None:
    params = {"CallSid": "CA" + "f" * 32, "From": caller, "Digits": digits}
    assert_calm(post(client, f"/voice/queue-key?l={lang}", params))


@FUZZ
@given(
    route=st.sampled_from(["answer", "connected", "dialed"]),
    operator=st.text(alphabet="0123456789x", max_size=12),
    digits=keys,
)
def test_the_operator_side_of_the_live_queue_always_answers_calmly(
    client, route: str, operator: str, digits: str
) -> None:
    params = {"CallSid": "CA" + "f" * 32, "DequeingCallSid": "CA" + "e" * 32, "Digits": digits}
    assert_calm(post(client, f"/live/{route}?{urlencode({'operator': operator, 'call': 'CA1'})}", params))
