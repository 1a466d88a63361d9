"""Jobs that keep the operators' queue moving: expire leases, alert supervisors, settle lost replies.

``tick`` runs every ``settings.queue_tick_seconds``, enqueued by rq's cron
scheduler (``workers/schedule.py``, the Procfile's ``cron`` process). Retries of unanswered callers need no job: a "no
answer" completion sets the request's ``next_attempt_at`` (backoff, inside
calling hours) and the claim query skips it until then.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException

import runtime
from callflows.catalogue import catalogue
from callflows.masking import mask_phone
from models import claims
from models.base import utcnow
from models.claims import RequestHistory
from models.conversation import ConversationMessage
from workers.deliveries import IN_FLIGHT, Delivery, DeliveryUnsettled, Outgoing, deliver, send_text_once
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.queue")

ALERTED = "supervisor_alerted"
# Supervisors read the alert in the hotline's working language.
ALERT_LANGUAGE = "en"
# A reply still "sending" this long after it was written lost Twilio's answer (the REST client gives up sooner).
REPLY_SETTLE_AFTER = timedelta(minutes=2)


def expire_leases() -> int:
    """Return claims whose lease ran out to the queue (settings.claim_lease_seconds); returns how many."""
    with runtime.database().session() as session:
        expired = claims.expire_leases(session, utcnow())
    if expired:
        log.info("claim leases expired", extra={"request_ids": expired})
    return len(expired)


def alert_urgent_wait() -> int:
    """SMS the supervisors when the oldest urgent request waited past the limit, once per request.

    Returns how many messages were sent. The alert is recorded before sending,
    so a crash or a second worker never sends it twice (settings.urgent_wait_alert_minutes).
    """
    current = runtime.settings()
    if not current.supervisor_numbers:
        return 0
    now = utcnow()
    limit = timedelta(minutes=current.urgent_wait_alert_minutes)
    with runtime.database().session() as session:
        oldest = claims.oldest_waiting(session, now, urgent=True)
        if oldest is None or now - oldest.created_at < limit:
            return 0
        done = session.scalar(
            select(exists().where(RequestHistory.request_id == oldest.id, RequestHistory.event == ALERTED))
        )
        if done:
            return 0
        minutes = int((now - oldest.created_at).total_seconds() // 60)
        claims.record(session, oldest, ALERTED, now, detail=f"waited {minutes} min")
        request_id = oldest.id
    body = catalogue().text(ALERT_LANGUAGE, "alerts.urgent_wait", {"request_id": request_id, "minutes": minutes})
    sent = 0
    for number in current.supervisor_numbers:
        try:
            # Intent before Twilio, mark after: a re-run after a crash never texts twice.
            send_text_once(f"urgent-wait:{request_id}:{number}", number, body)
            sent += 1
        except (TwilioException, DeliveryUnsettled) as error:
            log.warning("supervisor alert not sent", extra={"to": mask_phone(number), "error": str(error)})
    log.info("supervisors alerted", extra={"request_id": request_id, "waited_minutes": minutes, "sent": sent})
    return sent


def settle_replies(now: datetime | None = None) -> int:
    """Operator replies left "sending" (the request lost Twilio's answer): "sent" when Twilio has them, else "failed".

    Nothing is sent here: a reply Twilio never took is shown failed, and the operator decides whether to
    write it again. Returns how many were settled.
    """
    current = runtime.settings()
    database = runtime.database()
    now = now or utcnow()
    with database.session() as session:
        stuck = ConversationMessage.left_sending(session, now - REPLY_SETTLE_AFTER)
    if not stuck:
        return 0
    owners = {f"conversation-reply:{message_id}": message_id for message_id, _ in stuck}
    replies = [Outgoing(key, phone, current.hotline_number) for key, (_, phone) in zip(owners, stuck, strict=True)]

    def mark(session: Session, results: list[Delivery]) -> None:
        for delivery in results:
            if delivery.code == IN_FLIGHT:
                continue
            message = session.get(ConversationMessage, owners[delivery.outgoing.key])
            message.status = "sent" if delivery.sid is not None else "failed"
            message.message_sid = delivery.sid
            log.info("reply settled", extra={"message_id": message.id, "status": message.status})

    results = deliver(
        database, twilio_client(current), replies, mark=mark, stale_after=REPLY_SETTLE_AFTER, now=now, send=False
    )
    return sum(1 for delivery in results if delivery.code != IN_FLIGHT)


def tick() -> dict[str, int]:
    """One pass of the queue upkeep (rq's cron scheduler enqueues the next)."""
    return {"expired": expire_leases(), "alerts": alert_urgent_wait(), "replies": settle_replies()}
