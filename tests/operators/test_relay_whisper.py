"""A relay (711) call in the live queue: the operator is told to expect a relay, in the whisper and on screen."""

from __future__ import annotations

import pytest

from callflows.catalogue import catalogue
from config import Settings
from tests.conftest import flush_events
from tests.e2e.conftest import ALWAYS_OPEN, choose
from tests.operators.conftest import bearer
from tests.operators.test_live_queue import operator_answers, spoken

RELAY_NUMBER = "+12025550177"
EXPECT_RELAY = catalogue().text("en", "whisper.relay", {})


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Operators always answering, and one relay service's caller ID."""
    return settings.replace(business_hours=ALWAYS_OPEN, holidays=(), relay_caller_ids=(RELAY_NUMBER,))


def test_a_relay_caller_holds_where_take_next_finds_them_and_the_whisper_says_expect_a_relay(
    app, client, call, fake_twilio, make_operator
) -> None:
    caller = call(caller=RELAY_NUMBER)
    assert caller.ended == "enqueued:operators"
    flush_events(app)
    operator, token = make_operator()
    [waiting] = client.get("/api/live/waiting", headers=bearer(token)).get_json()["calls"]
    assert waiting["call_sid"] == caller.call_sid and waiting["relay"] is True
    assert waiting["summary"][0] == EXPECT_RELAY and waiting["triage_given"] is False
    assert client.post("/api/live/take-next", headers=bearer(token)).status_code == 201
    whisper = spoken(operator_answers(client, fake_twilio, operator))
    assert EXPECT_RELAY in whisper and "Triage not given" in whisper
    assert whisper.index(EXPECT_RELAY) < whisper.index("Triage not given")
    pop = client.get("/api/live/current", headers=bearer(token)).get_json()
    assert pop["call_sid"] == caller.call_sid and pop["relay"] is True and EXPECT_RELAY in pop["summary"]


def test_a_caller_who_is_not_a_relay_gets_no_relay_notice(app, client, call, fake_twilio, make_operator) -> None:
    caller = choose(call(caller="+12025550143").press("1"), "en", "operator")
    caller.press("0")
    assert caller.ended == "enqueued:operators"
    flush_events(app)
    operator, token = make_operator()
    client.post("/api/live/take-next", headers=bearer(token))
    whisper = spoken(operator_answers(client, fake_twilio, operator))
    assert "Triage not given" in whisper and EXPECT_RELAY not in whisper
    pop = client.get("/api/live/current", headers=bearer(token)).get_json()
    assert pop["relay"] is False and EXPECT_RELAY not in pop["summary"]
