"""The live queue, phone side: the operator's phone answers, hears the whisper and is connected.

An operator on duty presses "Take next caller" (dashboard or API): the hotline
rings the operator's phone from the hotline number (Twilio REST). When they
answer, the next caller is marked as theirs (urgent queue first, then the
normal one), the operator hears that caller's triage (the whisper), and
``<Dial><Queue>`` connects them. Twilio's queues are first-in, first-out, so the
head of the chosen queue is the caller marked; the ``<Queue url>`` request,
made on the caller's leg as they are dequeued, names the caller Twilio really
connected, and that is what the dashboard shows.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest

from callflows.catalogue import OPERATOR_LANGUAGE, catalogue
from callflows.engine import Line
from models.base import utcnow
from models.call import CallSession
from models.live_queue import QueuedCall
from models.operator import Operator
from web.context import db_session, settings
from web.phone.twiml import queue_name, say_lines
from web.phone.webhooks import apologise_to_the_operator, empty_document, form_field, twilio_blueprint, twiml

log = logging.getLogger("voice.web.phone.live_queue")
bp = Blueprint("live", __name__, url_prefix="/live")
# On the caller's leg (``/connected``) an empty document lets the connection go ahead.
twilio_blueprint(bp, fallback=apologise_to_the_operator, route_fallbacks={"connected": empty_document})

# How long the operator's phone waits in <Dial><Queue> for a caller before giving up.
DIAL_TIMEOUT_SECONDS = 30


# --- what the operator hears and sees --------------------------------------------------


def operator_from_url() -> Operator:
    """The operator named in the (signed) webhook URL."""
    raw = request.args.get("operator", "")
    operator = db_session().get(Operator, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if operator is None:
        raise BadRequest("unknown operator")
    return operator


@bp.post("/answer")
def answer() -> Response:
    """The operator picked up: whisper the next caller's triage, then connect them from the queue."""
    current = settings()
    operator = operator_from_url()
    session = db_session()
    row = QueuedCall.offer_next(session, operator.id, utcnow())
    session.commit()
    response = VoiceResponse()
    cat = catalogue()
    if row is None:
        say_lines(response, (Line("live.nobody_waiting", OPERATOR_LANGUAGE),), cat)
        response.hangup()
        return twiml(response)
    relay = CallSession.is_relay(session, row.call_sid)
    lines = [Line("live.whisper_intro", OPERATOR_LANGUAGE)]
    lines += [Line(key, OPERATOR_LANGUAGE) for key in row.triage_keys(relay)]
    say_lines(response, tuple(lines), cat)
    dial = response.dial(
        action=f"/live/dialed?{urlencode({'operator': operator.id, 'call': row.call_sid})}",
        method="POST",
        timeout=DIAL_TIMEOUT_SECONDS,
    )
    dial.queue(
        queue_name(current.operator_queue_name, row.queue == "urgent"),
        url=f"/live/connected?{urlencode({'operator': operator.id})}",
        method="POST",
    )
    log.info("whispered the next caller", extra={"operator_id": operator.id, "call_sid": row.call_sid, "relay": relay})
    return twiml(response)


@bp.post("/connected")
def connected() -> Response:
    """Twilio dequeued a caller for the operator (``<Queue url>``, said on the caller's leg): record who, greet them."""
    operator = operator_from_url()
    session = db_session()
    sid = (form_field("CallSid") or "")[:64]
    row = QueuedCall.connect(session, sid, operator.id, (form_field("DequeingCallSid") or "")[:64] or None, utcnow())
    session.commit()
    cat = catalogue()
    # A caller who chose no language (a relay call, silence at the menu) is greeted in every language.
    codes = (row.language,) if row is not None and row.language in cat.codes else cat.codes
    response = VoiceResponse()
    say_lines(response, tuple(Line("queue.connected", code) for code in codes), cat)
    log.info("caller connected to operator", extra={"operator_id": operator.id, "call_sid": sid})
    return twiml(response)


@bp.post("/dialed")
def dialed() -> Response:
    """The operator's ``<Dial>`` ended: a caller marked for them but never connected keeps their place."""
    operator = operator_from_url()
    session = db_session()
    QueuedCall.give_back(session, request.args.get("call", "")[:64], operator.id)
    session.commit()
    response = VoiceResponse()
    response.hangup()
    return twiml(response)
