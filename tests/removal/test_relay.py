"""Relay calls (711): in operator hours straight to the queue; out of hours the callback offer, slowly."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from callflows.catalogue import catalogue
from config import load_settings, parse_business_hours
from models import CallSession
from models.base import utcnow
from tests.conftest import flush_events
from tests.e2e.conftest import post_signed
from tests.removal.conftest import RELAY_NUMBER


def close_operators(app) -> None:
    hotline = app.extensions["hotline"]
    today = utcnow().date()
    hotline.settings = hotline.settings.replace(
        business_hours=parse_business_hours("mon-fri 08:00-20:00"),
        holidays=tuple(today + timedelta(days=d) for d in (-1, 0, 1)),
    )


def relay_flag(app, call_sid: str) -> bool:
    flush_events(app)
    with app.extensions["hotline"].database.session() as session:
        return CallSession.is_relay(session, call_sid)


def test_a_relay_call_in_operator_hours_skips_the_menus_and_is_marked_for_the_whisper(app, call) -> None:
    caller = call(caller="(202) 555-0177")
    assert caller.ended == "enqueued:operators"
    # No menu on the way: the only key offered is the queue's "press 1 to keep your place".
    heard = " ".join(caller.transcript)
    assert catalogue().text("en", "main.intro") not in heard and "press 2" not in heard
    assert relay_flag(app, caller.call_sid)


def test_a_relay_call_out_of_hours_hears_the_callback_offer_slowly(app, call) -> None:
    close_operators(app)
    caller = call(caller=RELAY_NUMBER)
    assert caller.waiting_tag == "Gather" and caller.queue is None
    assert "a call back" in caller.last_heard()
    document = ET.fromstring(caller.documents[-1])
    assert all([child.tag for child in say] == ["prosody"] for say in document.iter("Say"))
    # The number question, with the slow pace's doubled wait.
    assert document.find("Gather").get("timeout") == "16"


def test_any_other_caller_hears_the_welcome_and_is_not_marked(app, call) -> None:
    caller = call(caller="+12025550143")
    assert "VOICE hotline" in caller.last_heard() and caller.waiting_tag == "Gather"
    assert not relay_flag(app, caller.call_sid)


def test_relay_caller_ids_are_read_from_the_environment() -> None:
    settings = load_settings({"RELAY_CALLER_IDS": "+12025550177, 202-555-0178"})
    assert settings.relay_caller_ids == ("+12025550177", "202-555-0178")


def test_a_relay_caller_holding_in_the_queue_hears_the_wait_message_slowly(app, call, client) -> None:
    caller = call(caller=RELAY_NUMBER)
    assert caller.ended == "enqueued:operators"
    waiting = ET.fromstring(caller.documents[-1]).find("Enqueue").get("waitUrl")
    params = {"CallSid": caller.call_sid, "QueuePosition": "2", "QueueTime": "0"}
    document = ET.fromstring(post_signed(client, waiting, params).get_data(as_text=True))
    says = list(document.iter("Say"))
    assert says and all([child.tag for child in say] == ["prosody"] for say in says)
    plain = ET.fromstring(post_signed(client, "/voice/queue-wait?l=en", params).get_data(as_text=True))
    assert not any(list(say) for say in plain.iter("Say"))
