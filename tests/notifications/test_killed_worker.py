"""No text is sent twice: a worker killed between Twilio's answer and the mark leaves work the next run reconciles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from config import NotificationSettings
from models import Notification, NotificationAttempt
from models.base import utcnow
from tests.conftest import AUTH_TOKEN
from tests.notifications.test_delivery import ENGLISH, deliver, in_custody, register, released
from workers.twilio_rest import twilio_client

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(settings, fake_twilio):
    from datetime import time as clock

    return settings.replace(
        twilio_api_base_url=fake_twilio.base_url,
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0)),
    )


def notification(app) -> Notification:
    with app.extensions["hotline"].database.session() as session:
        return session.scalars(select(Notification)).one()


def send_due_in_a_worker_killed_after_twilio_answered(settings, fake_twilio) -> None:
    """``flask notify send-due`` in a process of its own, killed once Twilio has recorded a text or call
    and before the worker can read the answer and mark it."""
    env = {
        **os.environ,
        "VOICE_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "TWILIO_API_BASE_URL": settings.twilio_api_base_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "NOTIFY_QUIET_HOURS": "00:00-00:00",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "notify", "send-due"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    fake_twilio.on_created = lambda _body: os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=60)
    fake_twilio.on_created = None
    assert worker.returncode == -signal.SIGKILL


def test_a_worker_killed_after_twilio_took_the_text_is_reconciled_not_resent(app, settings, feed, fake_twilio) -> None:
    feed([in_custody("209000071")], protected=True)
    register(app, "209000071", ENGLISH, channels="sms")
    feed([released("209000071")], protected=True)
    send_due_in_a_worker_killed_after_twilio_answered(settings, fake_twilio)
    assert len(fake_twilio.messages()) == 1
    assert notification(app).sms_state == "sending"
    texts, _ = deliver(app, now=utcnow() + timedelta(minutes=2))
    assert (texts.reconciled, texts.sent) == (1, 0)
    assert len(fake_twilio.messages()) == 1
    reconciled = notification(app)
    assert reconciled.sms_state == "sent" and reconciled.sms_sid == fake_twilio.created[0]["sid"]


def test_a_worker_killed_after_twilio_placed_the_call_is_reconciled_not_rung_again(
    app, settings, feed, fake_twilio
) -> None:
    feed([in_custody("209000074")], protected=True)
    register(app, "209000074", ENGLISH, channels="voice")
    feed([released("209000074")], protected=True)
    send_due_in_a_worker_killed_after_twilio_answered(settings, fake_twilio)
    assert len(fake_twilio.calls()) == 1 and notification(app).voice_state == "calling"
    _, calls = deliver(app, now=utcnow() + timedelta(minutes=16))
    assert (calls.reconciled, calls.placed) == (1, 0)
    assert len(fake_twilio.calls()) == 1, "the registrant's phone rang twice"
    with app.extensions["hotline"].database.session() as session:
        (attempt,) = session.scalars(select(NotificationAttempt)).all()
    assert attempt.sid == fake_twilio.created[0]["sid"]
    waiting = notification(app)
    assert waiting.voice_state == "due" and waiting.voice_attempts == 1
    assert waiting.voice_due_at > utcnow() + timedelta(minutes=16), "the next try waits for the retry interval"


def test_a_claim_twilio_never_received_is_sent_once_on_the_next_run(app, feed, fake_twilio) -> None:
    feed([in_custody("209000072")], protected=True)
    register(app, "209000072", ENGLISH, channels="sms")
    feed([released("209000072")], protected=True)
    hotline = app.extensions["hotline"]
    from workers.notify import create_due

    create_due(hotline.database, hotline.settings)
    with hotline.database.session() as session:
        session.execute(update(Notification).values(sms_state="sending", sms_claimed_at=utcnow()))
    texts, _ = deliver(app)
    assert texts.sent == 0 and fake_twilio.messages() == []  # too recent: another worker may be sending it
    texts, _ = deliver(app, now=utcnow() + timedelta(minutes=2))
    assert (texts.reconciled, texts.sent) == (1, 1) and len(fake_twilio.messages()) == 1
    texts, _ = deliver(app, now=utcnow() + timedelta(minutes=5))
    assert texts.sent == 0 and len(fake_twilio.messages()) == 1


def test_a_slow_worker_whose_claim_was_taken_back_does_not_send_it_too(app, feed, fake_twilio) -> None:
    from models import OutboundMessage
    from workers.deliveries import TAKEN_BACK, Delivery, Outgoing, _send
    from workers.notify import TEXT, SendingRate, _reconcile, create_due

    feed([in_custody("209000073")], protected=True)
    register(app, "209000073", ENGLISH, channels="sms")
    feed([released("209000073")], protected=True)
    hotline = app.extensions["hotline"]
    create_due(hotline.database, hotline.settings)
    claimed_at = utcnow() - timedelta(minutes=5)
    text = Outgoing(f"notification-text:{notification(app).id}", ENGLISH, "+18554886423", "body")
    with hotline.database.session() as session:
        session.execute(update(Notification).values(sms_state="sending", sms_claimed_at=claimed_at))
        intent = OutboundMessage(
            key=text.key, to_phone=text.to, from_phone=text.sender, body_hash="0" * 64, intent_at=claimed_at,
            claimed_at=claimed_at,
        )  # fmt: skip
        session.add(intent)
        session.flush()
        intent_id = intent.id
    client = twilio_client(hotline.settings)
    assert _reconcile(hotline.database, client, hotline.settings, TEXT, utcnow()) == 1
    assert notification(app).sms_state == "due"
    slow = Delivery(text, claim=(intent_id, claimed_at))
    _send(hotline.database, client, SendingRate(hotline.redis, 10), slow)
    assert (slow.sid, slow.code) == (None, TAKEN_BACK) and fake_twilio.messages() == []
