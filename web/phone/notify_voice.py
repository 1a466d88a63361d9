"""Notification calls: the outbound call asks for the PIN before it says anything about the person.

Twilio fetches ``answer`` when the registrant picks up (with ``AnsweredBy``
from machine detection), posts the keyed PIN to ``pin``, and reports each
status to ``status``. Every route is signed; a wrong PIN, no PIN, a machine or
no answer leaves the notification to be called again later (workers/notify.py).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy import select
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import NotFound

from callflows.catalogue import catalogue
from callflows.engine import Line
from callflows.phones import time_zone
from models.base import utcnow
from models.notification import ACKNOWLEDGED, CALLING, SKIPPED, Notification, NotificationAttempt
from models.registration import ACTIVE, Registration, count_wrong_guess, guesses_spent
from web.context import db_session, settings
from web.phone.twiml import say_lines
from web.phone.webhooks import apologise, call_sid, no_content, twilio_blueprint, twiml
from workers.notify import acknowledge, record_call_status

log = logging.getLogger("voice.web.phone.notify_voice")
bp = Blueprint("notify_voice", __name__, url_prefix="/notify/voice")


def apologise_in_every_language() -> Response:
    """A notification call's apology, in every language: the registrant's is in the database."""
    return apologise(None)


twilio_blueprint(bp, fallback=apologise_in_every_language)

PIN_TRIES = 2


def load(notification_id: int) -> tuple[Notification, Registration]:
    """The notification and its registration (404 when unknown)."""
    session = db_session()
    notification = session.get(Notification, notification_id)
    if notification is None:
        raise NotFound("no such notification")
    return notification, session.get(Registration, notification.registration_id)


def ask_pin(response: VoiceResponse, notification_id: int, lang: str, tries: int, key: str) -> VoiceResponse:
    """Gather the PIN and #; silence ends the call (the status callback schedules the next try)."""
    gather = response.gather(
        action=f"/notify/voice/pin/{notification_id}?try={tries}",
        method="POST",
        input="dtmf",
        finish_on_key="#",
        num_digits=4,
        timeout=8,
        action_on_empty_result=True,
    )
    say_lines(gather, (Line(key, lang),), catalogue())
    return response


def end_without_the_pin(response: VoiceResponse, lang: str) -> Response:
    """Close the call without the PIN: say a later call will come, and hang up."""
    say_lines(response, (Line("notify.voice.no_pin", lang),), catalogue())
    response.hangup()
    return twiml(response)


def spoken_reference(reference: str) -> str:
    """ "K 7 Q 2 M": a reference read one character at a time."""
    return " ".join(reference)


def update_lines(notification: Notification, registration: Registration, lang: str) -> tuple[Line, ...]:
    """What changed, said only after the PIN."""
    cat = catalogue()
    local = notification.event_at.astimezone(time_zone(registration.phone, settings().timezone))
    date = cat.text(
        lang, "notify.voice.date", {"month_name": cat.text(lang, f"notify.voice.month.{local.month}"), "day": local.day}
    )
    params = (("reference", spoken_reference(registration.reference)), ("date", date))
    return (Line(f"notify.voice.{notification.kind}", lang, params), Line("notify.voice.more", lang))


@bp.post("/answer/<int:notification_id>")
def answer(notification_id: int) -> Response:
    """The registrant (or a machine) picked up: ask for the PIN, or leave the short message if allowed."""
    call_sid()
    notification, registration = load(notification_id)
    lang = catalogue().resolve(registration.language)
    response = VoiceResponse()
    answered_by = request.form.get("AnsweredBy", "")
    if answered_by.startswith("machine") or answered_by == "fax":
        # A short message only if voicemail was allowed; it never says who or what about.
        if registration.voicemail_allowed:
            say_lines(response, (Line("notify.voice.voicemail", lang),), catalogue())
        response.hangup()
        return twiml(response)
    if registration.status != ACTIVE or notification.voice_state not in (CALLING, ACKNOWLEDGED):
        response.hangup()
        return twiml(response)
    ask_pin(response, notification_id, lang, 1, "notify.voice.ask_pin")
    return end_without_the_pin(response, lang)


@bp.post("/pin/<int:notification_id>")
def pin(notification_id: int) -> Response:
    """Check the PIN: the update and no more calls; a wrong PIN is asked once more, then the call ends."""
    sid = call_sid()
    notification, registration = load(notification_id)
    lang = catalogue().resolve(registration.language)
    tries = request.args.get("try", "1")
    tries_so_far = int(tries) if tries.isdigit() else PIN_TRIES
    digits = request.form.get("Digits", "").strip()
    response = VoiceResponse()
    session = db_session()
    budget = settings().notifications
    if guesses_spent(session, registration, budget):
        # Every try after the budget is spent is refused unheard, and no more calls are placed.
        notification.voice_state = SKIPPED
        session.commit()
        log.warning("notification pin refused: guessing budget spent", extra={"notification_id": notification_id})
        return end_without_the_pin(response, lang)
    if registration.status == ACTIVE and digits and registration.check_pin(digits):
        acknowledge(db_session(), settings(), notification, sid, utcnow())
        db_session().commit()
        say_lines(response, update_lines(notification, registration, lang), catalogue())
        response.hangup()
        log.info("notification acknowledged", extra={"notification_id": notification_id, "call_sid": sid})
        return twiml(response)
    log.info(
        "notification pin refused", extra={"notification_id": notification_id, "call_sid": sid, "try": tries_so_far}
    )
    attempt = session.scalar(select(NotificationAttempt).where(NotificationAttempt.sid == sid))
    if attempt is not None and attempt.notification_id == notification_id and not attempt.pin_ok:
        attempt.pin_ok = False
    locked = session.get(Registration, registration.id, with_for_update=True)
    if digits and locked is not None:
        count_wrong_guess(session, locked, budget)
    if locked is not None and guesses_spent(session, locked, budget):
        notification.voice_state = SKIPPED
        session.commit()
        return end_without_the_pin(response, lang)
    session.commit()
    if tries_so_far < PIN_TRIES:
        ask_pin(response, notification_id, lang, tries_so_far + 1, "notify.voice.wrong_pin")
    return end_without_the_pin(response, lang)


@bp.post("/status/<int:notification_id>")
def status(notification_id: int) -> Response:
    """Twilio's status callback: every attempt recorded; a finished call without the PIN is tried again later."""
    sid = call_sid()
    session = db_session()
    record_call_status(
        session,
        settings(),
        notification_id,
        sid,
        request.form.get("CallStatus", "unknown"),
        request.form.get("AnsweredBy"),
        utcnow(),
    )
    session.commit()
    return no_content()
