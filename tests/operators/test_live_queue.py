"""The live queue end to end: callers hold with their triage, operators take the next caller and hear it first."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.flows import TREE
from callflows.tree import Ask, Menu
from config import Settings
from models import CallbackRequest, QueuedCall
from models.base import utcnow
from tests.e2e.conftest import ALWAYS_OPEN, choose, post_signed
from tests.operators.conftest import bearer

LANGS = ["en", "es"]
# The walks that need no phrase list run in every language of the catalogue.
ALL_LANGS = list(catalogue().codes)
LANGUAGE_KEY = {"en": "1", "es": "2"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Operators always answering."""
    return settings.replace(business_hours=ALWAYS_OPEN, holidays=())


def in_queue(call, lang: str, who: str | None = "family", need: str | None = "offender_info", danger: str = "2"):
    """A caller who asks for an operator and answers the triage (None presses 0 to skip the rest)."""
    caller = choose(call().press(LANGUAGE_KEY[lang]), lang, "operator")
    if who is None:
        return caller.press("0")
    choose(caller, lang, who)
    choose(caller, lang, need)
    return caller.press(danger)


def queued(database, call_sid: str) -> QueuedCall:
    with database.session() as session:
        row = session.get(QueuedCall, call_sid)
        assert row is not None
        session.expunge(row)
        return row


def operator_answers(client, fake_twilio, operator) -> ET.Element:
    """Twilio rang the operator's phone: post its answer URL as Twilio would."""
    [ring] = fake_twilio.calls()
    assert ring.value("To") == operator.phone and ring.value("From") == "+18554886423"
    url = urlsplit(ring.value("Url") or "")
    response = post_signed(
        client, f"{url.path}?{url.query}", {"CallSid": "CA" + "e" * 32, "From": "+18554886423", "To": operator.phone}
    )
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))


def spoken(root: ET.Element) -> str:
    return " ".join((say.text or "") for say in root.iter("Say"))


# --- 0 from every node ------------------------------------------------------------------


def _post_digit(client, url: str, lang: str) -> ET.Element:
    response = post_signed(client, url, {"CallSid": "CA" + "5" * 32, "From": "+12025550143", "Digits": "0"})
    assert response.status_code == 200, url
    return ET.fromstring(response.get_data(as_text=True))


# The operator's own triage questions and the call-back questions, where 0 goes straight to the queue.
STRAIGHT_TO_THE_QUEUE = {
    "operator.who",
    "operator.need",
    "operator.danger",
    "callback.who",
    "callback.need",
    "callback.danger",
}
# Asked only out of hours: 0 there is the call back itself (nobody answers the queue).
OUT_OF_HOURS_ONLY = {"operator.closed_offer"}


@pytest.mark.parametrize("lang", ALL_LANGS)
def test_zero_reaches_the_queue_within_two_steps_from_every_menu_and_ask_node(client, lang: str) -> None:
    nodes = sorted(
        name for name, node in TREE.nodes.items() if isinstance(node, Menu | Ask) and name not in OUT_OF_HOURS_ONLY
    )
    # Every part of the tree is walked, the later ones too: help near you (key 4),
    # notifications (key 5) and the national lines for a caller in danger.
    for part in ("custody.", "callback.", "removal.", "referrals.", "notify.", "danger."):
        assert any(name.startswith(part) for name in nodes), part
    for name in nodes:
        root = _post_digit(client, f"/voice/step?n={name}&t=0&l={lang}", lang)
        if name not in STRAIGHT_TO_THE_QUEUE:
            # The first 0 leads to the operator's triage, where the second 0 skips to the queue.
            gather = root.find("Gather")
            action = gather.get("action") if gather is not None else None
            assert action and "n=operator.who" in action, f"{name}: 0 did not lead to the operator"
            root = _post_digit(client, action, lang)
        assert root.find("Enqueue") is not None, f"{name}: 0, 0 did not reach the queue"


