"""PINs and codes have a budget per registration and per number, across calls and texts, that a new code never
resets; a spent budget refuses even the right one, never ends someone's registration, and is flagged."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from models import Operator, Registration
from models.base import utcnow
from models.registration import spent_registrations
from tests.notifications.test_delivery import (
    ENGLISH,
    deliver,
    in_custody,
    notifications,
    post,
    register,
    released,
    said,
)
from tests.notifications.test_delivery import settings as settings
from tests.notifications.test_voice_registration import register_by_phone, to_notify
from tests.operators.conftest import log_in

CALLER = "+12025550143"


def registrations(app) -> list[Registration]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(Registration).order_by(Registration.id)))


def flagged(app) -> list[int]:
    hotline = app.extensions["hotline"]
    with hotline.database.session() as session:
        return [r.id for r in spent_registrations(session, hotline.settings.notifications)]


def end_by_phone(call, pin: str):
    caller = to_notify(call)
    caller.press(caller.option_for("To end a registration"))
    caller.press("201345678#")
    caller.press(pin)
    return caller


def test_twenty_pin_guesses_never_end_the_registration(app, call) -> None:
    register_by_phone(to_notify(call), "201345678", "1", "1", pin="1357")
    for guess in range(1000, 1019):
        end_by_phone(call, str(guess))
    end_by_phone(call, "1357")  # the twentieth guess is the right PIN
    [registration] = registrations(app)
    assert registration.status == "active"
    assert flagged(app) == [registration.id]


def code_in(reply: str) -> str:
    return re.search(r"\b(\d{6})\b", reply)[1]


def test_a_new_register_does_not_reset_the_code_budget(app, texter) -> None:
    sender = texter(CALLER)
    code = code_in(sender.send("REGISTER A201345678 MEXICO")[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert "does not match" in sender.send(f"YES {wrong}")[0]
    code = code_in(sender.send("REGISTER A201345678 MEXICO")[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "Too many wrong codes" in sender.send(f"YES {wrong}")[0]
    assert "Too many wrong codes" in sender.send("REGISTER A201345678 MEXICO")[0]
    assert all(r.status != "active" for r in registrations(app))


def test_the_number_budget_spans_its_registrations(app, texter) -> None:
    sender = texter(CALLER)
    for a_number in ("A201345678", "A201345679"):
        code = code_in(sender.send(f"REGISTER {a_number} MEXICO")[0])
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(5):
            sender.send(f"YES {wrong}")
    assert "Too many wrong codes" in sender.send("REGISTER A201345670 MEXICO")[0]


def test_notification_calls_stop_once_the_pin_budget_is_spent(app, feed, transport, fake_twilio) -> None:
    feed([in_custody("209000058")], protected=True)
    registration = register(app, "209000058", ENGLISH, "en", "voice")
    feed([released("209000058")], protected=True)
    for attempt in range(3):
        _, calls = deliver(app, now=utcnow() + timedelta(minutes=31 * attempt) if attempt else None)
        assert calls.placed == 1, attempt
        (notification,) = notifications(app)
        sid = calls.sids[0]
        post(transport, f"/notify/voice/answer/{notification.id}", {"CallSid": sid, "AnsweredBy": "human"})
        for tries in (1, 2):
            post(transport, f"/notify/voice/pin/{notification.id}?try={tries}", {"CallSid": sid, "Digits": "9999"})
        post(transport, f"/notify/voice/status/{notification.id}", {"CallSid": sid, "CallStatus": "completed"})
        if notifications(app)[0].voice_state != "due":
            break
    # Five wrong PINs spend the budget: the right PIN is refused unheard and no more calls are placed.
    (notification,) = notifications(app)
    _, document = post(transport, f"/notify/voice/pin/{notification.id}?try=1", {"CallSid": sid, "Digits": "1234"})
    assert "released" not in " ".join(said(document))
    _, later = deliver(app, now=utcnow() + timedelta(hours=12))
    assert later.placed == 0
    assert registrations(app)[0].status == "active"
    assert flagged(app) == [registration.id]


def test_the_supervisor_page_shows_the_flag(app, call, client) -> None:
    register_by_phone(to_notify(call), "201345678", "1", "1", pin="1357")
    for guess in range(1000, 1005):
        end_by_phone(call, str(guess))
    [registration] = registrations(app)
    with app.extensions["hotline"].database.session() as session:
        supervisor = Operator(email="sup@voice.test", name="Sup", role="supervisor", phone="+12025550112")
        supervisor.set_password("correct horse battery")
        session.add(supervisor)
    log_in(client, "sup@voice.test")
    page = client.get("/ops/supervisor").get_data(as_text=True)
    assert "too many wrong PINs or codes" in page and registration.reference in page
