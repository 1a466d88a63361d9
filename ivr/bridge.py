"""Call a caller back through the hotline: ring the operator, then bridge to the caller.

The caller only ever sees the hotline's number (or the neutral one, unless they
allowed us to say who calls): Twilio rings the operator's phone from the hotline
number, and when the operator answers, ``<Dial callerId=...>`` connects the
caller. Every webhook here is signed by Twilio; the attempt id rides in the URL,
which the signature covers.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest

from callflows.catalogue import catalogue
from callflows.engine import Line
from config import Settings
from config.logs import mask_phone
from ivr.extensions import db_session, hotline, settings
from ivr.twiml import OPERATOR_LANGUAGE, say_lines
from ivr.webhooks import apologise_to_the_operator, hang_up, twilio_blueprint, twiml
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.claims import CallbackAttempt
from models.operator import Operator
from workers.deliveries import Delivery, Outgoing, deliver
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.ivr.bridge")
bp = Blueprint("bridge", __name__, url_prefix="/bridge")
# The screen speaks to the caller's phone, maybe a machine: an apology would name the
# hotline, so a failure there hangs up without a word.
twilio_blueprint(bp, fallback=apologise_to_the_operator, route_fallbacks={"screen": hang_up})

FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
# Twilio's AnsweredBy values for anything but a person (answering-machine detection).
NOT_A_PERSON = {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}


class BridgeError(Exception):
    """A call back could not be started; the message says why, for the operator."""


def start_call(
    session: Session, current: Settings, request_id: int, operator: Operator, caller_first: bool = False
) -> CallbackAttempt:
    """Start a call back on a request ``operator`` holds, within the caller's window.

    Operator first (the default): Twilio rings the operator from the hotline number
    and the answer webhook bridges to the caller. Caller first (``ivr.customer_first``):
    Twilio rings the caller, showing the number they allowed, and their key press
    rings the operator. Either way the attempt is recorded before Twilio is asked,
    and its status callbacks come to ``/bridge/status``.
    """
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
    detail = f"attempt {attempt.id}" + (", caller first" if caller_first else "")
    claims.record(session, item, "call_started", now, operator.id, item.status, detail)
    # Committed before Twilio can call the answer URL, which looks the attempt up.
    session.commit()
    if caller_first:
        to, sender, answer_path = item.phone, shown_number(item, current), "/bridge/customer/answer"
        # No voicemail: the answer webhook hangs up on a machine before a word is said.
        detection = {} if item.leave_voicemail else {"machine_detection": "Enable"}
    else:
        to, sender, answer_path, detection = operator.phone, current.hotline_number, "/bridge/answer", {}
    ring(session, current, attempt, to, sender, answer_path, detection)
    log.info(
        "call back started",
        extra={
            "attempt_id": attempt.id,
            "request_id": item.id,
            "caller_first": caller_first,
            "to": mask_phone(to),
        },
    )
    return attempt


def shown_number(item: CallbackRequest, current: Settings) -> str:
    """The number the caller's phone shows: the neutral one unless they allowed us to say who calls."""
    return current.hotline_number if item.identify else current.neutral_number


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


def ring(
    session: Session,
    current: Settings,
    attempt: CallbackAttempt,
    to: str,
    sender: str,
    answer_path: str,
    detection: dict[str, str],
) -> None:
    """Place a committed call-back attempt's call once (``workers.deliveries``); its SID is marked on the attempt."""
    base = current.public_base_url.rstrip("/")
    query = urlencode({"attempt": attempt.id})
    attempt_id = attempt.id
    call = Outgoing(
        f"callback-attempt:{attempt_id}",
        to,
        sender,
        call={
            **detection,
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
        log.warning("call not started", extra={"attempt_id": attempt_id, "to": mask_phone(to), "code": delivery.code})
        if delivery.code is not None and delivery.code >= 0:
            raise BridgeError("Twilio refused the call; try again in a minute")
        raise BridgeError("the call may have started; wait for it before you try again")


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
