"""Registrations expire with a text before; the notify commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from config import NotificationSettings
from models import Registration
from models.base import utcnow
from tests.notifications.test_delivery import ENGLISH, in_custody, register, released
from workers.notify import SendingRate, expire_registrations
from workers.twilio_rest import twilio_client


@pytest.fixture
def settings(settings, fake_twilio):
    from datetime import time as clock

    return settings.replace(
        twilio_api_base_url=fake_twilio.base_url,
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0)),
    )


def test_a_registration_is_warned_once_by_text_then_expires(app, fake_twilio) -> None:
    registration = register(app, "201345678", ENGLISH, "en", "sms")
    hotline = app.extensions["hotline"]
    settings = hotline.settings
    rate = SendingRate(hotline.redis, 10)
    client = twilio_client(settings)
    assert expire_registrations(hotline.database, settings, client, rate) == (0, 0)
    with hotline.database.session() as session:
        session.execute(update(Registration).values(expires_at=utcnow() + timedelta(days=10)))
    assert expire_registrations(hotline.database, settings, client, rate) == (0, 1)
    assert expire_registrations(hotline.database, settings, client, rate) == (0, 0)
    (warning,) = fake_twilio.messages()
    assert warning.value("Body").startswith(f"Registration {registration.reference} ends on ")
    later = utcnow() + timedelta(days=11)
    assert expire_registrations(hotline.database, settings, client, rate, now=later) == (1, 0)
    with hotline.database.session() as session:
        assert session.get(Registration, registration.id).status == "expired"


def test_notify_commands_create_send_and_count(app, runner, feed, fake_twilio) -> None:
    feed([in_custody("209000064")], protected=True)
    register(app, "209000064", ENGLISH, "en", "sms")
    feed([released("209000064")], protected=True)
    pending = runner.invoke(args=["notify", "pending"])
    assert "notifications: 1 created; 1 texts and 0 calls waiting" in pending.output, pending.output
    sent = runner.invoke(args=["notify", "send-due"])
    assert "texts 1 sent" in sent.output, sent.output
    stats = runner.invoke(args=["notify", "stats"])
    assert "registrations: active 1" in stats.output and "texts: sent 1" in stats.output


def test_the_import_command_creates_the_notifications(app, runner, feed, tmp_path) -> None:
    from tests.notifications.conftest import HEADER

    feed([in_custody("209000065")], protected=True)
    register(app, "209000065", ENGLISH, "en", "sms")
    path = tmp_path / "release.csv"
    path.write_text(HEADER + ",protected\n" + released("209000065") + "\n", encoding="utf-8")
    result = runner.invoke(args=["custody", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "notifications: 1 created" in result.output


def test_a_warning_whose_answer_was_lost_is_found_at_twilio_and_not_sent_again(app, fake_twilio) -> None:
    register(app, "201345679", ENGLISH, "en", "sms")
    hotline = app.extensions["hotline"]
    settings = hotline.settings
    rate = SendingRate(hotline.redis, 10)
    client = twilio_client(settings)
    with hotline.database.session() as session:
        session.execute(update(Registration).values(expires_at=utcnow() + timedelta(days=10)))

    fake_twilio.lose_answers = 1
    assert expire_registrations(hotline.database, settings, client, rate) == (0, 0)
    assert len(fake_twilio.messages()) == 1
    assert expire_registrations(hotline.database, settings, client, rate) == (0, 1)
    assert expire_registrations(hotline.database, settings, client, rate) == (0, 0)
    assert len(fake_twilio.messages()) == 1, "the warning went twice"
