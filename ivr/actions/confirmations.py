"""Effects of the confirmation text: may we offer it, and queue it durably through the outbox."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from config.logs import mask_phone
from ivr.actions import CallContext, effect
from ivr.extensions import hotline
from models.callback import CallbackRequest
from models.confirmation import CallbackConfirmation
from models.outbox import OutboxMessage
from models.texting import SmsConsent

log = logging.getLogger("voice.ivr.actions.confirmations")

SEND_JOB = "workers.confirmations.send_confirmation"


def _number_for_caller(state: CallState, context: CallContext, session: Session) -> tuple[int, str] | None:
    """The stored request's id and number, when its number is the caller ID of this call (the only one we may text)."""
    raw = state.get("request_id") or ""
    if not raw.isdigit() or len(raw) > 12 or not context.caller or state.get("callback_to") != "caller":
        return None
    phone = session.scalar(select(CallbackRequest.phone).where(CallbackRequest.id == int(raw)))
    if phone is None or phone != context.caller:
        return None
    return int(raw), phone


@effect("confirmation.check")
def check(state: CallState, context: CallContext) -> Outcome:
    """ "offer" when a text may go to this caller (their own caller ID, not opted out), else "skip"."""
    with hotline().database.session() as session:
        found = _number_for_caller(state, context, session)
        if found is None or SmsConsent.is_opted_out(session, found[1]):
            return Outcome.of("skip")
    return Outcome.of("offer")


@effect("confirmation.send")
def send(state: CallState, context: CallContext) -> Outcome:
    """Make the reference and queue the text (safe to run twice: one confirmation per request)."""
    current = hotline()
    with current.database.session() as session:
        found = _number_for_caller(state, context, session)
        if found is None:
            return Outcome.of("skip")
        request_id, phone = found
        confirmation = CallbackConfirmation.for_request(
            session, request_id, phone, catalogue().resolve(state.lang), context.now
        )
        message = None
        if confirmation.status == "pending":
            message = OutboxMessage.add(session, SEND_JOB, confirmation.id, queue="high")
            confirmation.status = "queued"
            session.flush()
        message_id, confirmation_id = (message.id if message else None), confirmation.id
    if message_id is not None:
        current.handover.after_commit([message_id])
    log.info(
        "confirmation text queued",
        extra={"call_sid": context.call_sid, "confirmation_id": confirmation_id, "to": mask_phone(context.caller)},
    )
    return Outcome.of("ok")
