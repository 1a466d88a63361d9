"""Effects of the confirmation text: may we offer it, and queue it durably through the outbox."""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from callflows.masking import mask_phone
from models.callback import CallbackRequest
from models.confirmation import CallbackConfirmation
from models.outbox import OutboxMessage
from models.texting import OPT_OUT, SmsConsent
from web.context import hotline
from web.phone.actions import CallContext, effect

log = logging.getLogger("voice.web.phone.actions.confirmations")

SEND_JOB = "workers.confirmations.send_confirmation"
# A stored request's number and that number's latest consent word, in one statement built once.
_NUMBER_AND_CONSENT = select(CallbackRequest.phone, SmsConsent.latest_word(CallbackRequest.phone)).where(
    CallbackRequest.id == bindparam("id")
)


def _number_for_caller(state: CallState, context: CallContext, session: Session) -> tuple[int, str, bool] | None:
    """The stored request's id, number and opt-out, when its number is this call's caller ID (the only one we text)."""
    raw = state.get("request_id") or ""
    if not raw.isdigit() or len(raw) > 12 or not context.caller or state.get("callback_to") != "caller":
        return None
    found = session.execute(_NUMBER_AND_CONSENT, {"id": int(raw)}).first()
    if found is None or found[0] != context.caller:
        return None
    return int(raw), found[0], found[1] == OPT_OUT


@effect("confirmation.check")
def check(state: CallState, context: CallContext) -> Outcome:
    """ "offer" when a text may go to this caller (their own caller ID, not opted out), else "skip"."""
    with hotline().database.session() as session:
        found = _number_for_caller(state, context, session)
    if found is None or found[2]:
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
        request_id, phone, _opted_out = found
        confirmation = CallbackConfirmation.for_request(
            session, request_id, phone, catalogue().resolve(state.lang), context.now
        )
        message_id = None
        if confirmation.status == "pending":
            message_id = OutboxMessage.add(session, SEND_JOB, confirmation.id, queue="high")
            confirmation.status = "queued"
        confirmation_id = confirmation.id
    if message_id is not None:
        current.handover.after_commit([message_id])
    log.info(
        "confirmation text queued",
        extra={"call_sid": context.call_sid, "confirmation_id": confirmation_id, "to": mask_phone(context.caller)},
    )
    return Outcome.of("ok")