@pytest.mark.parametrize("lang", ALL_LANGS)
def test_out_of_hours_zero_from_every_node_offers_the_call_back(app, client, lang: str) -> None:
    hotline = app.extensions["hotline"]
    today = utcnow().date()
    hotline.settings = hotline.settings.replace(holidays=tuple(today + timedelta(days=d) for d in (-1, 0, 1)))
    cat = catalogue()
    for name in sorted(n for n, node in TREE.nodes.items() if isinstance(node, Menu | Ask)):
        root = _post_digit(client, f"/voice/step?n={name}&t=0&l={lang}", lang)
        gather = root.find("Gather")
        action = gather.get("action") or "" if gather is not None else ""
        # The closed message and the call-back offer, or (inside the call-back path) straight on to it.
        assert "n=operator.closed_offer" in action or "n=callback." in action, name
        if "n=operator.closed_offer" in action:
            # Never an offer of an operator who is not there: 0 is now the call back, and the caller is told so.
            heard = spoken(root)
            assert cat.text(lang, "menu.globals") not in heard, name
            assert cat.text(lang, "menu.globals.closed") in heard, name
            # The second press: 1 is the call back.
            offer = post_signed(client, action, {"CallSid": "CA" + "5" * 32, "From": "+12025550143", "Digits": "1"})
            assert "n=callback." in offer.get_data(as_text=True), name


# --- triage stored, whisper, screen pop ---------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_operator_hears_the_triage_before_being_connected_and_sees_it_on_screen(
    app, client, call, fake_twilio, make_operator, database, lang: str
) -> None:
    caller = in_queue(call, lang)
    assert caller.ended == "enqueued:operators"
    row = queued(database, caller.call_sid)
    assert (row.language, row.caller_type, row.need, row.urgent, row.status) == (
        lang, "family", "offender_info", False, "waiting"
    )  # fmt: skip
    operator, token = make_operator()
    response = client.post("/api/live/take-next", headers=bearer(token))
    assert response.status_code == 201
    root = operator_answers(client, fake_twilio, operator)
    whisper = spoken(root)
    assert "Caller: a family member of a victim." in whisper
    assert "Needs: information about an offender." in whisper
    assert ("Speaks Spanish." if lang == "es" else "Speaks English.") in whisper
    dial = root.find("Dial")
    assert dial is not None and (dial.findtext("Queue") or "").strip() == "operators"
    # Twilio dequeues the caller and fetches the Queue url on the caller's leg.
    queue_url = dial.find("Queue").get("url")  # type: ignore[union-attr]
    connected = post_signed(
        client, queue_url, {"CallSid": caller.call_sid, "DequeingCallSid": "CA" + "e" * 32, "QueueTime": "40"}
    )
    assert connected.status_code == 200 and ("specialist" in connected.get_data(as_text=True))
    pop = client.get("/api/live/current", headers=bearer(token)).get_json()
    assert pop["call_sid"] == caller.call_sid and pop["status"] == "connected"
    assert "Caller: a family member of a victim." in pop["summary"]


def test_a_caller_who_skips_the_triage_is_shown_as_triage_not_given(client, call, fake_twilio, make_operator) -> None:
    caller = in_queue(call, "en", who=None)
    assert caller.ended == "enqueued:operators"
    operator, token = make_operator()
    client.post("/api/live/take-next", headers=bearer(token))
    assert "Triage not given" in spoken(operator_answers(client, fake_twilio, operator))
    [waiting] = client.get("/api/live/waiting", headers=bearer(token)).get_json()["calls"]
    assert waiting["triage_given"] is False and waiting["caller_type"] is None


def test_a_caller_in_danger_hears_911_and_is_answered_before_earlier_callers(
    client, call, fake_twilio, make_operator, database
) -> None:
    earlier = in_queue(call, "en")
    in_danger = in_queue(call, "en", danger="1")
    assert "9 1 1" in " ".join(in_danger.transcript)
    assert in_danger.ended == "enqueued:operators-urgent"
    operator, token = make_operator()
    client.post("/api/live/take-next", headers=bearer(token))
    root = operator_answers(client, fake_twilio, operator)
    assert "Urgent: said they are in danger now." in spoken(root)
    assert (root.find("Dial").findtext("Queue") or "").strip() == "operators-urgent"  # type: ignore[union-attr]
    assert queued(database, in_danger.call_sid).status == "offered"
    assert queued(database, earlier.call_sid).status == "waiting"


