"""Registering by phone from main menu 5, in English and Spanish; ending it with the PIN."""

from __future__ import annotations

from sqlalchemy import select

from models import LookupAudit, Registration
from tests.notifications.conftest import changed_days_ago

CALLER = "+12025550143"


def registrations(app) -> list[Registration]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(Registration).order_by(Registration.id)))


def register_by_phone(
    caller, a_number: str, country_key: str, how: str, pin: str = "4321", second_pin: str | None = None
):
    caller.press(caller.option_for("register" if caller.lang != "es" else "registrarse"))
    caller.press(a_number + "#")
    caller.press("1")  # the A-number read back is right
    caller.press(country_key)
    caller.press(how)
    caller.press("1")  # this number
    answer_safety_questions(caller, how)
    caller.press("2")  # no voicemail
    caller.press(pin)
    return caller.press(second_pin or pin)


def answer_safety_questions(caller, how: str, when: str = "4") -> None:
    """Safe to call and/or text this phone (as many questions as channels chosen), then when (any time)."""
    for _ in range(2 if how == "3" else 1):
        caller.press("1")
    caller.press(when)


def to_notify(call, language: str = "1"):
    caller = call(CALLER)
    caller.press(language)
    caller.lang = "es" if language == "2" else "en"
    key = caller.option_for("To be told" if language == "1" else "Para que le avisemos")
    assert key == "5"
    caller.press(key)
    return caller


def test_a_caller_registers_for_calls_and_texts_with_a_pin_entered_twice(app, call, feed) -> None:
    feed([f"A209000081,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(1)}"])
    caller = to_notify(call)
    register_by_phone(caller, "209000081", "1", "3")
    assert "If there is a change we are allowed to tell you about, we will let you know" in caller.last_heard()
    (registration,) = registrations(app)
    assert (registration.a_number, registration.country, registration.phone) == ("209000081", "MX", CALLER)
    assert (registration.channels, registration.status, registration.source) == ("both", "active", "voice")
    assert registration.check_pin("4321") and "4321" not in (registration.pin_hash or "")
    assert not registration.voicemail_allowed
    with app.extensions["hotline"].database.session() as session:
        (audit,) = session.scalars(select(LookupAudit)).all()
    assert audit.a_number == "209000081" and audit.result == "disclosed"
    # The PIN never rode in a URL Twilio would log.
    assert all("4321" not in document for document in caller.documents[-3:])


def test_an_unknown_or_undisclosed_person_sounds_the_same_as_a_known_one(app, call, feed) -> None:
    feed([f"A209000082,Nina,Vega,Mexico,2014-01-01,in custody,DEMOELP,{changed_days_ago(1)}"])
    heard = []
    for number in ("209000082", "209999999"):
        caller = to_notify(call)
        register_by_phone(caller, number, "1", "1")
        heard.append(caller.last_heard())
    assert heard[0] == heard[1]
    assert [r.status for r in registrations(app)] == ["active", "active"]


def test_a_spanish_caller_registers_in_spanish(app, call) -> None:
    caller = to_notify(call, "2")
    register_by_phone(caller, "201345678", "1", "2")
    assert "Si hay un cambio que podamos comunicarle" in caller.last_heard()
    assert registrations(app)[0].language == "es" and registrations(app)[0].channels == "sms"


def test_two_different_pins_are_asked_again(app, call) -> None:
    caller = to_notify(call)
    register_by_phone(caller, "201345678", "1", "1", pin="1111", second_pin="2222")
    assert "not the same" in caller.last_heard()
    assert registrations(app) == []
    caller.press("1111")
    caller.press("1111")
    assert registrations(app)[0].check_pin("1111")


def test_a_registration_ends_by_phone_only_with_its_pin(app, call) -> None:
    register_by_phone(to_notify(call), "201345678", "1", "1", pin="1357")
    wrong = to_notify(call)
    wrong.press(wrong.option_for("To end a registration"))
    wrong.press("201345678#")
    wrong.press("9999")
    assert registrations(app)[0].status == "active"
    right = to_notify(call)
    right.press(right.option_for("To end a registration"))
    right.press("201345678#")
    right.press("1357")
    assert wrong.last_heard() == right.last_heard()
    assert registrations(app)[0].status == "cancelled"
