"""Effects of the live queue: store the triage with the call as it joins, and see how it left.

A database failure must never keep a caller from a person: the caller still
joins the queue (the operator then sees no triage for them), and it is logged.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from callflows.masking import mask_phone
from models.callback import CALLER_TYPES, NEEDS, CallbackRequest
from models.live_queue import CALLBACK, NO_LANGUAGE, JoiningCall, QueuedCall
from web.context import hotline
from web.phone.actions import CallContext, effect

log = logging.getLogger("voice.web.phone.actions.live_queue")


def joining_call(state: CallState, context: CallContext) -> JoiningCall:
    """The triage answers the caller gave before the transfer (None: not given)."""
    caller_type, need, urgent = state.get("caller_type"), state.get("need"), state.get("urgent")
    return JoiningCall(
        call_sid=context.call_sid,
        # A caller who chose no language (a relay call, or silence at the menu) is announced as such.
        language=state.lang if state.lang in catalogue().codes else NO_LANGUAGE,
        caller_type=caller_type if caller_type in CALLER_TYPES else None,
        need=need if need in NEEDS else None,
        urgent={"1": True, "0": False}.get(urgent or ""),
    )


@effect("queue.join")
def join(state: CallState, context: CallContext) -> Outcome:
    """Store the call's triage (safe to run twice) and choose the queue: urgent for a caller in danger."""
    call = joining_call(state, context)
    queue = "urgent" if call.urgent else "normal"
    try:
        with hotline().database.session() as session:
            QueuedCall.join(session, call, context.now)
    except SQLAlchemyError:
        log.exception("queued call not stored", extra={"call_sid": context.call_sid, "queue": queue})
    log.info(
        "caller joins the live queue",
        extra={"call_sid": context.call_sid, "queue": queue, "from": mask_phone(context.caller)},
    )
    return Outcome.of(queue)


@effect("queue.left")
def left(state: CallState, context: CallContext) -> Outcome:
    """ "callback" when the caller chose a call back while holding (with the number), else "missed"."""
    try:
        with hotline().database.session() as session:
            row = QueuedCall.leave(session, context.call_sid, context.now)
            if row is not None and row.status == CALLBACK and row.callback_request_id is not None:
                request = session.get(CallbackRequest, row.callback_request_id)
                if request is not None:
                    # The request is the caller ID's: the safe-contact answers update it through this call.
                    return Outcome.of(
                        "callback",
                        request_id=request.id,
                        callback_number=request.phone,
                        callback_to="caller",
                        caller=request.phone,
                    )
    except SQLAlchemyError:
        log.exception("queued call not updated", extra={"call_sid": context.call_sid})
    return Outcome.of("missed")
