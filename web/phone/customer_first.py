"""Customer-first call backs: ring the caller first, connect the operator when the caller presses 1.

The option next to the operator-first bridge (``web.phone.bridge``), which also starts
the call. The caller's phone shows the hotline number, or the neutral one unless
they allowed us to say who calls; a machine is hung up on when they want no
voicemail; whoever answers hears one neutral sentence that names no service and
no person (someone else may pick up), and only a key press connects the
operator, who first hears the request's summary (the whisper on ``<Number
url>``, played to the operator before the two are connected).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse

from callflows.catalogue import OPERATOR_LANGUAGE, catalogue
from callflows.engine import Line
from models.live_queue import QueuedCall
from models.operator import Operator
from web.context import db_session, settings
from web.phone.bridge import attempt_from_url, hung_up_on_a_machine, request_of
from web.phone.twiml import say_lines
from web.phone.webhooks import apologise_to_the_operator, hang_up, twilio_blueprint, twiml

log = logging.getLogger("voice.web.phone.customer_first")
bp = Blueprint("customer_first", __name__, url_prefix="/bridge/customer")
# Whoever answers the caller's phone may not be the caller: an apology there would name the
# hotline, so a failure on the answer hangs up without a word, as the operator-first screen does.
twilio_blueprint(bp, fallback=apologise_to_the_operator, route_fallbacks={"answer": hang_up})

ACCEPT_DIGIT = "1"


@bp.post("/answer")
def answer() -> Response:
    """The caller's phone was answered: one neutral sentence, and press 1 to talk (a machine: hang up)."""
    attempt = attempt_from_url()
    lang = catalogue().resolve(request_of(attempt).language)
    response = VoiceResponse()
    if hung_up_on_a_machine(attempt, response):
        return twiml(response)
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
def accept() -> Response:
    """The caller pressed 1: ring the operator, who hears the summary, then connect; anything else ends politely."""
    current = settings()
    attempt = attempt_from_url()
    item = request_of(attempt)
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
def whisper() -> Response:
    """Played to the operator before the bridge: the request's summary, as the live queue's whisper says it."""
    attempt = attempt_from_url()
    item = request_of(attempt)
    summary = QueuedCall(language=item.language, caller_type=item.caller_type, need=item.need, urgent=bool(item.urgent))
    lines = [Line("customer_first.whisper", OPERATOR_LANGUAGE, (("request_id", item.id),))]
    lines += [Line(key, OPERATOR_LANGUAGE) for key in summary.triage_keys()]
    response = VoiceResponse()
    say_lines(response, tuple(lines), catalogue())
    return twiml(response)
