"""Retention of the later tables: conversations, confirmations, the live queue, registrations
with their notifications, referrals and full-number reads go after their period; their counts stay."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

import runtime
from models import CallbackRequest, CallSession, RetentionTally
from models.base import utcnow
from models.confirmation import CallbackConfirmation
from models.conversation import Conversation, ConversationMessage
from models.custody import CustodyEvent
from models.directory import Referral
from models.live_queue import QueuedCall
from models.notification import Notification, NotificationAttempt
from models.number_reads import NumberRead
from models.registration import Registration
from models.report import KeptCount, Period, collect, query_all
from workers.retention import apply_retention, quarter

DAY = timedelta(days=1)


def configure(app, fake_twilio) -> None:
    hotline = app.extensions["hotline"]
    runtime.configure(hotline.settings.replace(twilio_api_base_url=fake_twilio.base_url), hotline.database)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def add_request(session, phone: str, status: str, closed_days_ago: float | None) -> int:
    now = utcnow()
    request = CallbackRequest(
        phone=phone,
        language="en",
        status=status,
        created_at=now - 200 * DAY,
        updated_at=now,
        closed_at=now - closed_days_ago * DAY if closed_days_ago is not None else None,
    )
    session.add(request)
    session.flush()
    return request.id


def add_conversation(session, phone: str, status: str, closed_days_ago: float | None, created) -> int:
    now = utcnow()
    conversation = Conversation(
        phone=phone,
        status=status,
        created_at=created,
        last_message_at=created,
        closed_at=now - closed_days_ago * DAY if closed_days_ago is not None else None,
        closed_by="operator" if closed_days_ago is not None else None,
    )
    session.add(conversation)
    session.flush()
    session.add(ConversationMessage(conversation_id=conversation.id, direction="in", body="Can we talk?", at=created))
    session.add(ConversationMessage(conversation_id=conversation.id, direction="out", body="Yes.", at=created))
    return conversation.id


def add_registration(session, phone: str, status: str, ended_days_ago: float | None, created) -> int:
    now = utcnow()
    registration = Registration(
        reference=secrets.token_hex(3).upper()[:5],
        a_number="201345678",
        country="MX",
        phone=phone,
        status=status,
        source="sms",
        created_at=created,
        ended_at=now - ended_days_ago * DAY if ended_days_ago is not None else None,
    )
    session.add(registration)
    session.flush()
    event = CustodyEvent(a_number="201345678", new_status="released", at=created, batch="test")
    session.add(event)
    session.flush()
    notification = Notification(
        registration_id=registration.id,
        event_id=event.id,
        kind="released",
        event_at=created,
        created_at=created,
        sms_state="sent",
        acknowledged_at=created,
    )
    session.add(notification)
    session.flush()
    session.add(NotificationAttempt(notification_id=notification.id, channel="sms", status="delivered"))
    return registration.id


def test_report_lists_every_merged_kind_and_changes_nothing(app, runner) -> None:
    database = app.extensions["hotline"].database
    long_ago = utcnow() - 400 * DAY
    with database.session() as session:
        add_conversation(session, "+12025550161", "closed", 100, long_ago)
        add_registration(session, "+12025550162", "cancelled", 40, long_ago)
        session.add(NumberRead(operator_id=1, request_id=1, channel="api", at=long_ago))
    result = runner.invoke(args=["retention", "report"])
    assert result.exit_code == 0, result.output
    lines = {line.split(None, 1)[1]: int(line.split()[0]) for line in result.output.splitlines()}
    assert lines["text conversations and their messages, once closed (kept 90 days)"] == 1
    assert lines["ended registrations, their notifications and attempts (kept 30 days)"] == 1
    assert lines["audit of full-number reads (kept 365 days)"] == 1
    assert lines["callback confirmations of closed requests (kept 90 days)"] == 0
    assert lines["referrals given on closed requests (kept 90 days)"] == 0
    assert lines["live-queue rows of finished calls (kept 90 days)"] == 0
    with database.session() as session:
        assert count(session, Conversation) == 1
        assert count(session, Registration) == 1
        assert count(session, NumberRead) == 1


def test_closed_conversations_go_with_their_messages_open_and_recent_ones_stay(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    long_ago = utcnow() - 200 * DAY
    with database.session() as session:
        old = add_conversation(session, "+12025550171", "closed", 91, long_ago)
        recent = add_conversation(session, "+12025550172", "closed", 30, long_ago)
        still_open = add_conversation(session, "+12025550173", "open", None, long_ago)

    apply_retention()
    with database.session() as session:
        assert session.get(Conversation, old) is None
        assert {c.id for c in session.scalars(select(Conversation))} == {recent, still_open}
        assert count(session, ConversationMessage) == 4
        tallies = RetentionTally.for_period(session, quarter(long_ago))
        assert tallies["conversations"] == 1
        assert tallies["conversations.closed_by.operator"] == 1
        assert tallies["conversation_messages"] == 2
        assert tallies["conversation_messages.in"] == 1


def test_ended_registrations_go_with_notifications_and_attempts_active_and_pending_never(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    long_ago = utcnow() - 400 * DAY
    with database.session() as session:
        cancelled = add_registration(session, "+12025550181", "cancelled", 31, long_ago)
        expired = add_registration(session, "+12025550182", "expired", 60, long_ago)
        recently_ended = add_registration(session, "+12025550183", "cancelled", 5, long_ago)
        active = add_registration(session, "+12025550184", "active", None, long_ago)
        pending = add_registration(session, "+12025550185", "pending", None, long_ago)
        # Registered again after an earlier end: active now, whatever its old end says.
        renewed = add_registration(session, "+12025550186", "active", 60, long_ago)

    handled = apply_retention()
    assert handled["ended registrations, their notifications and attempts"] == 2
    with database.session() as session:
        assert session.get(Registration, cancelled) is None and session.get(Registration, expired) is None
        assert {r.id for r in session.scalars(select(Registration))} == {recently_ended, active, pending, renewed}
        assert count(session, Notification) == 4
        assert count(session, NotificationAttempt) == 4
        tallies = RetentionTally.for_period(session, quarter(long_ago))
        assert tallies["registrations"] == 2
        assert tallies["registrations.cancelled"] == 1
        assert tallies["registrations.expired"] == 1
        assert tallies["notifications"] == 2
        assert tallies["notifications.sms.sent"] == 2
        assert tallies["notifications.acknowledged"] == 2

    assert apply_retention()["ended registrations, their notifications and attempts"] == 0
    with database.session() as session:
        assert RetentionTally.for_period(session, quarter(long_ago))["registrations"] == 2


def test_referrals_and_confirmations_of_closed_requests_go_the_open_requests_keep_theirs(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    long_ago = utcnow() - 200 * DAY
    with database.session() as session:
        closed = add_request(session, "+12025550191", "closed", 95)
        waiting = add_request(session, "+12025550192", "open", None)
        for request_id, reference in ((closed, "ACDE"), (waiting, "FGHJ")):
            session.add(
                CallbackConfirmation(
                    request_id=request_id, reference=reference, phone="+12025550191", status="sent", created_at=long_ago
                )
            )
            session.add(
                Referral(
                    request_id=request_id, service_id="s1", service_name="Legal clinic", category="legal", at=long_ago
                )
            )

    apply_retention()
    with database.session() as session:
        assert [c.request_id for c in session.scalars(select(CallbackConfirmation))] == [waiting]
        assert [r.request_id for r in session.scalars(select(Referral))] == [waiting]
        # The closed request itself stays for the report, without its number.
        assert session.get(CallbackRequest, closed).phone == ""
        tallies = RetentionTally.for_period(session, quarter(long_ago))
        assert (tallies["referrals"], tallies["referrals.legal"]) == (1, 1)
        assert (tallies["confirmations"], tallies["confirmations.sent"]) == (1, 1)


def test_finished_live_queue_rows_and_old_number_reads_go_a_caller_still_holding_stays(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    now = utcnow()
    long_ago = now - 400 * DAY
    with database.session() as session:
        session.add(QueuedCall(call_sid="CA" + "5" * 32, queue="urgent", status="connected", enqueued_at=long_ago))
        session.add(QueuedCall(call_sid="CA" + "6" * 32, queue="normal", status="waiting", enqueued_at=long_ago))
        session.add(QueuedCall(call_sid="CA" + "7" * 32, queue="normal", status="left", enqueued_at=now))
        session.add(NumberRead(operator_id=1, request_id=1, channel="dashboard", at=long_ago))
        session.add(NumberRead(operator_id=1, request_id=1, channel="api", at=now))

    apply_retention()
    with database.session() as session:
        assert sorted(q.call_sid for q in session.scalars(select(QueuedCall))) == ["CA" + "6" * 32, "CA" + "7" * 32]
        assert [r.channel for r in session.scalars(select(NumberRead))] == ["api"]
        tallies = RetentionTally.for_period(session, quarter(long_ago))
        assert (tallies["live_queue"], tallies["live_queue.urgent"], tallies["live_queue.connected"]) == (1, 1, 1)
        assert (tallies["number_reads"], tallies["number_reads.dashboard"]) == (1, 1)


def test_the_quarterly_report_still_counts_calls_after_their_detail_is_deleted(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    hotline = app.extensions["hotline"]
    tz = hotline.settings.tz
    q3 = Period.parse("2026Q3")
    with hotline.database.session() as session:
        # The first hour of a 92-day quarter: 90 days later the quarter has not ended yet.
        session.add(
            CallSession(
                call_sid="CA" + "8" * 32,
                caller_hash="h8",
                caller_last4="0158",
                started_at=datetime(2026, 7, 1, 1, tzinfo=tz),
            )
        )

    apply_retention(now=datetime(2026, 9, 30, 12, tzinfo=tz))
    with hotline.database.session() as session:
        assert count(session, CallSession) == 1  # waits for the quarter's numbers to be kept whole
        assert KeptCount.load(session, q3) == {}

    apply_retention(now=datetime(2026, 10, 1, 12, tzinfo=tz))
    with hotline.database.session() as session:
        assert count(session, CallSession) == 0
        assert sum(query_all(session, q3, tz)["calls_by_week"].values) == 0
        assert sum(collect(session, q3, tz)["calls_by_week"].values) == 1
