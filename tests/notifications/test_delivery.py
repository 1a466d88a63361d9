"""Delivery: a release texts and calls each registrant exactly once, in their language, within the rules."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from config import NotificationSettings
from models import LookupAudit, Notification, NotificationAttempt, Registration, SmsConsent
from models.base import utcnow
from models.registration import BY_OPERATOR, register_verified
from simulator import sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.notifications.conftest import changed_days_ago
from workers.notify import SendingRate, call_due, create_due, send_due_texts
from workers.twilio_rest import twilio_client

ENGLISH = "+12025550143"
SPANISH = "+13055550144"


@pytest.fixture
def settings(settings, fake_twilio):
    from datetime import time as clock

    return settings.replace(
        twilio_api_base_url=fake_twilio.base_url,
        notifications=NotificationSettings(quiet_start=clock(0, 0), quiet_end=clock(0, 0), rate_per_number=50.0),
    )


def in_custody(a_number: str, born: str = "1980-01-01", protected: str = "") -> str:
    return f"A{a_number},Ana,Vega,Mexico,{born},in custody,DEMOELP,{changed_days_ago(3)},{protected}"


def released(a_number: str, born: str = "1980-01-01", protected: str = "") -> str:
    return f"A{a_number},Ana,Vega,Mexico,{born},released,,{changed_days_ago(0)},{protected}"


def register(app, a_number: str, phone: str, language: str = "en", channels: str = "both", **options) -> Registration:
    hotline = app.extensions["hotline"]
    with hotline.database.session() as session:
        return register_verified(
            session,
            a_number=a_number,
            country="MX",
            phone=phone,
            language=language,
            channels=channels,
            pin="1234" if channels != "sms" else None,
            settings=hotline.settings.notifications,
            now=utcnow() - timedelta(minutes=5),
            source=BY_OPERATOR,
            **options,
        )


def deliver(app, now=None):
    hotline = app.extensions["hotline"]
    settings = hotline.settings
    client = twilio_client(settings)
    create_due(hotline.database, settings)
    rate = SendingRate(hotline.redis, settings.notifications.rate_per_number)
    texts = send_due_texts(hotline.database, settings, client, rate, now=now)
    calls = call_due(hotline.database, settings, client, now=now)
    return texts, calls


def post(transport, path: str, params: dict[str, str]) -> tuple[int, str]:
    url = PUBLIC_BASE_URL + path
    return transport.post(url, params, {"X-Twilio-Signature": sign(AUTH_TOKEN, url, params)})


def said(document: str) -> list[str]:
    return [element.text or "" for element in ElementTree.fromstring(document).iter("Say")]


def notifications(app) -> list[Notification]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def test_a_release_texts_each_registrant_once_in_their_language_and_a_second_import_sends_nothing(
    app, feed, fake_twilio
) -> None:
    feed([in_custody("209000051")], protected=True)
    english = register(app, "209000051", ENGLISH, "en", "sms")
    spanish = register(app, "209000051", SPANISH, "es", "sms")
    release = [released("209000051")]
    feed(release, protected=True)
    texts, _ = deliver(app)
    assert texts.sent == 2
    bodies = {m.value("To"): m.value("Body") for m in fake_twilio.messages()}
    assert bodies[ENGLISH].startswith(f"The person on registration {english.reference} was released on ")
    assert bodies[SPANISH].startswith(f"La persona del registro {spanish.reference} fue liberada el ")
    for body in bodies.values():
        assert "ICE" not in body and "victim" not in body.lower() and "Ana" not in body and "Vega" not in body
        assert len(body) <= 160
    assert {m.value("From") for m in fake_twilio.messages()} == {"+18554886423"}
    feed(release, protected=True)  # the same file again
    again, _ = deliver(app)
    assert again.sent == 0 and len(fake_twilio.messages()) == 2
    with app.extensions["hotline"].database.session() as session:
        audited = session.scalars(select(LookupAudit).where(LookupAudit.fields_disclosed == "notified")).all()
    assert len(audited) == 2


def test_an_event_imported_before_registering_is_not_sent(app, feed, fake_twilio) -> None:
    feed([released("209000052")])
    hotline = app.extensions["hotline"]
    with hotline.database.session() as session:
        register_verified(
            session,
            a_number="209000052",
            country="MX",
            phone=ENGLISH,
            language="en",
            channels="sms",
            pin=None,
            settings=hotline.settings.notifications,
            now=utcnow() + timedelta(seconds=1),
            source=BY_OPERATOR,
        )
    texts, _ = deliver(app)
    assert texts.sent == 0 and fake_twilio.messages() == []


@pytest.mark.parametrize(
    ("born", "protected"), [("2012-01-01", ""), ("", ""), ("1980-01-01", "U"), ("1980-01-01", "VAWA")]
)
def test_a_minors_or_a_protected_records_change_sends_nothing(app, feed, fake_twilio, born, protected) -> None:
    feed([in_custody("209000053", born, protected)], protected=True)
    register(app, "209000053", ENGLISH)
    feed([released("209000053", born, protected)], protected=True)
    texts, calls = deliver(app)
    assert (texts.sent, calls.placed) == (0, 0)
    assert fake_twilio.requests == [] and notifications(app) == []


def test_a_record_marked_protected_after_the_change_is_not_sent(app, feed, fake_twilio) -> None:
    feed([in_custody("209000054")], protected=True)
    register(app, "209000054", ENGLISH)
    feed([released("209000054")], protected=True)
    hotline = app.extensions["hotline"]
    create_due(hotline.database, hotline.settings)
    feed([released("209000054", protected="T")], protected=True)
    texts, calls = deliver(app)
    assert (texts.sent, calls.placed) == (0, 0) and fake_twilio.requests == []


def test_a_number_that_said_stop_is_not_texted(app, feed, texter, fake_twilio) -> None:
    feed([in_custody("209000055")], protected=True)
    register(app, "209000055", ENGLISH, channels="sms")
    texter(ENGLISH).send("STOP")
    feed([released("209000055")], protected=True)
    texts, _ = deliver(app)
    assert texts.sent == 0 and texts.skipped == 1 and fake_twilio.messages() == []


def test_an_opt_out_twilio_reports_is_recorded_and_not_retried(app, feed, fake_twilio) -> None:
    feed([in_custody("209000056")], protected=True)
    register(app, "209000056", ENGLISH, channels="sms")
    fake_twilio.opted_out.add(ENGLISH)
    feed([released("209000056")], protected=True)
    texts, _ = deliver(app)
    assert texts.skipped == 1
    with app.extensions["hotline"].database.session() as session:
        assert SmsConsent.is_opted_out(session, ENGLISH)
    assert notifications(app)[0].sms_state == "skipped"


class TestQuietHours:
    @pytest.fixture
    def settings(self, settings):
        # Quiet hours that cover the registrant's local time now (Washington, DC: New York time).
        from zoneinfo import ZoneInfo

        local = utcnow().astimezone(ZoneInfo("America/New_York"))
        start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
        end = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
        return settings.replace(notifications=NotificationSettings(quiet_start=start, quiet_end=end))

    def test_texts_and_calls_wait_for_the_end_of_quiet_hours(self, app, feed, fake_twilio) -> None:
        feed([in_custody("209000057")], protected=True)
        register(app, "209000057", ENGLISH)
        feed([released("209000057")], protected=True)
        texts, calls = deliver(app)
        assert (texts.sent, texts.deferred, calls.placed, calls.deferred) == (0, 1, 0, 1)
        (waiting,) = notifications(app)
        assert waiting.sms_state == "due" and waiting.sms_due_at > utcnow() + timedelta(minutes=100)
        assert waiting.voice_due_at == waiting.sms_due_at
        later = waiting.sms_due_at + timedelta(seconds=1)
        texts, calls = deliver(app, now=later)
        assert (texts.sent, calls.placed) == (1, 1)


def test_the_call_asks_for_the_pin_before_saying_anything_and_a_right_pin_ends_the_calls(
    app, feed, transport, fake_twilio
) -> None:
    feed([in_custody("209000058")], protected=True)
    registration = register(app, "209000058", SPANISH, "es", "voice")
    feed([released("209000058")], protected=True)
    _, calls = deliver(app)
    assert calls.placed == 1
    (placed,) = fake_twilio.calls()
    assert placed.value("To") == SPANISH and placed.value("MachineDetection") == "Enable"
    (notification,) = notifications(app)
    path = f"/notify/voice/answer/{notification.id}"
    sid = calls.sids[0]
    code, document = post(transport, path, {"CallSid": sid, "AnsweredBy": "human", "CallStatus": "in-progress"})
    assert code == 200
    assert said(document)[0].startswith("Hola. Marque su PIN")
    assert registration.reference not in document.replace(" ", "") and "liberada" not in document
    pin_path = f"/notify/voice/pin/{notification.id}?try=1"
    code, wrong = post(transport, pin_path, {"CallSid": sid, "Digits": "9999"})
    assert "no coincide" in said(wrong)[0] and "liberada" not in wrong
    code, right = post(transport, f"/notify/voice/pin/{notification.id}?try=2", {"CallSid": sid, "Digits": "1234"})
    assert "fue liberada el" in said(right)[0]
    assert " ".join(registration.reference) in said(right)[0]
    post(transport, f"/notify/voice/status/{notification.id}", {"CallSid": sid, "CallStatus": "completed"})
    assert notifications(app)[0].voice_state == "acknowledged"
    _, again = deliver(app, now=utcnow() + timedelta(hours=3))
    assert again.placed == 0 and len(fake_twilio.calls()) == 1


@pytest.mark.parametrize(("status", "answered_by"), [("no-answer", ""), ("busy", ""), ("completed", "machine_start")])
def test_a_missed_call_is_tried_again_after_the_interval_until_the_window_closes(
    app, feed, transport, fake_twilio, status, answered_by
) -> None:
    feed([in_custody("209000059")], protected=True)
    register(app, "209000059", ENGLISH, "en", "voice")
    feed([released("209000059")], protected=True)
    _, calls = deliver(app)
    (notification,) = notifications(app)
    post(
        transport,
        f"/notify/voice/status/{notification.id}",
        {"CallSid": calls.sids[0], "CallStatus": status, "AnsweredBy": answered_by},
    )
    (waiting,) = notifications(app)
    assert waiting.voice_state == "due"
    assert timedelta(minutes=29) < waiting.voice_due_at - utcnow() <= timedelta(minutes=30)
    _, early = deliver(app, now=utcnow() + timedelta(minutes=10))
    assert early.placed == 0
    _, retried = deliver(app, now=utcnow() + timedelta(minutes=31))
    assert retried.placed == 1 and len(fake_twilio.calls()) == 2
    with app.extensions["hotline"].database.session() as session:
        attempts = NotificationAttempt.for_notification(session, notification.id)
    assert [a.status for a in attempts] == [status, "queued"]
    _, closed = deliver(app, now=utcnow() + timedelta(hours=49))
    assert closed.placed == 0


def test_a_machine_gets_a_short_message_only_when_voicemail_was_allowed(app, feed, transport, fake_twilio) -> None:
    feed([in_custody("209000060"), in_custody("209000061")], protected=True)
    register(app, "209000060", ENGLISH, "en", "voice", voicemail_allowed=True)
    register(app, "209000061", SPANISH, "en", "voice")
    feed([released("209000060"), released("209000061")], protected=True)
    _, calls = deliver(app)
    first, second = notifications(app)
    _, allowed = post(
        transport, f"/notify/voice/answer/{first.id}", {"CallSid": calls.sids[0], "AnsweredBy": "machine_end_beep"}
    )
    _, withheld = post(
        transport, f"/notify/voice/answer/{second.id}", {"CallSid": calls.sids[1], "AnsweredBy": "machine_start"}
    )
    assert said(allowed) == ["Hello, this is a message for you. We will call again later. Goodbye."]
    assert said(withheld) == [] and "<Hangup" in withheld


def test_notification_webhooks_refuse_unsigned_requests(app, client) -> None:
    routes = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/notify/")]
    assert len(routes) == 3
    for rule in routes:
        path = rule.replace("<int:notification_id>", "1")
        assert client.post(path, data={"CallSid": "CA1"}, base_url=PUBLIC_BASE_URL).status_code == 403, rule


def test_the_rate_per_sending_number_delays_texts_and_drops_none(app, feed, fake_twilio) -> None:
    numbers = [f"2090001{n:02d}" for n in range(12)]
    feed([in_custody(n) for n in numbers], protected=True)
    for i, number in enumerate(numbers):
        register(app, number, f"+1202555{100 + i:04d}"[:12], channels="sms")
    feed([released(n) for n in numbers], protected=True)
    hotline = app.extensions["hotline"]
    settings = hotline.settings
    create_due(hotline.database, settings)
    started = time.monotonic()
    run = send_due_texts(hotline.database, settings, twilio_client(settings), SendingRate(hotline.redis, 5.0))
    elapsed = time.monotonic() - started
    assert run.sent == 12 and len(fake_twilio.messages()) == 12
    assert elapsed >= 1.2  # 5 at once (one second's burst), then 5 per second
    assert run.throttled_seconds > 0
    assert len({m.value("To") for m in fake_twilio.messages()}) == 12
    assert all(re.search(r"registration [A-Z0-9]{5} was released", m.value("Body")) for m in fake_twilio.messages())
    assert notifications(app)[0].sms_state == "sent"


def test_the_simulator_answers_a_notification_call_with_the_pin(app, runner, feed, fake_twilio) -> None:
    feed([in_custody("209000062")], protected=True)
    register(app, "209000062", ENGLISH, "en", "voice")
    feed([released("209000062")], protected=True)
    _, calls = deliver(app)
    result = runner.invoke(args=["call", "--outbound", calls.sids[0], "--pin", "1234"])
    assert result.exit_code == 0, result.output
    assert "Please enter your four-digit PIN" in result.output and "was released on" in result.output
    assert notifications(app)[0].voice_state == "acknowledged"
    _, again = deliver(app, now=utcnow() + timedelta(hours=2))
    assert again.placed == 0


@pytest.mark.parametrize(("language", "phone", "texted", "heard"), [
    ("en", ENGLISH, "was released on", "was released on"),
    ("es", SPANISH, "fue liberada el", "fue liberada el"),
])  # fmt: skip
def test_done_when_a_registrant_is_texted_and_called_acknowledges_and_is_not_called_again(
    app, feed, runner, fake_twilio, language, phone, texted, heard
) -> None:
    feed([in_custody("209000063")], protected=True)
    register(app, "209000063", phone, language, "both")
    release = [released("209000063")]
    feed(release, protected=True)
    texts, calls = deliver(app)
    assert (texts.sent, calls.placed) == (1, 1)
    assert texted in fake_twilio.messages()[0].value("Body")
    answered = runner.invoke(args=["call", "--outbound", calls.sids[0], "--pin", "1234"])
    assert heard in answered.output
    feed(release, protected=True)  # the same file again
    later, again = deliver(app, now=utcnow() + timedelta(hours=3))
    assert (later.sent, again.placed) == (0, 0)
    assert len(fake_twilio.messages()) == 1 and len(fake_twilio.calls()) == 1


class TestARegistrantWhoAllowsTextsAtNight:
    settings = TestQuietHours.settings

    def test_texts_go_in_quiet_hours_but_calls_wait(self, app, feed, fake_twilio) -> None:
        feed([in_custody("209000066")], protected=True)
        register(app, "209000066", ENGLISH, texts_any_hour=True)
        feed([released("209000066")], protected=True)
        texts, calls = deliver(app)
        assert (texts.sent, calls.placed, calls.deferred) == (1, 0, 1)


class TestWhenRegistrantsAreToldOnlyWhatTheLookUpSays:
    @pytest.fixture
    def settings(self, settings):
        from config import DisclosurePolicy

        return settings.replace(disclosure=DisclosurePolicy(tell_registrants=False, disclose_release_and_removal=False))

    def test_a_release_the_public_look_up_withholds_is_not_sent(self, app, feed, fake_twilio) -> None:
        feed([in_custody("209000067"), released("209000068")], protected=True)
        register(app, "209000067", ENGLISH, "en", "sms")
        register(app, "209000068", SPANISH, "en", "sms")
        back = f"A209000068,Ana,Vega,Mexico,1980-01-01,in custody,DEMOELP,{changed_days_ago(0)},"
        feed([released("209000067"), back], protected=True)
        texts, _ = deliver(app)
        # Withheld: 067's release and 068's first release; told: 068 back in custody (the look-up says where).
        assert (texts.sent, texts.skipped) == (1, 2)
        assert [m.value("To") for m in fake_twilio.messages()] == [SPANISH]
