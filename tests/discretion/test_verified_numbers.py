"""A number typed for notifications gets one code text and nothing else until the code comes back from it."""

from __future__ import annotations

import re
from datetime import time as clock

import pytest

from config import NotificationSettings
from models import OutboxMessage
from tests.notifications.conftest import changed_days_ago
from tests.notifications.test_delivery import deliver, in_custody, released
from tests.notifications.test_voice_registration import answer_safety_questions, registrations, to_notify

TYPED = "+13055550188"


@pytest.fixture
def settings(settings):
    return settings.replace(
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0), rate_per_number=50.0)
    )


def register_typed_number_by_call(call) -> None:
    caller = to_notify(call)
    caller.press(caller.option_for("register"))
    caller.press("209000091#")
    caller.press("1")  # the A-number read back is right
    caller.press("1")  # Mexico
    caller.press(caller.option_for("call"))
    caller.press(caller.option_for("different number"))
    caller.press(TYPED.removeprefix("+1") + "#")
    caller.press("1")  # that number is right
    answer_safety_questions(caller, "1")
    for key in ("2", "4321", "4321"):  # no voicemail, the PIN twice
        caller.press(key)


def send_codes(app) -> None:
    from workers.notify import send_code

    with app.extensions["hotline"].database.session() as session:
        jobs = [m.args[0] for m in session.query(OutboxMessage).filter_by(job="workers.notify.send_code")]
    with app.app_context():
        for registration_id in jobs:
            send_code(registration_id)


def test_a_typed_number_for_calls_gets_one_code_text_and_no_call_until_it_answers(
    app, call, feed, fake_twilio, texter
) -> None:
    feed([in_custody("209000091")], protected=True)
    register_typed_number_by_call(call)
    (registration,) = registrations(app)
    assert (registration.phone, registration.channels, registration.status) == (TYPED, "voice", "pending")
    send_codes(app)
    feed([released("209000091")], protected=True)
    deliver(app)
    # One text, the code, and nothing else: no call, no notification.
    (code_text,) = fake_twilio.messages()
    assert code_text.value("To") == TYPED and fake_twilio.calls() == []
    code = re.search(r"\b(\d{6})\b", code_text.value("Body"))[1]
    texter(TYPED).send(f"YES {code}")
    assert registrations(app)[0].status == "active"
    back = f"A209000091,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(0)},"
    feed([back], protected=True)
    deliver(app)
    (placed,) = fake_twilio.calls()
    assert placed.value("To") == TYPED
