"""Effects of the safe-contact questions: withdraw an unsafe number, our hours, the caller's window."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from callflows import hours
from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from callflows.masking import mask_phone
from callflows.safe_contact import caller_window
from models import claims
from models.callback import NOT_SAFE_TO_CALL, CallbackRequest
from models.claims import RetryPolicy
from web.context import hotline
from web.phone.actions import CallContext, effect
from web.phone.actions.callback import answers_from

log = logging.getLogger("voice.web.phone.actions.safe_contact")

# How a request the caller withdrew is closed (never counted as a call back).


@effect("callback.withdraw")
def withdraw(state: CallState, context: CallContext) -> Outcome:
    """The caller said this number is not safe: close the request this call stored for it (safe to repeat)."""
    answers = answers_from(state, context)
    if answers is None:
        return Outcome.of("ok")
    with hotline().database.session() as session:
        request = CallbackRequest.open_owned_by(session, answers)
        if request is not None:
            before = request.status
            request.status, request.disposition = claims.CLOSED, NOT_SAFE_TO_CALL
            request.closed_at = request.updated_at = context.now
            request.claimed_by_id = request.lease_expires_at = request.next_attempt_at = None
            claims.record(session, request, "withdrawn", context.now, None, before, "caller: not safe to call")
            log.info(
                "callback request withdrawn",
                extra={"call_sid": context.call_sid, "request_id": request.id, "phone": mask_phone(answers.phone)},
            )
    # The number must not ride on in the call's state.
    return Outcome.of("ok", phone=None, callback_to=None, stored=None)


@effect("callback.our_hours")
def our_hours(state: CallState, context: CallContext) -> Outcome:
    """When the caller can call us instead: the operators' hours, said in the caller's language."""
    settings, cat = context.settings, catalogue()
    said = hours.describe(settings.business_hours, settings.timezone, cat, cat.resolve(state.lang))
    return Outcome.of("ok", operator_hours=said)


@effect("callback.fit_window")
def fit_window(state: CallState, context: CallContext) -> Outcome:
    """ "fits" when the caller's window meets calling hours; else "nearest" with the calling hours in their zone."""
    settings = context.settings
    answers = answers_from(state, context)
    window = state.get("window")
    if answers is None or window in (None, "any"):
        return Outcome.of("fits")
    zone = ZoneInfo(answers.caller_timezone) if answers.caller_timezone else settings.tz
    staffed = RetryPolicy.from_settings(settings).staffed()
    mine = caller_window(window, answers.caller_timezone, settings.tz)
    if mine is None or hours.next_allowed_moment(context.now, [*staffed, mine]) is not None:
        return Outcome.of("fits")
    cat = catalogue()
    local = hours.in_zone(hours.open_intervals(staffed, context.now), zone)
    return Outcome.of("nearest", calling_hours=hours.describe(local, "", cat, cat.resolve(state.lang)))
