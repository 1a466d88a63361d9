"""Customer-first call backs: ring the caller first, connect the operator when the caller presses 1.

The option next to the operator-first bridge (``ivr.bridge``). The caller's
phone shows the hotline number; whoever answers hears one neutral sentence that
names no service and no person (someone else may pick up), and only a key
press connects the operator, who first hears the request's summary (the whisper
on ``<Number url>``, played to the operator before the two are connected).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from callflows.catalogue import catalogue
from callflows.engine import Line
from config import Settings
from config.logs import mask_phone
from ivr.auth import csrf
from ivr.bridge import BridgeError, attempt_from_url, ring
from ivr.extensions import db_session, settings
from ivr.signature import form_field, twilio_request
from ivr.twiml import apology, say_lines
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.claims import CallbackAttempt
from models.live_queue import QueuedCall
from models.operator import Operator

log = logging.getLogger("voice.ivr.customer_first")
bp = Blueprint("customer_first", __name__, url_prefix="/bridge/customer")
ops = Blueprint("ops_customer_first", __name__, url_prefix="/ops/requests")

OPERATOR_LANGUAGE = "en"
ACCEPT_DIGIT = "1"


def start_call(session: Session, current: Settings, request_id: int, operator: Operator) -> CallbackAttempt:
    """Ring the caller of a request ``operator`` holds; their key press connects the operator."""
    item = session.get(CallbackRequest, request_id)
    if item is None or item.status != claims.CLAIMED or item.claimed_by_id != operator.id:
        raise BridgeError("claim the request before calling the caller back")
    if not operator.phone:
        raise BridgeError("your account has no phone number to ring")
    now = utcnow()
    attempt = CallbackAttempt(request_id=item.id, operator_id=operator.id, started_at=now, call_status="queued")
    session.add(attempt)
    session.flush()
    claims.record(session, item, "call_started", now, operator.id, item.status, f"attempt {attempt.id}, caller first")
    session.commit()
    ring(session, current, attempt, item.phone, "/bridge/customer/answer", "caller-first call")
    log.info("caller-first call started", extra={"attempt_id": attempt.id, "caller": mask_phone(item.phone)})
    return attempt


def twiml(response: VoiceResponse) -> Response:
    """A TwiML answer."""
    return Response(str(response), status=200, mimetype="text/xml")


def _request(attempt: CallbackAttempt) -> CallbackRequest:
    item = db_session().get(CallbackRequest, attempt.request_id)
    assert item is not None  # the foreign key guarantees it
    return item


@bp.post("/answer")
@twilio_request
def answer() -> Response:
    """The caller's phone was answered: one neutral sentence, and press 1 to talk."""
    attempt = attempt_from_url()
    lang = catalogue().resolve(_request(attempt).language)
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=8,
        action=f"/bridge/customer/accept?{urlencode({'attempt': attempt.id})}",
        method="POST",
        action_on_empty_result=True,
    )
    say_lines(gather, (Line("customer_first.greeting", lang),), catalogue())
    return twiml(response)


@bp.post("/accept")
@twilio_request
def accept() -> Response:
    """The caller pressed 1: ring the operator, who hears the summary, then connect; anything else ends politely."""
    current = settings()
    attempt = attempt_from_url()
    item = _request(attempt)
    lang = catalogue().resolve(item.language)
    response = VoiceResponse()
    if request.form.get("Digits", "").strip() != ACCEPT_DIGIT:
        attempt.caller_status = "declined"
        db_session().commit()
        say_lines(response, (Line("customer_first.goodbye", lang),), catalogue())
        response.hangup()
        return twiml(response)
    operator = db_session().get(Operator, attempt.operator_id) if attempt.operator_id else None
    if operator is None or not operator.phone:
        say_lines(response, (Line("customer_first.unavailable", lang),), catalogue())
        response.hangup()
        return twiml(response)
    attempt.caller_status = "accepted"
    attempt.call_status = "in-progress"
    db_session().commit()
    say_lines(response, (Line("customer_first.connecting", lang),), catalogue())
    query = urlencode({"attempt": attempt.id})
    dial = response.dial(caller_id=current.hotline_number, action=f"/bridge/dialed?{query}", method="POST", timeout=30)
    dial.number(operator.phone, url=f"/bridge/customer/whisper?{query}", method="POST")
    log.info("caller accepted; ringing the operator", extra={"attempt_id": attempt.id})
    return twiml(response)


@bp.post("/whisper")
@twilio_request
def whisper() -> Response:
    """Played to the operator before the bridge: the request's summary, as the live queue's whisper says it."""
    from ivr.live_queue import triage_keys

    attempt = attempt_from_url()
    item = _request(attempt)
    summary = QueuedCall(language=item.language, caller_type=item.caller_type, need=item.need, urgent=bool(item.urgent))
    lines = [Line("customer_first.whisper", OPERATOR_LANGUAGE, (("request_id", item.id),))]
    lines += [Line(key, OPERATOR_LANGUAGE) for key in triage_keys(summary)]
    response = VoiceResponse()
    say_lines(response, tuple(lines), catalogue())
    return twiml(response)


@bp.errorhandler(Exception)
def fail_calmly(error: Exception) -> Response | HTTPException:
    """Never a 500 to Twilio."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return error
    log.exception("caller-first webhook failed", extra={"call_sid": form_field("CallSid"), "route": request.path})
    return Response(apology(OPERATOR_LANGUAGE, settings().operator_number), status=200, mimetype="text/xml")


@ops.post("/<int:request_id>/call-caller-first")
@login_required
def call_caller_first(request_id: int) -> ResponseReturnValue:
    """The dashboard's "Call the caller first" button."""
    csrf.protect()
    try:
        start_call(db_session(), settings(), request_id, current_user)
    except BridgeError as error:
        db_session().rollback()
        flash(str(error), "error")
    else:
        flash("The caller's phone is ringing; yours rings when they press 1.", "ok")
    return redirect(url_for("ops.detail", request_id=request_id))
