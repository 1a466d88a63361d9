"""A text is answered in the language it is written in, and the conversation remembers it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.sms import START, STOP, UNKNOWN, detect_language, parse_text
from models.conversation import Conversation
from models.texting import SmsConsent

OPENED = {code: catalogue().text(code, "sms.conversation_opened") for code in ("en", "es", "zh")}


@pytest.mark.parametrize(
    ("body", "lang"),
    [
        ("Tengo miedo", "es"),
        ("me pegó otra vez y tengo miedo", "es"),
        ("mi esposo me pego otra vez", "es"),
        ("¿Dónde está mi hermano?", "es"),
        ("he hit me again and I am scared", "en"),
        ("我很害怕", "zh"),
        ("我丈夫又打我了", "zh"),
    ],
)
def test_the_language_of_a_text_is_read_from_its_words(body, lang) -> None:
    assert detect_language(body) == lang
    command = parse_text(body)
    assert (command.kind, command.language, command.sure) == (UNKNOWN, lang, True)


@pytest.mark.parametrize("body", ["ok", "A201345678", "?", "911"])
def test_a_text_that_tells_nothing_is_not_sure_of_its_language(body) -> None:
    assert detect_language(body) is None and not parse_text(body).sure


@pytest.mark.parametrize("body", ["PARAR", "parar", "Baja", "CANCELAR SUSCRIPCION", "cancelar suscripción"])
def test_spanish_opt_out_words_stop_texts(body) -> None:
    command = parse_text(body)
    assert (command.kind, command.language, command.confirm) == (STOP, "es", True)


def test_iniciar_starts_texts_again_and_english_carrier_words_keep_their_meaning() -> None:
    assert (parse_text("INICIAR").kind, parse_text("INICIAR").language) == (START, "es")
    # The carrier answers STOP and START itself: no confirmation of ours.
    assert parse_text("STOP").kind == STOP and not parse_text("STOP").confirm
    assert parse_text("START").kind == START and not parse_text("START").confirm
    # "CANCELAR K7Q2" stays the call-back command, not an opt-out.
    assert parse_text("CANCELAR K7Q2").kind == "cancel_request"


@pytest.mark.parametrize(
    ("body", "lang"),
    [("Tengo miedo", "es"), ("me pegó otra vez y tengo miedo", "es"), ("我很害怕", "zh"), ("I am scared", "en")],
)
def test_a_text_to_a_specialist_is_answered_in_its_language(app, texter, body, lang) -> None:
    assert texter("+12025550161").send(body) == [OPENED[lang]]


def test_the_conversation_remembers_the_language_for_texts_that_do_not_tell(app, texter) -> None:
    person = texter("+12025550162")
    assert person.send("Tengo miedo") == [OPENED["es"]]
    # HELP is the keyword every help text teaches: the conversation's language answers it.
    assert person.send("HELP") == [catalogue().text("es", "sms.help")]
    with app.extensions["hotline"].database.session() as session:
        assert Conversation.language_of(session, "+12025550162") == "es"
    # A texter who switches language moves the conversation with them.
    person.send("我很害怕")
    with app.extensions["hotline"].database.session() as session:
        assert Conversation.language_of(session, "+12025550162") == "zh"
    assert person.send("HELP") == [catalogue().text("zh", "sms.help")]


@pytest.mark.parametrize("word", ["PARAR", "BAJA", "CANCELAR SUSCRIPCION"])
def test_parar_baja_cancelar_suscripcion_stop_texts_and_are_confirmed_in_spanish(app, texter, word) -> None:
    person = texter("+12025550163")
    person.send("Tengo miedo")
    assert person.send(word) == [catalogue().text("es", "sms.stopped")]
    with app.extensions["hotline"].database.session() as session:
        assert SmsConsent.is_opted_out(session, "+12025550163")
        conversation = session.scalars(select(Conversation).where(Conversation.phone == "+12025550163")).one()
        assert conversation.status == "closed"
    # Nothing more goes back until INICIAR.
    assert person.send("AYUDA") == []
    assert person.send("INICIAR") == [catalogue().text("es", "sms.started")]
    assert person.send("AYUDA") == [catalogue().text("es", "sms.help")]


def test_stop_is_left_to_the_carrier(app, texter) -> None:
    assert texter("+12025550164").send("STOP") == []


def test_spanish_texts_fit_gsm7_and_spoken_spanish_keeps_its_accents() -> None:
    from callflows.check import is_text_key
    from callflows.sms import segments

    cat = catalogue()
    for key in ("sms.stopped", "sms.started", "sms.conversation_opened"):
        assert segments(cat.text("es", key)) == 1, key
    spoken = [v for k, v in cat.entries["es"].items() if isinstance(v, str) and not is_text_key(k)]
    assert any("número" in v for v in spoken) and not any(" numero " in f" {v} " for v in spoken)
