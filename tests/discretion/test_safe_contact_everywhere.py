"""Safe-contact questions on every path that ends in a call back; silence keeps the careful defaults."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHRASES, choose, heard, requests
from tests.e2e.test_call_tree import to_callback_number
from tests.operators.test_live_queue import in_queue


@pytest.mark.parametrize("lang", ["en", "es"])
def test_leaving_the_live_queue_for_a_call_back_asks_the_safe_contact_questions(app, call, lang) -> None:
    caller = in_queue(call, lang, who="victim", need="local_services")
    caller.press_while_holding("1")
    assert heard(caller, lang, "safe_yes")
    for answer in ("safe_yes", "voicemail_no", "identify_no", "evening"):
        choose(caller, lang, answer)
    choose(caller, lang, "skip")
    assert heard(caller, lang, "saved")
    [request] = requests(app)
    assert (request.safe_to_call, request.voicemail_ok, request.may_identify, request.call_window) == (
        "yes", False, False, "evening"
    )  # fmt: skip
    assert request.caller_type == "victim"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_silence_at_is_it_safe_goes_on_to_the_next_questions(app, call, lang) -> None:
    caller = choose(to_callback_number(call, lang), lang, "this_number")
    caller.silence().silence()
    # Not skipped: the voicemail question comes next.
    assert heard(caller, lang, "voicemail_yes")
    choose(caller, lang, "voicemail_no")
    assert heard(caller, lang, "identify_yes")
    choose(caller, lang, "identify_no")
    assert PHRASES[lang]["any_time"] in caller.last_heard()
    choose(choose(caller, lang, "any_time"), lang, "skip")
    [request] = requests(app)
    assert request.safe_contact()["safe_to_call"] == "unconfirmed"
    assert (request.voicemail_ok, request.may_identify) == (False, False)


# --- notification registration: is it safe to call and to text, and when -------------------------


def registration_to_safety(call, how: str):
    from tests.notifications.test_voice_registration import to_notify

    caller = to_notify(call)
    caller.press(caller.option_for("register"))
    caller.press("209000093#")
    caller.press("1")  # the A-number read back is right
    caller.press("1")  # Mexico
    caller.press(how)
    return caller.press("1")  # this number


def test_registration_asks_whether_calls_and_texts_are_safe_and_when(app, call, feed) -> None:
    from models import Registration
    from tests.notifications.conftest import changed_days_ago

    feed([f"A209000093,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(1)}"])
    caller = registration_to_safety(call, "3")  # calls and texts
    assert "safe for us to call this phone" in caller.last_heard()
    caller.press(caller.option_for("If it is safe to call"))
    assert "safe for us to send a text message" in caller.last_heard()
    caller.press(caller.option_for("If it is safe to text"))
    assert "When may we call or text you" in caller.last_heard()
    caller.press(caller.option_for("For the evening"))
    for key in ("2", "4321", "4321"):  # no voicemail, the PIN twice
        caller.press(key)
    with app.extensions["hotline"].database.session() as session:
        (registration,) = session.query(Registration).all()
        assert (registration.channels, registration.contact_window, registration.status) == (
            "both",
            "evening",
            "active",
        )


def test_silence_at_is_it_safe_to_call_registers_nothing(app, call, feed) -> None:
    from models import Registration

    caller = registration_to_safety(call, "1")
    caller.silence().silence()
    assert "we will not use this phone" in caller.last_heard()
    with app.extensions["hotline"].database.session() as session:
        assert session.query(Registration).count() == 0


def test_a_registrations_window_holds_its_calls_and_texts(app, feed, fake_twilio) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from callflows.safe_contact import CALL_WINDOWS
    from models import Notification
    from tests.notifications.test_delivery import deliver, in_custody, register, released

    zone = ZoneInfo("America/New_York")  # a 202 number's zone
    hour = datetime.now(zone).hour
    # A window the current hour is outside of.
    window = next(w for w, span in CALL_WINDOWS.items() if span and not span[0].hour <= hour < span[1].hour)
    feed([in_custody("209000095")], protected=True)
    register(app, "209000095", "+12025550143", "en", "both", contact_window=window)
    feed([released("209000095")], protected=True)
    texts, calls = deliver(app)
    assert (texts.sent, calls.placed) == (0, 0)
    with app.extensions["hotline"].database.session() as session:
        (notification,) = session.query(Notification).all()
        due = notification.sms_due_at.astimezone(zone)
    start, end = CALL_WINDOWS[window]
    assert start <= due.time() < end and due - datetime.now(zone) < timedelta(days=1, minutes=1)
