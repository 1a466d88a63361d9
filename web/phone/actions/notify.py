"""Effects of the notifications part of the tree: identify, hold the PIN, register, cancel."""

from __future__ import annotations

import hashlib
import hmac
import logging

from sqlalchemy import select

from callflows.catalogue import catalogue
from callflows.engine import CallState, Outcome
from callflows.masking import mask_phone
from callflows.phones import parse_callback_number
from callflows.safe_contact import CALL_WINDOWS
from models.registration import (
    BY_VOICE,
    CHANNELS,
    LIVE,
    Registration,
    RegistrationLimitReached,
    count_wrong_guess,
    guesses_spent,
    hold_for_code,
    live_before_registering,
    register_verified,
)
from web.context import hotline
from web.phone.actions import CallContext, effect
from web.phone.actions.custody import look_up_on_call

log = logging.getLogger("voice.web.phone.actions.notify")


def pin_digest(pin: str, call_sid: str, key: str) -> str:
    """A keyed digest of the first PIN entry, bound to the call (the PIN itself never rides in a URL)."""
    return hmac.new(key.encode(), f"{call_sid}:{pin}".encode(), hashlib.sha256).hexdigest()[:32]


@effect("notify.identify")
def identify(state: CallState, context: CallContext) -> Outcome:
    """The look-up's audited identification (same limits); the caller hears the same whatever is found."""
    country, answer = look_up_on_call(state, context)
    if isinstance(answer, Outcome):
        return answer
    if answer.outcome == "limited":
        return Outcome.of("limited")
    return Outcome.of("ok", country=country, country_confirmed="", country_name="")


@effect("notify.hold_pin")
def hold_pin(state: CallState, context: CallContext) -> Outcome:
    """Keep a keyed digest of the first PIN and drop the PIN from the call's state."""
    pin = state.get("pin") or ""
    return Outcome.of("ok", pin="", pin_digest=pin_digest(pin, context.call_sid, context.settings.secret_key))


@effect("notify.create")
def create(state: CallState, context: CallContext) -> Outcome:
    """Store the registration: active for the caller ID; an entered number waits, unused, for its code."""
    pin = state.get("pin") or ""
    expected = state.get("pin_digest") or ""
    if not hmac.compare_digest(pin_digest(pin, context.call_sid, context.settings.secret_key), expected):
        return Outcome.of("mismatch", pin="", pin_digest="")
    chosen = context.caller if state.get("notify_to") == "caller" else state.get("phone")
    phone = parse_callback_number(chosen) if chosen else None
    a_number, country, channels = state.get("a_number"), state.get("country"), state.get("channels")
    if phone is None or not a_number or not country or channels not in CHANNELS:
        return Outcome.of("error", pin="", pin_digest="")
    settings = context.settings.notifications
    current = hotline()
    with current.database.session() as session:
        live = live_before_registering(session, phone)
        # A Twilio retry of this step finds the registration it made.
        same = [r for r in live if (r.a_number, r.country, r.source) == (a_number, country, BY_VOICE)]
        if same:
            return Outcome.of("created", pin="", pin_digest="", a_number="")
        try:
            registration = register_verified(
                session,
                a_number=a_number,
                country=country,
                phone=phone,
                language=catalogue().resolve(state.lang),
                channels=channels,
                pin=pin,
                settings=settings,
                now=context.now,
                source=BY_VOICE,
                voicemail_allowed=state.get("voicemail") == "1",
                contact_window=window if (window := state.get("window")) in CALL_WINDOWS and window != "any" else None,
            )
        except RegistrationLimitReached:
            return Outcome.of("too_many", pin="", pin_digest="")
        message_id = hold_for_code(session, registration, caller_id=state.get("notify_to") == "caller")
        registration_id = registration.id
    if message_id is not None:
        current.handover.after_commit([message_id])
    log.info(
        "registration by voice",
        extra={"call_sid": context.call_sid, "registration_id": registration_id, "phone": mask_phone(phone)},
    )
    return Outcome.of("code_sent" if message_id else "created", pin="", pin_digest="", a_number="", phone="")


@effect("notify.channels")
def channels(state: CallState, context: CallContext) -> Outcome:
    """Which safety questions to ask: about calls, texts, or both (the channels just chosen)."""
    chosen = state.get("channels")
    return Outcome.of(chosen if chosen in CHANNELS else "both")


@effect("notify.cancel")
def cancel(state: CallState, context: CallContext) -> Outcome:
    """End the caller's registration for the A-number when the PIN matches; the same words either way."""
    pin, a_number = state.get("pin") or "", state.get("a_number") or ""
    phone = parse_callback_number(context.caller) if context.caller else None
    if phone and a_number and len(pin) == 4:
        with hotline().database.session() as session:
            query = select(Registration).where(
                Registration.phone == phone, Registration.a_number == a_number, Registration.status.in_(LIVE)
            )
            budget = context.settings.notifications
            for registration in session.scalars(query.with_for_update()):
                # A spent budget refuses even the right PIN: guessing cannot end someone's registration.
                if guesses_spent(session, registration, budget):
                    continue
                if registration.check_pin(pin):
                    registration.end(context.now, BY_VOICE)
                    log.info(
                        "registration ended by voice", extra={"call_sid": context.call_sid, "phone": mask_phone(phone)}
                    )
                else:
                    count_wrong_guess(session, registration, budget)
    return Outcome.of("done", pin="", a_number="")