def test_a_normal_caller_counts_urgent_callers_ahead_of_them(client, call) -> None:
    in_queue(call, "en", danger="1")
    params = {"CallSid": "CA" + "8" * 32, "QueuePosition": "1", "QueueTime": "10"}
    said = post_signed(client, "/voice/queue-wait?l=en&q=normal", params).get_data(as_text=True)
    assert "You are number 2 in line" in said
    urgent = post_signed(client, "/voice/queue-wait?l=en&q=urgent", params).get_data(as_text=True)
    assert "You are next in line" in urgent


def test_take_next_with_nobody_holding_rings_no_phone(client, fake_twilio, make_operator) -> None:
    _operator, token = make_operator()
    assert client.post("/api/live/take-next", headers=bearer(token)).status_code == 204
    assert fake_twilio.calls() == []


def test_an_operator_whose_dial_ends_unconnected_gives_the_caller_back(
    client, call, fake_twilio, make_operator, database
) -> None:
    caller = in_queue(call, "en")
    operator, token = make_operator()
    client.post("/api/live/take-next", headers=bearer(token))
    root = operator_answers(client, fake_twilio, operator)
    action = root.find("Dial").get("action")  # type: ignore[union-attr]
    assert post_signed(client, action, {"CallSid": "CA" + "e" * 32, "DialCallStatus": "no-answer"}).status_code == 200
    assert queued(database, caller.call_sid).status == "waiting"


def test_two_operators_taking_calls_at_once_hear_two_different_callers(
    client, call, fake_twilio, make_operator
) -> None:
    first, second = in_queue(call, "en", who="victim"), in_queue(call, "en", who="witness")
    assert first.call_sid != second.call_sid
    (_first_operator, token1), (_second_operator, token2) = make_operator(), make_operator()
    client.post("/api/live/take-next", headers=bearer(token1))
    client.post("/api/live/take-next", headers=bearer(token2))
    heard = []
    for ring in fake_twilio.calls():
        url = urlsplit(ring.value("Url") or "")
        response = post_signed(client, f"{url.path}?{url.query}", {"CallSid": "CA" + "d" * 32})
        heard.append(spoken(ET.fromstring(response.get_data(as_text=True))))
    assert "a victim of a crime" in heard[0] and "a witness to a crime" in heard[1]


def test_the_dashboard_takes_the_next_caller_and_shows_the_screen_pop(
    client, call, fake_twilio, make_operator, database
) -> None:
    from tests.operators.conftest import csrf_from, log_in

    caller = in_queue(call, "en")
    operator, _token = make_operator()
    log_in(client, operator.email)
    page = client.get("/ops/live/")
    assert page.status_code == 200 and "Caller: a family member of a victim." in page.get_data(as_text=True)
    taken = client.post(
        "/ops/live/take-next", data={"csrf_token": csrf_from(page.get_data(as_text=True))}, follow_redirects=True
    )
    assert "Your phone is ringing" in taken.get_data(as_text=True)
    root = operator_answers(client, fake_twilio, operator)
    queue_url = root.find("Dial").find("Queue").get("url")  # type: ignore[union-attr]
    post_signed(client, queue_url, {"CallSid": caller.call_sid, "DequeingCallSid": "CA" + "e" * 32})
    panel = client.get("/ops/live/panel").get_data(as_text=True)
    assert "connected" in panel and "Needs: information about an offender." in panel


# --- waiting ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_holding_caller_who_presses_1_keeps_their_place_with_a_call_back_and_their_triage(
    app, call, database, lang: str
) -> None:
    caller = in_queue(call, lang, who="victim", need="local_services")
    assert ("press 1" if lang == "en" else "oprima 1") in caller.last_heard()
    enqueued_at = queued(database, caller.call_sid).enqueued_at
    caller.press_while_holding("1")
    assert "0 1 4 3" in caller.last_heard()
    with database.session() as session:
        [request] = session.scalars(select(CallbackRequest)).all()
        assert (request.phone, request.caller_type, request.need, request.language) == (
            "+12025550143", "victim", "local_services", lang
        )  # fmt: skip
        assert request.created_at <= enqueued_at
    assert queued(database, caller.call_sid).status == "callback"


