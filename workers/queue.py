"""Jobs that keep the operators' queue moving: expire leases, alert supervisors, reschedule themselves.

``tick`` runs every ``settings.queue_tick_seconds`` through rq's scheduler
(the worker runs ``with_scheduler``): each run schedules the next one under a
job id derived from the time slot, so several workers scheduling at once still
make one job per slot. Retries of unanswered callers need no job: a "no
answer" completion sets the request's ``next_attempt_at`` (backoff, inside
calling hours) and the claim query skips it until then.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from redis import Redis
from rq import Queue, get_current_job
from rq.job import Job
from sqlalchemy import exists, select
from twilio.base.exceptions import TwilioException

from callflows.catalogue import catalogue
from config.logs import mask_phone
from models import claims
from models.base import utcnow
from models.claims import RequestHistory
from workers import runtime
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.queue")

ALERTED = "supervisor_alerted"
# Supervisors read the alert in the hotline's working language.
ALERT_LANGUAGE = "en"


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
    client = twilio_client(current)
    sent = 0
    for number in current.supervisor_numbers:
        try:
            client.messages.create(to=number, from_=current.hotline_number, body=body)
            sent += 1
        except TwilioException as error:
            log.warning("supervisor alert not sent", extra={"to": mask_phone(number), "error": str(error)})
    log.info("supervisors alerted", extra={"request_id": request_id, "waited_minutes": minutes, "sent": sent})
    return sent


def tick() -> dict[str, int]:
    """One pass of the queue upkeep; the next pass is scheduled first, so a failing pass cannot end the chain."""
    job = get_current_job()
    if job is not None:
        schedule(job.connection, runtime.settings().queue_tick_seconds)
    return {"expired": expire_leases(), "alerts": alert_urgent_wait()}


def schedule(connection: Redis, every_seconds: int) -> Job:
    """Schedule the next ``tick`` (idempotent per time slot: one job however many callers)."""
    slot = int(time.time() // every_seconds) + 1
    return Queue("default", connection=connection).enqueue_in(
        timedelta(seconds=every_seconds),
        "workers.queue.tick",
        job_id=f"operators-queue-tick-{slot}",
        result_ttl=3600,
        failure_ttl=86400,
    )
