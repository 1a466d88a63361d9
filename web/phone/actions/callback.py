"""Effects of the callback part of the tree: the caller's number, the stored request, the wait."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from callflows.masking import mask_phone
from callflows.offices import load_offices
from callflows.phones import parse_callback_number, spoken_phone
from callflows.safe_contact import CALL_WINDOWS
from models.callback import CALLER_TYPES, NEEDS, CallbackAnswers, CallbackRequest
from models.claims import RetryPolicy
from models.outbox import OutboxMessage
from models.places import caller_zone
from web.context import hotline
from web.phone.actions import CallContext, effect

log = logging.getLogger("voice.web.phone.actions.callback")

ACKNOWLEDGE_JOB = "workers.callbacks.acknowledge_request"
MAX_MESSAGE_SECONDS = 3600


@effect("callback.caller_id")
def caller_id(state: CallState, context: CallContext) -> Outcome:
    """Offer the caller ID as the callback number, unless it is withheld or cannot be called back."""
    number = parse_callback_number(context.caller) if context.caller else None
    if number is None:
        return Outcome.of("withheld")
    return Outcome.of("known", caller=number)


@effect("callback.spell_phone")
def spell_phone(state: CallState, context: CallContext) -> Outcome:
    """Put the entered number's spoken form in the context for the read-back."""
    return Outcome.of("ok", phone_spoken=spoken_phone(state.get("phone") or ""))


def answers_from(state: CallState, context: CallContext) -> CallbackAnswers | None:
    """The request the caller described, or None when no usable number was chosen."""
    chosen = state.get("caller") if state.get("callback_to") == "caller" else state.get("phone")
    phone = parse_callback_number(chosen) if chosen else None
    if phone is None:
        return None
    # The state rides in a signed URL, but an old or damaged one must not reach the
    # database as anything but a known value.
    seconds = state.get("message_seconds") or ""
    caller_type, need, office = state.get("caller_type"), state.get("need"), state.get("field_office")
    url = state.get("message_url") or ""
    own = parse_callback_number(context.caller) if context.caller else None
    window = state.get("window")
    zip5 = state.get("zip") or ""
    return CallbackAnswers(
        phone=phone,
        # Only the call's own caller ID makes a request a later call may update:
        # a typed number belongs to nobody, even when it is the same as the URL's.
        by_caller_id=own is not None and own == phone,
        language=catalogue().resolve(state.lang),
        call_sid=context.call_sid,
        caller_type=caller_type if caller_type in CALLER_TYPES else None,
        need=need if need in NEEDS else None,
        urgent=state.get("urgent") == "1",
        field_office=office if office in load_offices() else None,
        message_url=url if url.startswith("https://") and len(url) <= 500 else None,
        message_seconds=min(int(seconds), MAX_MESSAGE_SECONDS) if seconds.isdigit() else None,
        # Safe-contact answers: only what the caller said; a missing answer stays unset (read carefully).
        safe_to_call="yes" if state.get("safe") == "yes" else None,
        voicemail_ok=_yes_no(state.get("voicemail")),
        may_identify=_yes_no(state.get("identify")),
        call_window=window if window in CALL_WINDOWS else None,
        caller_timezone=caller_zone(zip5, phone, context.settings.timezone),
    )


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@effect("callback.create")
def create(state: CallState, context: CallContext) -> Outcome:
    """Store the request as soon as the number is confirmed (see ``store``)."""
    return store(state, context, "created")


@effect("callback.update")
def update(state: CallState, context: CallContext) -> Outcome:
    """Add the optional parts (safe-contact answers, message) to the request this call stored."""
    return store(state, context, "created")


def store(state: CallState, context: CallContext, said: str) -> Outcome:
    """Store the request (or update the one this same call stored) with its outbox job, durably.

    Safe to run twice: a Twilio retry of this step finds the request it made. An
    earlier call's request for the same number is never touched or mentioned: this
    call gets a request of its own, and operators see the two linked.
    """
    answers = answers_from(state, context)
    if answers is None:
        return Outcome.of("no_number")
    current = hotline()
    for attempt in (1, 2):
        try:
            with current.database.session() as session:
                request, what = CallbackRequest.open_or_update(session, answers, context.now)
                if request.call_window not in (None, "any"):
                    # The first call back waits for the window the caller chose (inside calling hours).
                    policy = RetryPolicy.from_settings(context.settings)
                    allowed = policy.next_allowed(max(context.now, request.next_attempt_at or context.now), request)
                    request.next_attempt_at = allowed if allowed > context.now else request.next_attempt_at
                message_id = None
                if what == "created":
                    message_id = OutboxMessage.add(session, ACKNOWLEDGE_JOB, request.id, queue="high")
                request_id = request.id
            break
        except IntegrityError:
            # Another webhook of this call stored the request a moment ago: update it instead.
            if attempt == 2:
                raise
    if message_id is not None:
        current.handover.after_commit([message_id])
    log.info(
        "callback request stored",
        extra={
            "call_sid": context.call_sid,
            "request_id": request_id,
            "result": what,
            "phone": mask_phone(answers.phone),
            "urgent": answers.urgent,
        },
    )
    return Outcome.of(said, request_id=request_id, callback_number=answers.phone)


@effect("callback.estimate")
def estimate(state: CallState, context: CallContext) -> Outcome:
    """The request's place in line and an honest expected wait from recent completions."""
    request_id = state.get("request_id") or ""
    place = None
    if request_id.isdigit() and len(request_id) <= 12:
        with hotline().database.session() as session:
            place = CallbackRequest.place_in_line(session, int(request_id), context.now)
    if place is None:
        return Outcome.of("unknown", position=1)
    position, wait = place
    if wait is None:
        return Outcome.of("unknown", position=position)
    unit, amount = spoken_wait(wait)
    return Outcome.of(unit, position=position, wait=amount)


def spoken_wait(wait: timedelta) -> tuple[str, int]:
    """A wait rounded up the way people say it: (``"minutes"``, 15), (``"hours"``, 3), (``"days"``, 2)."""
    minutes = wait.total_seconds() / 60
    if minutes < 90:
        return "minutes", max(5, math.ceil(minutes / 5) * 5)
    hours = minutes / 60
    if hours < 36:
        return "hours", math.ceil(hours)
    return "days", math.ceil(hours / 24)
