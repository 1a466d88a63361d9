"""Texting the hotline: STATUS/ESTADO look-ups, HELP/AYUDA, STOP and START, duplicates, reply length."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.sms import HELP, START, STATUS, STOP, UNKNOWN, parse_text, segments
from models import LookupAudit, SmsConsent
from tests.custody.conftest import DEMO_A_NUMBER

TEXTER = "+12025550143"
LONG_FACILITY = dict(
    a_last3="678",
    facility_name="Krome Demo Service Processing Center",
    city="Broadview",
    state="IL",
    facility_phone="305-555-0123",
    reference="K7Q2",
)


@pytest.mark.parametrize(
    ("body", "kind", "language", "a_number", "country"),
    [
        ("STATUS A201345678 MEXICO", STATUS, "en", DEMO_A_NUMBER, "MX"),
        ("status a201345678 mexico", STATUS, "en", DEMO_A_NUMBER, "MX"),
        ("  Status:  A 201-345-678,  Mexico. ", STATUS, "en", DEMO_A_NUMBER, "MX"),
        ("ESTADO A201345678 MÉXICO", STATUS, "es", DEMO_A_NUMBER, "MX"),
        ("estado 201 345 678 el salvador", STATUS, "es", DEMO_A_NUMBER, "SV"),
        ("STATUSA201345678 GT", STATUS, "en", DEMO_A_NUMBER, "GT"),
        ("status A20134567", STATUS, "en", "020134567", None),
        ("status A2013456 mexico", STATUS, "en", None, "MX"),
        ("STATUS A201345678 Narnia", STATUS, "en", DEMO_A_NUMBER, None),
        ("HELP", HELP, "en", None, None),
        ("ayuda", HELP, "es", None, None),
        ("STOP", STOP, "en", None, None),
        ("Stop.", STOP, "en", None, None),
        ("unsubscribe", STOP, "en", None, None),
        ("STOPALL", STOP, "en", None, None),
        ("cancel", STOP, "en", None, None),
        ("END", STOP, "en", None, None),
        ("quit", STOP, "en", None, None),
        ("START", START, "en", None, None),
        ("unstop", START, "en", None, None),
        ("Yes", START, "en", None, None),
        ("please stop texting me", UNKNOWN, "en", None, None),
        ("hola necesito ayuda", UNKNOWN, "es", None, None),
        ("", UNKNOWN, "en", None, None),
    ],
)
def test_texts_are_read_with_free_form_spacing_case_and_punctuation(
    body: str, kind: str, language: str, a_number: str | None, country: str | None
) -> None:
    command = parse_text(body)
    assert (command.kind, command.language, command.a_number, command.country) == (kind, language, a_number, country)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_reply_fits_in_two_sms_segments(language: str) -> None:
    cat = catalogue()
    keys = [k for k, v in cat.entries[language].items() if k.startswith("sms.") and isinstance(v, str)]
    assert "sms.help" in keys and "sms.found" in keys
    for key in keys:
        assert segments(cat.text(language, key, LONG_FACILITY)) <= 2, key


def test_segments_are_counted_like_a_phone_counts_them() -> None:
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 306) == 2
    assert segments("ó" * 70) == 1
    assert segments("ó" * 71) == 2
    assert segments("[" * 80) == 1


def audits(app) -> list[LookupAudit]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(LookupAudit).order_by(LookupAudit.id)))


def test_a_texter_finds_the_demo_detainee(app, texter, custody_demo) -> None:
    (reply,) = texter(TEXTER).send("STATUS A201345678 MEXICO")
    assert "ending 678" in reply and "El Paso Demo Processing Center, El Paso, TX" in reply
    assert "915-555-0142" in reply and DEMO_A_NUMBER not in reply
    assert segments(reply) <= 2
    (audit,) = audits(app)
    assert (audit.channel, audit.a_number, audit.country, audit.result) == ("sms", DEMO_A_NUMBER, "MX", "disclosed")


def test_a_spanish_texter_is_answered_in_spanish(texter, custody_demo) -> None:
    (reply,) = texter(TEXTER).send("estado a 201-345-678 méxico")
    assert reply.startswith("Numero A que termina en 678: bajo custodia en El Paso")
    assert segments(reply) <= 2


def test_not_found_and_not_disclosed_texts_read_the_same(app, texter, custody_demo) -> None:
    # The demo detainee with the wrong country (found, not disclosed) against an unknown number ending the same.
    (wrong_country,) = texter(TEXTER).send("STATUS A201345678 GUATEMALA")
    (unknown,) = texter("+13125550199").send("STATUS A209999678 GUATEMALA")
    assert wrong_country == unknown
    assert "cannot confirm" in unknown
    assert [a.result for a in audits(app)] == ["country_mismatch", "not_found"]


def test_a_missing_or_unknown_country_or_bad_number_is_explained_and_audited(app, texter, custody_demo) -> None:
    sender = texter(TEXTER)
    assert "country of birth" in sender.send("STATUS A201345678")[0]
    assert "did not recognize" in sender.send("STATUS A201345678 NARNIA")[0]
    assert "8 or 9 digits" in sender.send("STATUS A2013 MEXICO")[0]
    assert [a.result for a in audits(app)] == ["incomplete", "incomplete", "incomplete"]


def test_a_duplicate_delivery_is_processed_once_and_gets_the_same_reply_again(app, texter, custody_demo) -> None:
    sender = texter(TEXTER)
    first = sender.send("STATUS A201345678 MEXICO", message_sid="SM" + "1" * 32)
    assert first and "El Paso" in first[0]
    assert sender.send("STATUS A201345678 MEXICO", message_sid="SM" + "1" * 32) == first
    help_reply = sender.send("HELP", message_sid="SM" + "2" * 32)
    assert help_reply
    assert sender.send("HELP", message_sid="SM" + "2" * 32) == help_reply
    assert len(audits(app)) == 1


def test_a_duplicate_of_a_text_that_got_no_reply_gets_none_again(app, texter) -> None:
    sender = texter(TEXTER)
    assert sender.send("STOP", message_sid="SM" + "3" * 32) == []
    assert sender.send("STOP", message_sid="SM" + "3" * 32) == []
    with app.extensions["hotline"].database.session() as session:
        assert len(session.scalars(select(SmsConsent)).all()) == 1


@pytest.mark.parametrize(("body", "start"), [("HELP", "To check custody status"), ("AYUDA", "Para saber la situacion")])
def test_help_gets_the_help_text_with_the_hotline_number(texter, body: str, start: str) -> None:
    (reply,) = texter(TEXTER).send(body)
    assert reply.startswith(start) and "1-855-488-6423" in reply
    assert segments(reply) <= 2


def test_stop_is_recorded_and_silences_the_hotline_until_start(app, texter, custody_demo) -> None:
    sender = texter(TEXTER)
    assert sender.send("STOP") == []
    with app.extensions["hotline"].database.session() as session:
        assert SmsConsent.is_opted_out(session, TEXTER)
    assert sender.send("HELP") == []
    assert sender.send("STATUS A201345678 MEXICO") == []
    assert sender.send("START") == []
    with app.extensions["hotline"].database.session() as session:
        assert not SmsConsent.is_opted_out(session, TEXTER)
        assert [c.keyword for c in session.scalars(select(SmsConsent).order_by(SmsConsent.id))] == ["stop", "start"]
    assert "El Paso" in sender.send("STATUS A201345678 MEXICO")[0]


def test_an_abusive_texter_is_stopped_flagged_and_audited(app, texter, custody_demo) -> None:
    sender = texter(TEXTER)
    for number in ("209999991", "209999992", "209999993"):
        assert "cannot confirm" in sender.send(f"STATUS A{number} MEXICO")[0]
    (reply,) = sender.send("STATUS A201345678 MEXICO")
    assert "cannot look up more A-numbers" in reply and "El Paso" not in reply
    last = audits(app)[-1]
    assert (last.result, last.flagged) == ("limited", True)
