"""Send a text at most once, even when the worker dies mid-job.

The intent (what, to whom, a digest of the body) is committed before Twilio is
asked; Twilio's SID is written after. A worker killed between Twilio's answer
and that mark leaves an intent without a SID: the job's re-run (rq retries an
abandoned job) asks Twilio's message list whether the text went out and marks
it instead of sending again (DECISIONS.md "Honest benchmarks", last point).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from twilio.rest import Client

from config.logs import mask_phone
from models.base import utcnow
from models.deliveries import SMS, OutboundMessage, body_digest
from workers import runtime
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.deliveries")

# Twilio's list filter is by the time sent; allow for clocks that disagree a little.
CLOCK_SLACK = timedelta(minutes=5)


def send_text_once(key: str, to: str, body: str, from_: str | None = None) -> str:
    """Text ``body`` to ``to`` once for ``key``; returns Twilio's message SID (safe to run twice)."""
    current = runtime.settings()
    sender = from_ or current.hotline_number
    digest = body_digest(body)
    client = twilio_client(current)
    with runtime.database().session() as session:
        intent = OutboundMessage.for_key(session, key)
        if intent is not None and intent.twilio_sid:
            log.info("text already sent", extra={"key": key, "to": mask_phone(to)})
            return intent.twilio_sid
        if intent is None:
            intent = OutboundMessage(
                key=key, channel=SMS, to_phone=to, from_phone=sender, body_hash=digest, intent_at=utcnow()
            )
            session.add(intent)
            session.flush()
        else:
            sid = find_sent(client, intent)
            if sid is not None:
                intent.twilio_sid, intent.sent_at = sid, utcnow()
                log.info("text found at Twilio after an interrupted run", extra={"key": key, "to": mask_phone(to)})
                return sid
        intent_id = intent.id
    # The intent is committed: from here on a crash is reconciled, never sent blind twice.
    message = client.messages.create(to=to, from_=sender, body=body)
    with runtime.database().session() as session:
        intent = session.get(OutboundMessage, intent_id)
        intent.twilio_sid, intent.sent_at = message.sid, utcnow()
    log.info("text sent", extra={"key": key, "to": mask_phone(to)})
    return message.sid


def find_sent(client: Client, intent: OutboundMessage) -> str | None:
    """The SID of a message Twilio already holds for this intent (same numbers, same body), if any."""
    listed = client.messages.list(
        to=intent.to_phone, from_=intent.from_phone, date_sent_after=intent.intent_at - CLOCK_SLACK, limit=200
    )
    for message in listed:
        if message.body is not None and body_digest(message.body) == intent.body_hash:
            return message.sid
    return None
