"""Retention: personal data goes after a set time; the counts a report needs stay.

The report's counts are kept first (docs/decisions/retention-aggregate-first.md).
Each rule says what it would remove (``flask retention report``) and removes it
(the daily job, ``apply_retention``). Before rows are deleted, the counts the
quarterly report compares are added to ``retention_tallies`` in the same
transaction, so a run that dies half-way is simply run again. Rows that stay
(closed callback requests, whose status, urgency, caller type and need the
report still reads) lose only their personal fields.

Recordings are deleted at Twilio (REST ``DELETE .../Recordings/RE...``) before
their URL is cleared here; a recording Twilio no longer has counts as deleted.
The later features' personal data has rules of its own: text conversations and
their messages, callback confirmations, live-queue rows, ended registrations
with their notifications and attempts (never an active or pending one),
referrals given on closed requests and the audit of full-number reads.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

import runtime
from config import Settings
from models.audit import LookupAudit
from models.base import utcnow
from models.call import CallEvent, CallSession
from models.callback import CallbackRequest
from models.claims import CLAIMED, OPEN, CallbackAttempt
from models.confirmation import CallbackConfirmation
from models.conversation import CLOSED as CONVERSATION_CLOSED
from models.conversation import Conversation, ConversationMessage
from models.deliveries import OutboundMessage
from models.directory import Referral
from models.live_queue import OFFERED, WAITING, QueuedCall
from models.notification import Notification, NotificationAttempt
from models.number_reads import NumberRead
from models.registration import LIVE, Registration
from models.report import KeptCount, Period
from models.retention import RetentionTally
from models.texting import ProcessedMessage, ServiceListText
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.retention")

BATCH = 500
_RECORDING_SID = re.compile(r"/Recordings/(RE[0-9a-fA-F]{32})")


def quarter(moment: datetime) -> str:
    """The report period a moment belongs to: "2026-Q4"."""
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def recording_sid(url: str | None) -> str | None:
    """The RE... SID in a Twilio recording URL."""
    match = _RECORDING_SID.search(url or "")
    return match[1] if match else None


@dataclass(frozen=True)
class Rule:
    """One kind of personal data, how long it stays, and how it goes."""

    name: str
    days: Callable[[Settings], int]
    count: Callable[[Session, datetime], int]
    apply: Callable[[Session, datetime, Client | None], int]
    # The quarterly report reads these rows: they go only in whole quarters whose numbers are kept.
    reported: bool = False


# --- closed callback requests: recordings, transcriptions, numbers, notes ---------------


def _closed_before(cutoff: datetime):
    return (
        CallbackRequest.status.not_in((OPEN, CLAIMED)),
        CallbackRequest.closed_at.is_not(None),
        CallbackRequest.closed_at < cutoff,
        CallbackRequest.phone != "",
    )


def _count_requests(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(CallbackRequest).where(*_closed_before(cutoff))) or 0


def _count_recordings(session: Session, cutoff: datetime) -> int:
    query = select(func.count()).select_from(CallbackRequest)
    query = query.where(CallbackRequest.message_url.is_not(None), *_closed_before(cutoff))
    return session.scalar(query) or 0


def _redact_requests(session: Session, cutoff: datetime, client: Client | None) -> int:
    rows = session.execute(
        select(CallbackRequest.id, CallbackRequest.message_url).where(*_closed_before(cutoff)).limit(BATCH)
    ).all()
    done = []
    for request_id, url in rows:
        sid = recording_sid(url)
        if sid is not None and client is not None:
            try:
                client.recordings(sid).delete()
            except TwilioRestException as error:
                if error.status != 404:
                    # Keep the URL: the next run tries again; nothing else of this request goes yet.
                    log.warning("recording not deleted at Twilio", extra={"request_id": request_id, "code": error.code})
                    continue
        done.append(request_id)
    if done:
        session.execute(
            update(CallbackRequest)
            .where(CallbackRequest.id.in_(done))
            .values(phone="", message_url=None, transcription=None, call_sid=None)
        )
        session.execute(
            update(CallbackAttempt).where(CallbackAttempt.request_id.in_(done)).values(notes=None, call_sid=None)
        )
    return len(done)


# --- calls: caller IDs and what callers typed ------------------------------------------


def _count_calls(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(CallSession).where(CallSession.started_at < cutoff)) or 0


def _delete_calls(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(CallSession.call_sid, CallSession.started_at).where(CallSession.started_at < cutoff).limit(BATCH)
    ).all()
    if not rows:
        # Events of calls whose session row never arrived.
        return session.execute(delete(CallEvent).where(CallEvent.at < cutoff)).rowcount or 0
    for period, count in Counter(quarter(started) for _sid, started in rows).items():
        RetentionTally.add(session, period, "calls", count)
    sids = [sid for sid, _started in rows]
    session.execute(delete(CallEvent).where(CallEvent.call_sid.in_(sids)))
    session.execute(delete(CallSession).where(CallSession.call_sid.in_(sids)))
    return len(rows)


# --- the look-up audit ------------------------------------------------------------------


def _count_audits(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(LookupAudit).where(LookupAudit.at < cutoff)) or 0


def _delete_audits(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(LookupAudit.id, LookupAudit.at, LookupAudit.result).where(LookupAudit.at < cutoff).limit(BATCH)
    ).all()
    tallies: Counter[tuple[str, str]] = Counter()
    for _id, at, result in rows:
        tallies[(quarter(at), "lookups")] += 1
        tallies[(quarter(at), f"lookups.{result}")] += 1
    for (period, metric), count in tallies.items():
        RetentionTally.add(session, period, metric, count)
    if rows:
        session.execute(delete(LookupAudit).where(LookupAudit.id.in_([row[0] for row in rows])))
    return len(rows)


# --- texts: stored replies, outbound intents ----------------------------------------------


def _count_texts(session: Session, cutoff: datetime) -> int:
    replies = select(func.count()).select_from(ProcessedMessage).where(ProcessedMessage.received_at < cutoff)
    intents = select(func.count()).select_from(OutboundMessage).where(OutboundMessage.intent_at < cutoff)
    lists = select(func.count()).select_from(ServiceListText).where(ServiceListText.created_at < cutoff)
    return (session.scalar(replies) or 0) + (session.scalar(intents) or 0) + (session.scalar(lists) or 0)


def _delete_texts(session: Session, cutoff: datetime, _client: Client | None) -> int:
    replies = session.execute(delete(ProcessedMessage).where(ProcessedMessage.received_at < cutoff)).rowcount or 0
    intents = session.execute(delete(OutboundMessage).where(OutboundMessage.intent_at < cutoff)).rowcount or 0
    lists = session.execute(delete(ServiceListText).where(ServiceListText.created_at < cutoff)).rowcount or 0
    return replies + intents + lists


# --- texting, the live queue, notifications, referrals, number reads ------------------------
# Each rule tallies what the quarterly report compares (RetentionTally, by the quarter the
# row was made in) and deletes the rows in the same transaction, a batch at a time.


def _tally(session: Session, rows: list, metrics: Callable[..., list[str]]) -> None:
    tallies: Counter[tuple[str, str]] = Counter()
    for row in rows:
        at, *rest = row
        for metric in metrics(*rest):
            tallies[(quarter(at), metric)] += 1
    for (period, metric), count in tallies.items():
        RetentionTally.add(session, period, metric, count)


def _closed_conversations(cutoff: datetime):
    return (
        Conversation.status == CONVERSATION_CLOSED,
        Conversation.closed_at.is_not(None),
        Conversation.closed_at < cutoff,
    )


def _count_conversations(session: Session, cutoff: datetime) -> int:
    query = select(func.count()).select_from(Conversation).where(*_closed_conversations(cutoff))
    return session.scalar(query) or 0


def _delete_conversations(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(Conversation.id, Conversation.created_at, Conversation.closed_by)
        .where(*_closed_conversations(cutoff))
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    messages = session.execute(
        select(ConversationMessage.conversation_id, ConversationMessage.direction).where(
            ConversationMessage.conversation_id.in_(ids)
        )
    ).all()
    started = {conversation_id: at for conversation_id, at, _by in rows}
    _tally(session, [(at, by) for _id, at, by in rows], lambda by: ["conversations", f"conversations.closed_by.{by}"])
    _tally(
        session,
        [(started[conversation_id], direction) for conversation_id, direction in messages],
        lambda direction: ["conversation_messages", f"conversation_messages.{direction}"],
    )
    session.execute(delete(ConversationMessage).where(ConversationMessage.conversation_id.in_(ids)))
    session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
    return len(rows)


def _confirmations_of_closed_requests(cutoff: datetime):
    closed = select(CallbackRequest.id).where(
        CallbackRequest.status.not_in((OPEN, CLAIMED)),
        CallbackRequest.closed_at.is_not(None),
        CallbackRequest.closed_at < cutoff,
    )
    # A confirmation whose request is gone altogether has nothing left to confirm either.
    exists = select(CallbackRequest.id)
    return (CallbackConfirmation.request_id.in_(closed) | CallbackConfirmation.request_id.not_in(exists),)


def _count_confirmations(session: Session, cutoff: datetime) -> int:
    query = select(func.count()).select_from(CallbackConfirmation)
    query = query.where(*_confirmations_of_closed_requests(cutoff), CallbackConfirmation.created_at < cutoff)
    return session.scalar(query) or 0


def _delete_confirmations(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(CallbackConfirmation.id, CallbackConfirmation.created_at, CallbackConfirmation.status)
        .where(*_confirmations_of_closed_requests(cutoff), CallbackConfirmation.created_at < cutoff)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    _tally(session, [(at, status) for _id, at, status in rows], lambda st: ["confirmations", f"confirmations.{st}"])
    session.execute(delete(CallbackConfirmation).where(CallbackConfirmation.id.in_([row[0] for row in rows])))
    return len(rows)


def _queue_rows_done(cutoff: datetime):
    # A caller still holding (or being whispered to an operator) keeps their row whatever its age.
    return (QueuedCall.enqueued_at < cutoff, QueuedCall.status.not_in((WAITING, OFFERED)))


def _count_queue(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(QueuedCall).where(*_queue_rows_done(cutoff))) or 0


def _delete_queue(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(QueuedCall.call_sid, QueuedCall.enqueued_at, QueuedCall.queue, QueuedCall.status)
        .where(*_queue_rows_done(cutoff))
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    _tally(
        session,
        [(at, queue, status) for _sid, at, queue, status in rows],
        lambda queue, status: ["live_queue", f"live_queue.{queue}", f"live_queue.{status}"],
    )
    session.execute(delete(QueuedCall).where(QueuedCall.call_sid.in_([row[0] for row in rows])))
    return len(rows)


def _ended_registrations(cutoff: datetime):
    # Never an active or pending one, however old: only what has ended (cancelled, expired, failed).
    return (Registration.status.not_in(LIVE), Registration.ended_at.is_not(None), Registration.ended_at < cutoff)


def _count_registrations(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(*_ended_registrations(cutoff))) or 0


def _notification_metrics(sms_state: str | None, voice_state: str | None, acknowledged: bool) -> list[str]:
    metrics = ["notifications"]
    metrics += [f"notifications.sms.{sms_state}"] if sms_state else []
    metrics += [f"notifications.voice.{voice_state}"] if voice_state else []
    metrics += ["notifications.acknowledged"] if acknowledged else []
    return metrics


def _delete_registrations(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(Registration.id, Registration.created_at, Registration.status, Registration.source)
        .where(*_ended_registrations(cutoff))
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    ids = [row[0] for row in rows]
    _tally(
        session,
        [(at, status, source) for _id, at, status, source in rows],
        lambda status, source: ["registrations", f"registrations.{status}", f"registrations.by_{source}"],
    )
    notifications = session.execute(
        select(
            Notification.created_at, Notification.sms_state, Notification.voice_state, Notification.acknowledged_at
        ).where(Notification.registration_id.in_(ids))
    ).all()
    _tally(
        session,
        [(at, sms, voice, acknowledged is not None) for at, sms, voice, acknowledged in notifications],
        _notification_metrics,
    )
    of_these = select(Notification.id).where(Notification.registration_id.in_(ids))
    session.execute(delete(NotificationAttempt).where(NotificationAttempt.notification_id.in_(of_these)))
    session.execute(delete(Notification).where(Notification.registration_id.in_(ids)))
    session.execute(delete(Registration).where(Registration.id.in_(ids)))
    return len(rows)


def _referrals_of_closed_requests(cutoff: datetime):
    closed = select(CallbackRequest.id).where(
        CallbackRequest.status.not_in((OPEN, CLAIMED)),
        CallbackRequest.closed_at.is_not(None),
        CallbackRequest.closed_at < cutoff,
    )
    return (Referral.request_id.in_(closed),)


def _count_referrals(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Referral).where(*_referrals_of_closed_requests(cutoff))) or 0


def _delete_referrals(session: Session, cutoff: datetime, _client: Client | None) -> int:
    # The row links a caller's request to the service they were given: the link goes, the counts stay.
    rows = session.execute(
        select(Referral.id, Referral.at, Referral.category).where(*_referrals_of_closed_requests(cutoff)).limit(BATCH)
    ).all()
    if not rows:
        return 0
    _tally(session, [(at, category) for _id, at, category in rows], lambda c: ["referrals", f"referrals.{c}"])
    session.execute(delete(Referral).where(Referral.id.in_([row[0] for row in rows])))
    return len(rows)


def _count_number_reads(session: Session, cutoff: datetime) -> int:
    return session.scalar(select(func.count()).select_from(NumberRead).where(NumberRead.at < cutoff)) or 0


def _delete_number_reads(session: Session, cutoff: datetime, _client: Client | None) -> int:
    rows = session.execute(
        select(NumberRead.id, NumberRead.at, NumberRead.channel).where(NumberRead.at < cutoff).limit(BATCH)
    ).all()
    if not rows:
        return 0
    _tally(session, [(at, channel) for _id, at, channel in rows], lambda ch: ["number_reads", f"number_reads.{ch}"])
    session.execute(delete(NumberRead).where(NumberRead.id.in_([row[0] for row in rows])))
    return len(rows)


def _days_requests(settings: Settings) -> int:
    return settings.retention_request_days


def _nothing(_session: Session, _cutoff: datetime, _client: Client | None) -> int:
    # Recordings go with their request (_redact_requests); this rule only reports them.
    return 0


RULES: list[Rule] = [
    Rule("recordings of closed requests, at Twilio too", _days_requests, _count_recordings, _nothing),
    Rule("closed callback requests: number, transcription, notes", _days_requests, _count_requests, _redact_requests),
    Rule("calls: caller IDs, keys pressed", lambda s: s.retention_call_days, _count_calls, _delete_calls, True),
    Rule("custody look-up audit rows", lambda s: s.retention_audit_days, _count_audits, _delete_audits, True),
    Rule(
        "SMS replies, outbound text records, service lists asked for",
        lambda s: s.retention_message_days,
        _count_texts,
        _delete_texts,
    ),
    # Conversations, confirmations and referrals follow closed callback requests: the same period.
    Rule(
        "text conversations and their messages, once closed",
        _days_requests,
        _count_conversations,
        _delete_conversations,
    ),
    Rule("callback confirmations of closed requests", _days_requests, _count_confirmations, _delete_confirmations),
    Rule("referrals given on closed requests", _days_requests, _count_referrals, _delete_referrals),
    Rule("live-queue rows of finished calls", lambda s: s.retention_call_days, _count_queue, _delete_queue),
    Rule(
        "ended registrations, their notifications and attempts",
        lambda s: s.retention_registration_days,
        _count_registrations,
        _delete_registrations,
    ),
    Rule("audit of full-number reads", lambda s: s.retention_audit_days, _count_number_reads, _delete_number_reads),
]


def _quarter_of(moment: datetime, tz: ZoneInfo) -> Period:
    local = moment.astimezone(tz)
    return Period.quarter(local.year, (local.month - 1) // 3 + 1)


def cutoff_for(rule: Rule, settings: Settings, now: datetime) -> datetime:
    """Where ``rule`` cuts now: its days ago, or for rows the report reads, the start of an unfinished quarter.

    A quarter longer than the period kept (92 days against 90) would lose its first days
    before its numbers can be kept whole; those rows wait until the quarter ends (at most a few days).
    """
    cutoff = now - timedelta(days=rule.days(settings))
    if not rule.reported:
        return cutoff
    start, end = _quarter_of(cutoff, settings.tz).bounds(settings.tz)
    return start if end > now else cutoff


def keep_report_quarters(session: Session, before: datetime, tz: ZoneInfo) -> list[str]:
    """Keep the report's numbers (KeptCount) of every quarter with detail before ``before`` not kept yet."""
    oldest = [
        session.scalar(select(func.min(CallSession.started_at)).where(CallSession.started_at < before)),
        session.scalar(select(func.min(CallEvent.at)).where(CallEvent.at < before)),
        session.scalar(select(func.min(LookupAudit.at)).where(LookupAudit.at < before)),
    ]
    found = [moment for moment in oldest if moment is not None]
    if not found:
        return []
    kept = []
    period = _quarter_of(min(found), tz)
    while period.bounds(tz)[0] < before:
        if not session.scalar(select(func.count()).where(KeptCount.period == period.label)):
            KeptCount.keep(session, period, tz)
            kept.append(period.label)
        period = Period.quarter(period.end.year, (period.end.month - 1) // 3 + 1)
    return kept


def report(settings: Settings, session: Session, now: datetime | None = None) -> list[tuple[str, int, int]]:
    """(rule, days kept, rows that would go now) for every rule."""
    now = now or utcnow()
    return [(rule.name, rule.days(settings), rule.count(session, cutoff_for(rule, settings, now))) for rule in RULES]


def apply_retention(now: datetime | None = None) -> dict[str, int]:
    """The daily job: apply every rule in batches until nothing is due; returns rows handled per rule."""
    current = runtime.settings()
    client = twilio_client(current)
    now = now or utcnow()
    # Before the calls and audits behind the quarterly report go, the report's numbers are kept.
    latest = max(cutoff_for(rule, current, now) for rule in RULES if rule.reported)
    with runtime.database().session() as session:
        kept = keep_report_quarters(session, latest, current.tz)
    if kept:
        log.info("report numbers kept before retention", extra={"periods": kept})
    handled: dict[str, int] = {}
    for rule in RULES:
        cutoff = cutoff_for(rule, current, now)
        total = 0
        while True:
            with runtime.database().session() as session:
                done = rule.apply(session, cutoff, client)
            total += done
            if done < BATCH:
                break
        handled[rule.name] = total
    log.info("retention applied", extra={"handled": handled})
    return handled
