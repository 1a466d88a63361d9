"""Call a caller back through the hotline: ring the operator, then bridge to the caller.

The caller only ever sees the hotline's number (or the neutral one, unless they
allowed us to say who calls): Twilio rings the operator's phone from the hotline
number, and when the operator answers, ``<Dial callerId=...>`` connects the
caller. Every webhook here is signed by Twilio; the attempt id rides in the URL,
which the signature covers.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest

from callflows.catalogue import OPERATOR_LANGUAGE, catalogue
from callflows.engine import Line
from callflows.masking import mask_phone
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.claims import CallbackAttempt
from web.context import db_session, settings
from web.phone.twiml import say_lines
from web.phone.webhooks import apologise_to_the_operator, hang_up, twilio_blueprint, twiml
from workers.dialling import shown_number

log = logging.getLogger("voice.web.phone.bridge")
bp = Blueprint("bridge", __name__, url_prefix="/bridge")
# The screen speaks to the caller's phone, maybe a machine: an apology would name the
# hotline, so a failure there hangs up without a word.
twilio_blueprint(bp, fallback=apologise_to_the_operator, route_fallbacks={"screen": hang_up})

FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
# Twilio's AnsweredBy values for anything but a person (answering-machine detection).
NOT_A_PERSON = {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}


def request_of(attempt: CallbackAttempt) -> CallbackRequest:
    """The callback request an attempt belongs to."""
    item = db_session().get(CallbackRequest, attempt.request_id)
    assert item is not None  # the foreign key guarantees it
    return item


def hung_up_on_a_machine(attempt: CallbackAttempt, response: VoiceResponse) -> bool:
    """On a machine (``AnsweredBy`` from detection): note it and hang up without a word; False for a person."""
    if request.form.get("AnsweredBy", "") not in NOT_A_PERSON:
        return False
    attempt.caller_status = "machine"
    db_session().commit()
    log.info("call back reached a machine: hung up without a message", extra={"attempt_id": attempt.id})
    response.hangup()
    return True


def attempt_from_url() -> CallbackAttempt:
    """The attempt named in the (signed) webhook URL."""
    raw = request.args.get("attempt", "")
    attempt = db_session().get(CallbackAttempt, int(raw)) if raw.isdigit() else None
    if attempt is None:
        raise BadRequest("unknown callback attempt")
    return attempt


def say(response: VoiceResponse, key: str) -> None:
    """Add one catalogue sentence for the operator."""
    say_lines(response, (Line(key, OPERATOR_LANGUAGE),), catalogue())


@bp.post("/answer")
def answer() -> Response:
    """The operator picked up: connect the caller, showing the hotline number."""
    current = settings()
    attempt = attempt_from_url()
    item = request_of(attempt)
    attempt.call_status = "in-progress"
    db_session().commit()
    response = VoiceResponse()
    say(response, "bridge.connecting")
    base = current.public_base_url.rstrip("/")
    dial = response.dial(
        # A caller who did not allow us to say who is calling sees the neutral number.
        caller_id=shown_number(item, current),
        action=f"{base}/bridge/dialed?attempt={attempt.id}",
        method="POST",
        timeout=30,
    )
    if item.leave_voicemail:
        dial.number(item.phone)
    else:
        # No voicemail: answering-machine detection, and the screen hangs up on a machine
        # before the operator is connected, so no message is ever left.
        dial.number(
            item.phone,
            machine_detection="Enable",
            url=f"{base}/bridge/screen?attempt={attempt.id}",
            method="POST",
        )
    log.info("bridging call back", extra={"attempt_id": attempt.id, "caller": mask_phone(item.phone)})
    return twiml(response)


@bp.post("/screen")
def screen() -> Response:
    """The caller's leg answered (``<Number url>`` with AnsweredBy): hang up on a machine, connect a person."""
    response = VoiceResponse()
    hung_up_on_a_machine(attempt_from_url(), response)
    return twiml(response)


@bp.post("/dialed")
def dialed() -> Response:
    """The caller's leg ended: note whether they answered."""
    attempt = attempt_from_url()
    status = request.form.get("DialCallStatus", "")[:24] or None
    # A machine the screen hung up on stays "machine", whatever the dial reports.
    attempt.caller_status = attempt.caller_status if attempt.caller_status == "machine" else status
    duration = request.form.get("DialCallDuration", "")
    if duration.isdigit():
        attempt.duration_seconds = int(duration)
    db_session().commit()
    response = VoiceResponse()
    if status != "completed":
        say(response, "bridge.caller_unavailable")
    response.hangup()
    return twiml(response)


@bp.post("/status")
def status() -> Response:
    """Status callback of a call back's first leg: update the attempt (safe to receive twice)."""
    session = db_session()
    attempt = attempt_from_url()
    call_status = request.form.get("CallStatus", "")[:24]
    already_final = attempt.call_status in FINAL_STATUSES
    if not already_final:
        attempt.call_status = call_status
        if call_status in FINAL_STATUSES:
            attempt.ended_at = utcnow()
            duration = request.form.get("CallDuration", "")
            if duration.isdigit() and attempt.duration_seconds is None:
                attempt.duration_seconds = int(duration)
            item = request_of(attempt)
            detail = f"attempt {attempt.id}: {call_status}, caller {attempt.caller_status or 'not reached'}"
            claims.record(session, item, "call_ended", utcnow(), attempt.operator_id, item.status, detail)
        session.commit()
    return twiml(VoiceResponse())
