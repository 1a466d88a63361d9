"""Property tests: whatever Twilio (or an attacker with a valid signature) posts, no webhook fails.

A failure would show as the apology TwiML, which the blueprint's error handler
only sends when something raised; so every answer here must be a valid TwiML
document that is not the apology, or a 4xx.
"""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callflows.flows import TREE
from simulator import check_twiml, sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL

APOLOGY = ("technical problem", "problema técnico")

keys = st.text(alphabet="0123456789*#", min_size=1, max_size=12)
words = st.text(min_size=1, max_size=60).filter(lambda s: s.strip() != "")
nodes = st.sampled_from(sorted(TREE.nodes)) | st.text(max_size=12)
languages = st.sampled_from(["en", "es", "", "xx"])
context = st.dictionaries(
    st.sampled_from(["caller", "phone", "a_number", "country", "zip", "office", "caller_type", "need", "urgent"]),
    st.text(alphabet="0123456789+ABCDEFabc", max_size=12),
    max_size=3,
)
answers = st.fixed_dictionaries(
    {},
    optional={
        "Digits": keys,
        "SpeechResult": words,
        "Confidence": st.sampled_from(["0.9", "0.1", "", "nan", "x"]),
        "RecordingUrl": st.just("https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"),
        "RecordingDuration": st.sampled_from(["0", "12", "-3", "x"]),
        "QueueResult": st.sampled_from(["bridged", "hangup", "leave", "error", "system-error"]),
    },
)
callers = st.sampled_from(["+12025550143", "anonymous", "", "+266696687", "+442079460000", "12"])

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def post(client, path: str, params: dict[str, str]):
    signature = sign(AUTH_TOKEN, PUBLIC_BASE_URL + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature}, base_url=PUBLIC_BASE_URL)


def assert_calm(response) -> None:
    assert response.status_code in {200, 204, 400}, response.status_code
    if response.status_code == 200:
        body = response.get_data(as_text=True)
        check_twiml(body)
        assert not any(phrase in body for phrase in APOLOGY), body


@FUZZ
@given(node=nodes, lang=languages, tries=st.integers(-2, 12), ctx=context, answer=answers, caller=callers)
def test_any_answer_at_any_node_gets_calm_twiml(client, node, lang, tries, ctx, answer, caller) -> None:
    query = {"n": node, "t": str(tries), **({"l": lang} if lang else {}), **{f"c_{k}": v for k, v in ctx.items()}}
    params = {"CallSid": "CA" + "f" * 32, "AccountSid": "AC" + "0" * 32, "From": caller, "To": "+18554886423", **answer}
    assert_calm(post(client, f"/voice/step?{urlencode(query)}", params))


@FUZZ
@given(body=st.text(max_size=300), sender=callers)
def test_any_text_message_gets_a_calm_reply(client, body: str, sender: str) -> None:
    params = {
        "MessageSid": "SM" + "e" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+18554886423",
        "Body": body,
    }
    response = post(client, "/sms/incoming", params)
    assert response.status_code == 200
    check_twiml(response.get_data(as_text=True))
