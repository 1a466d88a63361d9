"""Retention: personal data goes after a set time; the counts a report needs stay (DECISIONS.md "Retention").

Each rule says what it would remove (``flask retention report``) and removes it
(the daily job, ``apply_retention``). Before rows are deleted, the counts the
quarterly report compares are added to ``retention_tallies`` in the same
transaction, so a run that dies half-way is simply run again. Rows that stay
(closed callback requests, whose status, urgency, caller type and need the
report still reads) lose only their personal fields.

Recordings are deleted at Twilio (REST ``DELETE .../Recordings/RE...``) before
their URL is cleared here; a recording Twilio no longer has counts as deleted.
Other issues add their personal data (conversations, registrations, referrals,
full-number reads) as more rules in ``RULES``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from config import Settings
from models.audit import LookupAudit
from models.base import utcnow
from models.call import CallEvent, CallSession
from models.callback import CallbackRequest
from models.claims import CLAIMED, OPEN, CallbackAttempt
from models.deliveries import OutboundMessage
from models.retention import RetentionTally
from models.texting import ProcessedMessage
from workers import runtime
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
    return (session.scalar(replies) or 0) + (session.scalar(intents) or 0)


def _delete_texts(session: Session, cutoff: datetime, _client: Client | None) -> int:
    replies = session.execute(delete(ProcessedMessage).where(ProcessedMessage.received_at < cutoff)).rowcount or 0
    intents = session.execute(delete(OutboundMessage).where(OutboundMessage.intent_at < cutoff)).rowcount or 0
    return replies + intents


def _days_requests(settings: Settings) -> int:
    return settings.retention_request_days


def _nothing(_session: Session, _cutoff: datetime, _client: Client | None) -> int:
    # Recordings go with their request (_redact_requests); this rule only reports them.
    return 0


RULES: list[Rule] = [
    Rule("recordings of closed requests, at Twilio too", _days_requests, _count_recordings, _nothing),
    Rule("closed callback requests: number, transcription, notes", _days_requests, _count_requests, _redact_requests),
    Rule("calls: caller IDs, keys pressed", lambda s: s.retention_call_days, _count_calls, _delete_calls),
    Rule("custody look-up audit rows", lambda s: s.retention_audit_days, _count_audits, _delete_audits),
    Rule("SMS replies and outbound text records", lambda s: s.retention_message_days, _count_texts, _delete_texts),
]


def report(settings: Settings, session: Session, now: datetime | None = None) -> list[tuple[str, int, int]]:
    """(rule, days kept, rows that would go now) for every rule."""
    now = now or utcnow()
    return [
        (rule.name, rule.days(settings), rule.count(session, now - timedelta(days=rule.days(settings))))
        for rule in RULES
    ]


def apply_retention() -> dict[str, int]:
    """The daily job: apply every rule in batches until nothing is due; returns rows handled per rule."""
    current = runtime.settings()
    client = twilio_client(current)
    now = utcnow()
    handled: dict[str, int] = {}
    for rule in RULES:
        cutoff = now - timedelta(days=rule.days(current))
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
