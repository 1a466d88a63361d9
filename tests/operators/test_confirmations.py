"""Confirmation texts after a callback request, and CANCEL / CHANGE with the reference, by its caller only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import CallbackConfirmation, CallbackRequest, Conversation, OutboxMessage, RequestHistory, SmsConsent
from tests.e2e.conftest import choose, safe_contact
from workers.confirmations import send_confirmation

CALLER = "+12025550143"


def to_message_offer(call, lang: str = "en", caller: str = CALLER):
    caller_call = call(caller=caller).press("1" if lang == "en" else "2")
    choose(caller_call, lang, "callback")
    for answer in ("victim", "offender_info", "danger_no"):
        choose(caller_call, lang, answer)
    return caller_call


def confirmations(database) -> list[CallbackConfirmation]:
    with database.session() as session:
        rows = list(session.scalars(select(CallbackConfirmation)))
        session.expunge_all()
        return rows


def request_row(database) -> CallbackRequest:
    with database.session() as session:
        [row] = session.scalars(select(CallbackRequest)).all()
        session.expunge(row)
        return row


# The voice path asks whether a text is safe before it offers one.
SAFE_TO_TEXT = {"en": "If it is safe to text this phone", "es": "Si es seguro enviarle un texto"}


def safe_to_text(caller, lang: str = "en"):
    return caller.press(caller.option_for(SAFE_TO_TEXT[lang]))


def confirmed_request(call, database, lang: str = "en") -> CallbackConfirmation:
    caller = choose(safe_contact(choose(to_message_offer(call, lang), lang, "this_number"), lang), lang, "skip")
    safe_to_text(caller, lang)
    caller.press(caller.option_for("To get the text" if lang == "en" else "Para recibir el mensaje"))
    [confirmation] = confirmations(database)
    assert send_confirmation(confirmation.id) == "sent"
    return confirmations(database)[0]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_caller_who_accepts_gets_one_text_with_the_reference_and_commands(
    call, database, fake_twilio, lang: str
) -> None:
    caller = choose(safe_contact(choose(to_message_offer(call, lang), lang, "this_number"), lang), lang, "skip")
    assert ("text message" if lang == "en" else "mensaje de texto") in caller.last_heard()
    safe_to_text(caller, lang)
    caller.press("1")
    [confirmation] = confirmations(database)
    with database.session() as session:
        jobs = [m.job for m in session.scalars(select(OutboxMessage))]
    assert "workers.confirmations.send_confirmation" in jobs
    assert send_confirmation(confirmation.id) == "sent"
    assert send_confirmation(confirmation.id) == "sent"  # a second run finds the work done
    [text] = fake_twilio.messages()
    body = text.value("Body") or ""
    assert text.value("To") == CALLER and re.fullmatch(r"[A-Z0-9]{4}", confirmation.reference)
    if lang == "en":
        assert f"CANCEL {confirmation.reference}" in body and f"CHANGE {confirmation.reference}" in body
    else:
        assert f"CANCELAR {confirmation.reference}" in body and f"CAMBIAR {confirmation.reference}" in body
    assert "VOICE" not in body and "victim" not in body.lower() and not re.search(r"\bICE\b", body)


def test_a_caller_who_declines_gets_no_text(call, database) -> None:
    caller = choose(safe_contact(choose(to_message_offer(call), "en", "this_number"), "en"), "en", "skip")
    safe_to_text(caller)
    caller.press(caller.option_for("If you do not want a text"))
    assert confirmations(database) == []


def test_silence_at_the_offer_means_no_text(call, database) -> None:
    caller = choose(safe_contact(choose(to_message_offer(call), "en", "this_number"), "en"), "en", "skip")
    safe_to_text(caller)
    caller.silence()
    assert confirmations(database) == [] and "line" in caller.last_heard()


def test_a_typed_number_is_never_offered_a_text(call, database) -> None:
    caller = choose(to_message_offer(call), "en", "other_number").press("6175550188#")
    choose(safe_contact(choose(caller, "en", "entered_right"), "en"), "en", "skip")
    assert "text message" not in caller.last_heard()
    assert confirmations(database) == []


def test_an_opted_out_caller_is_not_offered_a_text(call, database) -> None:
    with database.session() as session:
        SmsConsent.record(session, CALLER, "opt_out", "stop", "SM" + "3" * 32)
    caller = choose(safe_contact(choose(to_message_offer(call), "en", "this_number"), "en"), "en", "skip")
    assert "text message" not in caller.last_heard()


@pytest.mark.parametrize(("word", "lang"), [("CANCEL", "en"), ("cancelar", "es")])
def test_cancel_with_the_reference_withdraws_the_callers_own_request(
    call, database, texter, fake_twilio, word: str, lang: str
) -> None:
    confirmation = confirmed_request(call, database)
    [answer] = texter(CALLER).send(f"{word} {confirmation.reference.lower()}")
    assert confirmation.reference in answer and ("cancelled" in answer or "cancelada" in answer)
    row = request_row(database)
    assert (row.status, row.disposition) == ("closed", "withdrawn")


def test_someone_elses_number_cannot_cancel_and_learns_nothing(call, database, texter, fake_twilio) -> None:
    confirmation = confirmed_request(call, database)
    [answer] = texter("+13055550177").send(f"CANCEL {confirmation.reference}")
    [unknown] = texter("+13055550177").send("CANCEL QQQQ")
    assert answer == unknown.replace("QQQQ", confirmation.reference)
    assert request_row(database).status == "open"


def test_change_notes_the_wish_and_the_next_text_reaches_a_specialist(call, database, texter, fake_twilio) -> None:
    confirmation = confirmed_request(call, database)
    phone = texter(CALLER)
    [answer] = phone.send(f"CHANGE {confirmation.reference}")
    assert "days and times" in answer
    assert phone.send("after 6 pm on weekdays") == []
    with database.session() as session:
        events = [h.event for h in session.scalars(select(RequestHistory))]
        [conversation] = session.scalars(select(Conversation)).all()
        assert conversation.callback_request_id == confirmation.request_id
    assert "change_asked_by_text" in events


def test_bare_cancel_keeps_its_carrier_meaning(call, database, texter, fake_twilio) -> None:
    confirmed_request(call, database)
    assert texter(CALLER).send("CANCEL") == []
    assert request_row(database).status == "open"
    with database.session() as session:
        assert SmsConsent.is_opted_out(session, CALLER)
