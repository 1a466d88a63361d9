"""Registering by text: REGISTER/REGISTRAR, the code, YES/SI, wrong and expired codes, CANCEL, carrier words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from callflows.registration_sms import CANCEL, CONFIRM, REGISTER, parse_registration
from models import Registration, SmsConsent
from models.base import utcnow
from tests.notifications.conftest import changed_days_ago

TEXTER = "+12025550143"
OTHER = "+13125550188"


@pytest.mark.parametrize(
    ("body", "kind", "language", "a_number", "country", "code", "reference"),
    [
        ("REGISTER A201345678 MEXICO", REGISTER, "en", "201345678", "MX", None, None),
        ("registrar a 201-345-678 méxico", REGISTER, "es", "201345678", "MX", None, None),
        ("REGISTER A2013 MEXICO", REGISTER, "en", None, "MX", None, None),
        ("YES 123456", CONFIRM, "en", None, None, "123456", None),
        ("Sí 654321", CONFIRM, "es", None, None, "654321", None),
        ("CANCEL A201345678", CANCEL, "en", "201345678", None, None, None),
        ("cancelar 201345678", CANCEL, "es", "201345678", None, None, None),
        ("CANCEL K7Q2M", CANCEL, "en", None, None, None, "K7Q2M"),
    ],
)
def test_registration_texts_are_read(body, kind, language, a_number, country, code, reference) -> None:
    command = parse_registration(body)
    assert command is not None
    assert (command.kind, command.language, command.a_number, command.country, command.code, command.reference) == (
        kind,
        language,
        a_number,
        country,
        code,
        reference,
    )


@pytest.mark.parametrize(
    "body", ["YES", "yes", "CANCEL", "Cancel.", "STOP", "START", "YES PLEASE", "CANCEL IT NOW", ""]
)
def test_bare_carrier_words_are_never_registration_commands(body: str) -> None:
    assert parse_registration(body) is None


def code_in(reply: str) -> str:
    match = re.fullmatch(r"Reply YES (\d{6}) to get messages from this service\.", reply)
    assert match, reply
    return match[1]


def registrations(app) -> list[Registration]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(Registration).order_by(Registration.id)))


def test_the_first_text_says_only_reply_yes_and_the_same_whatever_the_record(app, texter, feed) -> None:
    feed(
        [
            f"A209000041,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(1)}",
            f"A209000042,Nina,Vega,Mexico,2015-01-01,in custody,DEMOELP,{changed_days_ago(1)}",
        ]
    )
    sender = texter(TEXTER)
    replies = [
        sender.send("REGISTER A209000041 MEXICO")[0],  # exists
        sender.send("REGISTER A209000042 MEXICO")[0],  # a minor: never disclosed
        sender.send("REGISTER A209999999 MEXICO")[0],  # unknown
    ]
    assert len({re.sub(r"\d{6}", "NNNNNN", r) for r in replies}) == 1
    for reply in replies:
        code_in(reply)
    assert [r.status for r in registrations(app)] == ["pending"] * 3


def test_yes_and_the_code_activates_and_the_code_rests_only_as_a_hash(app, texter) -> None:
    sender = texter(TEXTER)
    code = code_in(sender.send("REGISTER A201345678 MEXICO")[0])
    (stored,) = registrations(app)
    assert code not in (stored.code_hash or "") and stored.status == "pending"
    (reply,) = sender.send(f"YES {code}")
    (active,) = registrations(app)
    assert active.status == "active" and active.reference in reply and active.code_hash is None
    assert "ICE" not in reply and "victim" not in reply.lower()
    assert active.expires_at is not None and active.expires_at - active.activated_at == timedelta(days=365)


def test_a_spanish_registration_is_answered_in_spanish(app, texter) -> None:
    sender = texter(TEXTER)
    (first,) = sender.send("REGISTRAR A201345678 MEXICO")
    code = re.fullmatch(r"Responda SI (\d{6}) para recibir mensajes de este servicio\.", first)[1]
    (reply,) = sender.send(f"SI {code}")
    assert reply.startswith("Registro confirmado")
    assert registrations(app)[0].language == "es"


def test_wrong_codes_are_limited(app, texter) -> None:
    sender = texter(TEXTER)
    code = code_in(sender.send("REGISTER A201345678 MEXICO")[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert "does not match" in sender.send(f"YES {wrong}")[0]
    assert "Too many wrong codes" in sender.send(f"YES {wrong}")[0]
    assert "no code waiting" in sender.send(f"YES {code}")[0]
    assert registrations(app)[0].status == "failed"


def test_an_expired_code_does_not_activate(app, texter) -> None:
    sender = texter(TEXTER)
    code = code_in(sender.send("REGISTER A201345678 MEXICO")[0])
    with app.extensions["hotline"].database.session() as session:
        session.execute(update(Registration).values(code_expires_at=utcnow() - timedelta(minutes=1)))
    assert "expired" in sender.send(f"YES {code}")[0]
    assert registrations(app)[0].status == "pending"


def test_a_code_texted_from_another_phone_does_nothing(app, texter) -> None:
    code = code_in(texter(TEXTER).send("REGISTER A201345678 MEXICO")[0])
    assert "no code waiting" in texter(OTHER).send(f"YES {code}")[0]
    assert registrations(app)[0].status == "pending"


def test_cancel_ends_only_the_texters_own_registration(app, texter) -> None:
    mine, theirs = texter(TEXTER), texter(OTHER)
    mine.send(f"YES {code_in(mine.send('REGISTER A201345678 MEXICO')[0])}")
    theirs.send(f"YES {code_in(theirs.send('REGISTER A201345678 MEXICO')[0])}")
    reference = registrations(app)[1].reference
    cancelled = mine.send(f"CANCEL {reference}")[0]  # the other phone's reference: changes nothing
    assert [r.status for r in registrations(app)] == ["active", "active"]
    assert mine.send("CANCEL A201345678")[0] == cancelled
    assert [r.status for r in registrations(app)] == ["cancelled", "active"]
    assert theirs.send("CANCELAR " + reference)[0].startswith("Si este telefono")
    assert [r.status for r in registrations(app)] == ["cancelled", "cancelled"]


def test_bare_cancel_and_yes_keep_their_carrier_meaning(app, texter) -> None:
    sender = texter(TEXTER)
    assert sender.send("CANCEL") == []
    assert sender.send("YES") == []
    with app.extensions["hotline"].database.session() as session:
        actions = [c.action for c in session.scalars(select(SmsConsent).order_by(SmsConsent.id))]
    assert actions == ["opt_out", "opt_in"]


def test_a_stopped_number_gets_no_registration_reply(texter) -> None:
    sender = texter(TEXTER)
    sender.send("STOP")
    assert sender.send("REGISTER A201345678 MEXICO") == []


def test_a_phone_has_at_most_the_allowed_number_of_registrations(texter) -> None:
    sender = texter(TEXTER)
    for number in range(5):
        code_in(sender.send(f"REGISTER A20900010{number} MEXICO")[0])
    assert "as many registrations as we allow" in sender.send("REGISTER A209000109 MEXICO")[0]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_notification_text_fits_in_two_segments_and_names_no_one(language: str) -> None:
    from callflows.catalogue import catalogue
    from callflows.sms import segments

    cat = catalogue()
    params = {
        "reference": "K7Q2M",
        "date": cat.text(language, "notify.date", {"month_name": cat.text(language, "notify.month.9"), "day": 30}),
        "code": "123456",
    }
    keys = [k for k in cat.entries[language] if k.startswith("notify.sms.")]
    assert len(keys) >= 15
    for key in keys:
        text = cat.text(language, key, params)
        assert segments(text) <= 2, key
        assert "ICE" not in text and "victim" not in text.lower() and "victima" not in text.lower(), key
