"""Call a caller back through the hotline: ring the operator, then bridge to the caller.

The victim only ever sees the hotline's number: Twilio rings the operator's
phone from the hotline number, and when the operator answers, ``<Dial
callerId=hotline>`` connects the caller. Every webhook here is signed by Twilio;
the attempt id rides in the URL, which the signature covers.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest, HTTPException

from callflows.catalogue import catalogue
from callflows.engine import Line
from config import Settings
from config.logs import mask_phone
from ivr.extensions import db_session, hotline, settings
from ivr.signature import form_field, twilio_request
from ivr.twiml import apology, say_lines
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.claims import CallbackAttempt
from models.operator import Operator
from workers.deliveries import Delivery, Outgoing, deliver
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.ivr.bridge")
bp = Blueprint("bridge", __name__, url_prefix="/bridge")

FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
# Twilio's AnsweredBy values for anything but a person (answering-machine detection).
NOT_A_PERSON = {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
# Operators hear the whisper in the hotline's working language.
OPERATOR_LANGUAGE = "en"


class BridgeError(Exception):
    """A call back could not be started; the message says why, for the operator."""


def start_call(session: Session, current: Settings, request_id: int, operator: Operator) -> CallbackAttempt:
    """Ask Twilio to ring ``operator`` from the hotline number; the answer webhook bridges to the caller."""
    item = session.get(CallbackRequest, request_id)
    if item is None or item.status != claims.CLAIMED or item.claimed_by_id != operator.id:
        raise BridgeError("claim the request before calling the caller back")
    if not operator.phone:
        raise BridgeError("your account has no phone number to ring")
    now = utcnow()
    if item.call_window not in (None, "any"):
        # The caller's own window (their time zone) inside calling hours: obeyed by every call back.
        allowed = claims.RetryPolicy.from_settings(current).next_allowed(now, item)
        if allowed > now + timedelta(minutes=1):
            local = allowed.astimezone(ZoneInfo(item.caller_timezone) if item.caller_timezone else current.tz)
            raise BridgeError(
                f"the caller asked to be called in the {item.call_window} (their time); "
                f"call from {local:%a %H:%M} their time"
            )
    attempt = CallbackAttempt(request_id=item.id, operator_id=operator.id, started_at=now, call_status="queued")
    session.add(attempt)
    session.flush()
    claims.record(session, item, "call_started", now, operator.id, item.status, f"attempt {attempt.id}")
    # Committed before Twilio can call the answer URL, which looks the attempt up.
    session.commit()
    ring(session, current, attempt, operator.phone, "/bridge/answer", "call back")
    log.info(
        "call back started",
        extra={"attempt_id": attempt.id, "request_id": item.id, "operator": mask_phone(operator.phone)},
    )
    return attempt


def ring(session: Session, current: Settings, attempt: CallbackAttempt, to: str, answer_path: str, what: str) -> None:
    """Place a committed call-back attempt's call once (``workers.deliveries``); its SID is marked on the attempt."""
    base = current.public_base_url.rstrip("/")
    query = urlencode({"attempt": attempt.id})
    attempt_id = attempt.id
    call = Outgoing(
        f"callback-attempt:{attempt_id}",
        to,
        current.hotline_number,
        call={
            "url": f"{base}{answer_path}?{query}",
            "method": "POST",
            "status_callback": f"{base}/bridge/status?{query}",
            "status_callback_method": "POST",
            "status_callback_event": ["initiated", "ringing", "answered", "completed"],
        },
    )

    def mark(marking: Session, results: list[Delivery]) -> None:
        (delivery,) = results
        row = marking.get(CallbackAttempt, attempt_id)
        if delivery.sid is not None:
            row.call_sid = delivery.sid
        elif delivery.code is not None and delivery.code >= 0:
            row.call_status, row.ended_at = "failed", utcnow()

    (delivery,) = deliver(hotline().database, twilio_client(current), [call], mark=mark)
    session.refresh(attempt)
    if delivery.sid is None:
        log.warning("call not started", extra={"call": what, "attempt_id": attempt_id, "code": delivery.code})
        if delivery.code is not None and delivery.code >= 0:
            raise BridgeError("Twilio refused the call; try again in a minute")
        raise BridgeError("the call may have started; wait for it before you try again")


def twiml(response: VoiceResponse) -> Response:
    """A TwiML answer."""
    return Response(str(response), status=200, mimetype="text/xml")


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
@twilio_request
def answer() -> Response:
    """The operator picked up: connect the caller, showing the hotline number."""
    current = settings()
    attempt = attempt_from_url()
    item = db_session().get(CallbackRequest, attempt.request_id)
    assert item is not None  # the foreign key guarantees it
    attempt.call_status = "in-progress"
    db_session().commit()
    response = VoiceResponse()
    say(response, "bridge.connecting")
    base = current.public_base_url.rstrip("/")
    dial = response.dial(
        # A caller who did not allow us to say who is calling sees the neutral number.
        caller_id=current.hotline_number if item.identify else current.neutral_number,
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
@twilio_request
def screen() -> Response:
    """The caller's leg answered (``<Number url>`` with AnsweredBy): hang up on a machine, connect a person."""
    attempt = attempt_from_url()
    answered_by = request.form.get("AnsweredBy", "")
    response = VoiceResponse()
    if answered_by in NOT_A_PERSON:
        attempt.caller_status = "machine"
        db_session().commit()
        log.info("call back reached a machine: hung up without a message", extra={"attempt_id": attempt.id})
        response.hangup()
    return twiml(response)


@bp.post("/dialed")
@twilio_request
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
@twilio_request
def status() -> Response:
    """Status callback of the call to the operator: update the attempt (safe to receive twice)."""
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
            item = session.get(CallbackRequest, attempt.request_id)
            assert item is not None
            detail = f"attempt {attempt.id}: {call_status}, caller {attempt.caller_status or 'not reached'}"
            claims.record(session, item, "call_ended", utcnow(), attempt.operator_id, item.status, detail)
        session.commit()
    return twiml(VoiceResponse())


@bp.errorhandler(Exception)
def fail_calmly(error: Exception) -> Response | HTTPException:
    """Never a 500 to Twilio: log the cause and answer with apology TwiML."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return error
    log.exception("bridge webhook failed", extra={"call_sid": form_field("CallSid"), "route": request.path})
    if request.path.endswith("/screen"):
        # The screen speaks to the caller's phone, maybe a machine: an apology would name the
        # hotline, so a failure there hangs up without a word.
        silent = VoiceResponse()
        silent.hangup()
        return twiml(silent)
    return Response(apology(OPERATOR_LANGUAGE, settings().operator_number), status=200, mimetype="text/xml")
