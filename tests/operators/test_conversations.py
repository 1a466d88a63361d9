"""Texting with a specialist: free text opens a conversation, an operator claims it, replies and closes it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.sms import HELP, STATUS, UNKNOWN, parse_text
from models import Conversation, ConversationMessage
from tests.operators.conftest import bearer, csrf_from, log_in

TEXTER = "+12025550143"


def conversations(database) -> list[Conversation]:
    with database.session() as session:
        rows = list(session.scalars(select(Conversation).order_by(Conversation.id)))
        session.expunge_all()
        return rows


def thread(database, conversation_id: int) -> list[tuple[str, str, str]]:
    with database.session() as session:
        query = select(ConversationMessage).where(ConversationMessage.conversation_id == conversation_id)
        return [(m.direction, m.body, m.status) for m in session.scalars(query.order_by(ConversationMessage.id))]


@pytest.mark.parametrize(
    ("body", "kind", "language"),
    [
        ("HELP", HELP, "en"),
        ("ayuda", HELP, "es"),
        ("HELP ME", UNKNOWN, "en"),
        ("help me please, he took my phone", UNKNOWN, "en"),
        ("hola necesito ayuda", UNKNOWN, "es"),
        ("my brother A201345678 was born in Mexico", STATUS, "en"),
        ("hola, mi hermano a 201 345 678 de Guatemala", STATUS, "es"),
        ("his number is A201345678", UNKNOWN, "en"),
    ],
)
def test_help_alone_is_help_free_text_is_for_a_specialist_and_a_number_with_a_country_is_a_look_up(
    body: str, kind: str, language: str
) -> None:
    command = parse_text(body)
    assert (command.kind, command.language) == (kind, language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_texts_we_write_never_say_ice_victim_and_help_ends_with_the_specialist_offer(language: str) -> None:
    cat = catalogue()
    for key in ("sms.help", "sms.conversation_opened"):
        text = cat.text(language, key)
        assert not re.search(r"\bICE\b", text) and "victim" not in text.lower() and "víctima" not in text.lower(), key
    assert (
        "specialist" in cat.text(language, "sms.help").split(".")[-2]
        or "especialista" in cat.text(language, "sms.help").split(".")[-2]
    )


def test_free_text_opens_a_conversation_and_later_texts_continue_it(texter, database) -> None:
    phone = texter(TEXTER)
    [first] = phone.send("HELP ME please")
    assert "A specialist will text you back" in first
    assert phone.send("I can only text after 6") == []
    [conversation] = conversations(database)
    assert (conversation.phone, conversation.status, conversation.language) == (TEXTER, "open", "en")
    # The automatic reply is kept in the thread: operators read what the texter was told.
    assert [(d, body) for d, body, _s in thread(database, conversation.id)] == [
        ("in", "HELP ME please"),
        ("out", first),
        ("in", "I can only text after 6"),
    ]


def test_a_duplicate_delivery_is_kept_once(texter, database) -> None:
    phone = texter(TEXTER)
    first = phone.send("hola necesito ayuda", message_sid="SM" + "1" * 32)
    # Twilio's retry gets the same reply again, and nothing is stored twice.
    assert phone.send("hola necesito ayuda", message_sid="SM" + "1" * 32) == first
    [conversation] = conversations(database)
    assert conversation.language == "es" and [d for d, _b, _s in thread(database, conversation.id)] == ["in", "out"]


def test_help_alone_still_gets_the_help_reply_and_opens_nothing(texter, database) -> None:
    [answer] = texter(TEXTER).send("HELP")
    assert answer.endswith("To text a specialist, write your message here.")
    assert conversations(database) == []


def test_a_reply_whose_answer_was_lost_stays_sending_and_the_upkeep_finds_it_sent_at_twilio(
    client, texter, database, make_operator, fake_twilio
) -> None:
    from datetime import timedelta

    from models.base import utcnow
    from workers.queue import settle_replies

    texter(TEXTER).send("he is home, I can't talk")
    _operator, token = make_operator()
    claimed = client.post("/api/conversations/claim-next", headers=bearer(token)).get_json()

    fake_twilio.lose_answers = 1
    reply = f"/api/conversations/{claimed['id']}/reply"
    lost = client.post(reply, json={"text": "We are here."}, headers=bearer(token))
    assert lost.status_code == 409 and "look before" in lost.get_json()["error"]
    assert thread(database, claimed["id"])[-1] == ("out", "We are here.", "sending")
    assert settle_replies() == 0  # too recent: the request may still be waiting for Twilio
    assert settle_replies(now=utcnow() + timedelta(minutes=3)) == 1
    assert thread(database, claimed["id"])[-1] == ("out", "We are here.", "sent")
    assert len(fake_twilio.messages()) == 1


def test_a_texter_and_an_operator_exchange_messages_through_the_api(
    client, texter, database, make_operator, fake_twilio
) -> None:
    phone = texter(TEXTER)
    [automatic] = phone.send("he is home, I can't talk")
    _operator, token = make_operator()
    listed = client.get("/api/conversations", headers=bearer(token)).get_json()["conversations"]
    assert listed[0]["phone"] == "***0143"
    claimed = client.post("/api/conversations/claim-next", headers=bearer(token)).get_json()
    assert claimed["phone"] == TEXTER and claimed["messages"][0]["body"] == "he is home, I can't talk"
    sent = client.post(
        f"/api/conversations/{claimed['id']}/reply", json={"text": "We are here. Text when it is safe."},
        headers=bearer(token),
    )  # fmt: skip
    assert sent.status_code == 201 and sent.get_json()["status"] == "sent"
    [message] = fake_twilio.messages()
    assert (message.value("To"), message.value("From"), message.value("Body")) == (
        TEXTER, "+18554886423", "We are here. Text when it is safe."
    )  # fmt: skip
    assert phone.send("ok thank you") == []
    shown = client.get(f"/api/conversations/{claimed['id']}", headers=bearer(token)).get_json()
    assert [(m["direction"], m["body"]) for m in shown["messages"]] == [
        ("in", "he is home, I can't talk"), ("out", automatic), ("out", "We are here. Text when it is safe."),
        ("in", "ok thank you"),
    ]  # fmt: skip
    closed = client.post(f"/api/conversations/{claimed['id']}/close", headers=bearer(token))
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closed_by"] == "operator"
    # A new text after closing opens a new conversation.
    assert "A specialist will text you back" in phone.send("one more thing")[0]
    assert [c.status for c in conversations(database)] == ["closed", "open"]


def test_only_the_operator_who_claimed_a_conversation_can_reply(client, texter, make_operator, fake_twilio) -> None:
    texter(TEXTER).send("are you there")
    (_first, token), (_second, other) = make_operator(), make_operator()
    conversation = client.post("/api/conversations/claim-next", headers=bearer(token)).get_json()
    refused = client.post(f"/api/conversations/{conversation['id']}/reply", json={"text": "hi"}, headers=bearer(other))
    assert refused.status_code == 409 and fake_twilio.messages() == []
    assert client.post("/api/conversations/claim-next", headers=bearer(other)).status_code == 204


def test_stop_closes_the_conversation_and_no_reply_goes_out(
    client, texter, database, make_operator, fake_twilio
) -> None:
    phone = texter(TEXTER)
    phone.send("please text me back")
    _operator, token = make_operator()
    conversation = client.post("/api/conversations/claim-next", headers=bearer(token)).get_json()
    assert phone.send("STOP") == []
    [row] = conversations(database)
    assert (row.status, row.closed_by) == ("closed", "stop")
    refused = client.post(f"/api/conversations/{conversation['id']}/reply", json={"text": "hi"}, headers=bearer(token))
    assert refused.status_code == 409 and fake_twilio.messages() == []


def test_a_reply_twilio_refuses_is_kept_as_failed(client, texter, database, make_operator, fake_twilio) -> None:
    texter(TEXTER).send("hello?")
    _operator, token = make_operator()
    conversation = client.post("/api/conversations/claim-next", headers=bearer(token)).get_json()
    fake_twilio.fail_next = 1
    answer = client.post(f"/api/conversations/{conversation['id']}/reply", json={"text": "hi"}, headers=bearer(token))
    assert answer.status_code == 409
    assert thread(database, conversation["id"])[-1] == ("out", "hi", "failed")


@pytest.mark.parametrize("text", ["", "   ", "a\x00b", "x" * 1601])
def test_an_empty_or_unsendable_reply_is_refused(client, texter, make_operator, fake_twilio, text: str) -> None:
    texter(TEXTER).send("hello?")
    _operator, token = make_operator()
    conversation = client.post("/api/conversations/claim-next", headers=bearer(token)).get_json()
    answer = client.post(f"/api/conversations/{conversation['id']}/reply", json={"text": text}, headers=bearer(token))
    # A NUL byte is refused before the database (400); other unsendable texts by the conversation (409).
    assert answer.status_code == (400 if "\x00" in text else 409) and fake_twilio.messages() == []


def test_the_dashboard_claims_replies_and_closes(client, texter, database, make_operator, fake_twilio) -> None:
    texter(TEXTER).send("can someone text me")
    operator, _token = make_operator()
    log_in(client, operator.email)
    inbox = client.get("/ops/texts/").get_data(as_text=True)
    page = client.post("/ops/texts/claim", data={"csrf_token": csrf_from(inbox)}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "can someone text me" in html and TEXTER in html
    [conversation] = conversations(database)
    sent = client.post(
        f"/ops/texts/{conversation.id}/reply", data={"csrf_token": csrf_from(html), "text": "Yes. Are you safe?"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Reply sent." in sent.get_data(as_text=True) and fake_twilio.messages()[0].value("To") == TEXTER
    client.post(f"/ops/texts/{conversation.id}/close", data={"csrf_token": csrf_from(html)})
    assert conversations(database)[0].closed_by == "operator"


def test_a_conversation_is_kept_with_the_texters_open_callback_request(texter, database, add_request) -> None:
    request_id = add_request(phone=TEXTER)
    texter(TEXTER).send("I asked for a call but cannot talk now")
    assert conversations(database)[0].callback_request_id == request_id