def test_a_held_caller_hears_an_honest_estimate_from_recent_answers(client, database) -> None:
    params = {"CallSid": "CA" + "9" * 32, "QueuePosition": "3", "QueueTime": "10"}
    assert "can't tell you yet" in post_signed(client, "/voice/queue-wait?l=en", params).get_data(as_text=True)
    now = utcnow()
    with database.session() as session:
        for i, minutes in enumerate((4, 6, 7)):
            session.add(
                QueuedCall(
                    call_sid=f"CA{i:032d}", language="en", queue="normal", status="connected",
                    enqueued_at=now - timedelta(minutes=minutes + 1), connected_at=now - timedelta(minutes=1),
                )
            )  # fmt: skip
    said = post_signed(client, "/voice/queue-wait?l=en", params).get_data(as_text=True)
    assert "waited about 6 minutes" in said


def test_a_caller_held_past_the_maximum_hears_an_apology_with_the_call_back_offer(app, client) -> None:
    limit = app.extensions["hotline"].settings.queue_max_hold_minutes
    params = {"CallSid": "CA" + "9" * 32, "QueuePosition": "2", "QueueTime": str(limit * 60 + 1)}
    said = post_signed(client, "/voice/queue-wait?l=es", params).get_data(as_text=True)
    assert "Lamentamos que haya esperado tanto" in said and "conservar su lugar" in said


def test_any_other_key_while_holding_keeps_the_caller_in_line(client, call, database) -> None:
    caller = in_queue(call, "en")
    params = {"CallSid": caller.call_sid, "From": "+12025550143", "Digits": "5"}
    answer = post_signed(client, "/voice/queue-key?l=en", params).get_data(as_text=True)
    assert "<Leave" not in answer and queued(database, caller.call_sid).status == "waiting"


def test_pressing_1_twice_while_holding_stores_one_request(client, call, database) -> None:
    caller = in_queue(call, "en")
    params = {"CallSid": caller.call_sid, "From": "+12025550143", "Digits": "1"}
    for _ in range(2):
        assert "<Leave" in post_signed(client, "/voice/queue-key?l=en", params).get_data(as_text=True)
    with database.session() as session:
        assert len(session.scalars(select(CallbackRequest)).all()) == 1


def test_live_webhooks_refuse_unsigned_requests(client, make_operator) -> None:
    operator, _token = make_operator(phone="+12025550188")
    # A real operator id, so the only reason left to refuse is the missing signature.
    for path in (
        f"/live/answer?operator={operator.id}",
        f"/live/connected?operator={operator.id}",
        f"/live/dialed?operator={operator.id}&call=CA1",
    ):
        answer = client.post(path, data={"CallSid": "CA1"})
        assert answer.status_code == 403, path
        assert "signature" in answer.get_data(as_text=True).lower()


def test_a_holding_caller_with_a_hidden_number_is_told_and_keeps_holding(client, call, database) -> None:
    caller = in_queue(call, "en")
    params = {"CallSid": caller.call_sid, "From": "anonymous", "Digits": "1"}
    answer = post_signed(client, "/voice/queue-key?l=en", params).get_data(as_text=True)
    assert "Your caller ID is hidden" in answer and "<Leave" not in answer
    assert queued(database, caller.call_sid).status == "waiting"


def test_a_retried_operator_answer_whispers_the_same_caller(client, call, fake_twilio, make_operator) -> None:
    in_queue(call, "en", who="victim")
    in_queue(call, "en", who="witness")
    operator, token = make_operator()
    client.post("/api/live/take-next", headers=bearer(token))
    first = spoken(operator_answers(client, fake_twilio, operator))
    again = spoken(operator_answers(client, fake_twilio, operator))
    assert "a victim of a crime" in first and first == again
