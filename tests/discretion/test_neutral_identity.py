"""A neutral outbound identity: NEUTRAL_NUMBER is required, shown on outbound calls, and answers with nothing."""

from __future__ import annotations

import re
from datetime import time as clock

import pytest

from callflows.catalogue import catalogue
from config import HOTLINE_NUMBER, ConfigError, NotificationSettings, load_settings
from simulator import Call
from tests.conftest import AUTH_TOKEN, NEUTRAL_NUMBER
from tests.notifications.test_delivery import deliver, in_custody, post, register, released, said

PUBLIC = {
    "PUBLIC_BASE_URL": "https://voice.example.org",
    "TWILIO_AUTH_TOKEN": "tok-7Hq2Vw9xZp4Lm8Rc3Nb6Jd1Fg5Ks0Ty",
    "SECRET_KEY": "sec-Qz8Wn3Xv6Bm1Lp9Kr4Hs7Gt2Dj5Fc0Ya",
    "AUDIT_HASH_KEY": "aud-Mx5Tr8Ye2Wq7Un4Io1Pa6Sd9Fg3Hj0Kl",
}
# Words an automated outbound call must never say: who we are, what about, or that it was asked for.
GIVEAWAYS = re.compile(
    r"VOICE|hotline|l[ií]nea|ICE|victim|v[ií]ctima|immigra|inmigra|migratori|asked|ped[ií]|pidi[oó]|"
    r"8\s*5\s*5|4\s*8\s*8|6\s*4\s*2\s*3",
    re.IGNORECASE,
)
OUTBOUND_KEYS = (
    "customer_first.greeting",
    "customer_first.connecting",
    "customer_first.goodbye",
    "customer_first.unavailable",
    "notify.voice.ask_pin",
    "notify.voice.wrong_pin",
    "notify.voice.no_pin",
    "notify.voice.voicemail",
    "notify.voice.more",
    "neutral.unavailable",
)


def test_a_public_address_refuses_to_start_without_a_neutral_number() -> None:
    with pytest.raises(ConfigError, match="NEUTRAL_NUMBER: required on a public address"):
        load_settings(PUBLIC)
    assert load_settings({**PUBLIC, "NEUTRAL_NUMBER": "+16175550100"}).neutral_number == "+16175550100"


@pytest.mark.parametrize("variable", ["HOTLINE_NUMBER", "OPERATOR_NUMBER"])
def test_the_neutral_number_must_differ_from_the_hotlines(variable: str) -> None:
    with pytest.raises(ConfigError, match="NEUTRAL_NUMBER: must differ"):
        load_settings({**PUBLIC, variable: "+16175550100", "NEUTRAL_NUMBER": "+16175550100"})
    with pytest.raises(ConfigError, match="NEUTRAL_NUMBER: must differ"):
        load_settings({"NEUTRAL_NUMBER": HOTLINE_NUMBER})


def test_development_gets_a_fictional_neutral_number() -> None:
    number = load_settings({}).neutral_number
    assert re.fullmatch(r"\+1\d{3}55501\d{2}", number) and number != HOTLINE_NUMBER


@pytest.mark.parametrize("key", OUTBOUND_KEYS)
def test_automated_words_on_outbound_calls_name_nothing(key: str) -> None:
    cat = catalogue()
    for lang in cat.codes:
        text = cat.text(lang, key, {})
        assert not GIVEAWAYS.search(text), f"{lang} {key}: {text}"


@pytest.mark.parametrize("path", ["/voice/neutral", "/voice/incoming"])
def test_a_call_to_the_neutral_number_hears_one_neutral_sentence(app, transport, path) -> None:
    caller = Call(transport, AUTH_TOKEN, caller="+13055550177", hotline=NEUTRAL_NUMBER)
    caller._post(transport.base_url + path, {})
    assert caller.transcript == ["The person you are calling is not available."]
    assert caller.ended == "hung up"


def test_an_unsigned_call_to_the_neutral_route_is_refused(client) -> None:
    assert client.post("/voice/neutral", data={"CallSid": "CA1"}).status_code == 403


@pytest.fixture
def settings(settings):
    return settings.replace(
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0), rate_per_number=50.0)
    )


def test_a_notification_call_shows_the_neutral_number_and_starts_with_the_pin(app, feed, transport, fake_twilio):
    feed([in_custody("209000071")], protected=True)
    register(app, "209000071", "+12025550143", "en", "voice")
    feed([released("209000071")], protected=True)
    _, calls = deliver(app)
    (placed,) = fake_twilio.calls()
    assert placed.value("From") == NEUTRAL_NUMBER
    notification_id = int(placed.value("Url").rsplit("/", 1)[1])
    _, document = post(
        transport,
        f"/notify/voice/answer/{notification_id}",
        {"CallSid": calls.sids[0], "AnsweredBy": "human", "CallStatus": "in-progress"},
    )
    assert said(document)[0] == "Hello. Please enter your four-digit PIN, then press the pound key."
