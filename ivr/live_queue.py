"""The live queue, operator side: "Take next caller", the whisper, the connection, the screen pop.

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
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from marshmallow import fields, validate
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import BadRequest, Conflict

from callflows.catalogue import catalogue
from callflows.engine import Line
from config import Settings
from config.logs import mask_phone
from ivr.auth import office_pages
from ivr.extensions import db_session, settings
from ivr.openapi import Error, Timestamp, api_blueprint
from ivr.twiml import OPERATOR_LANGUAGE, queue_name, say_lines
from ivr.webhooks import apologise_to_the_operator, empty_document, form_field, twilio_blueprint, twiml
from models.base import utcnow
from models.call import CallSession
from models.live_queue import QueuedCall
from models.operator import Operator
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.ivr.live_queue")
bp = Blueprint("live", __name__, url_prefix="/live")
# On the caller's leg (``/connected``) an empty document lets the connection go ahead.
twilio_blueprint(bp, fallback=apologise_to_the_operator, route_fallbacks={"connected": empty_document})
ops = Blueprint("ops_live", __name__, url_prefix="/ops/live", template_folder="templates")
office_pages(ops)

# How long the operator's phone waits in <Dial><Queue> for a caller before giving up.
DIAL_TIMEOUT_SECONDS = 30
REFRESH_SECONDS = 5


class LiveQueueError(Exception):
    """The operator's phone could not be rung; the message says why, for the operator."""


class NobodyWaiting(Exception):
    """No caller is holding for an operator."""


def take_next(session: Session, current: Settings, operator: Operator) -> str:
    """Ring ``operator``'s phone from the hotline number; their answer takes the next caller. Returns the CallSid."""
    if not operator.phone:
        raise LiveQueueError("your account has no phone number to ring")
    if not QueuedCall.waiting(session, limit=1):
        raise NobodyWaiting()
    base = current.public_base_url.rstrip("/")
    try:
        call = twilio_client(current).calls.create(
            to=operator.phone,
            from_=current.hotline_number,
            url=f"{base}/live/answer?{urlencode({'operator': operator.id})}",
            method="POST",
        )
    except TwilioException as error:
        log.warning("operator phone not rung", extra={"operator_id": operator.id, "error": str(error)})
        raise LiveQueueError("Twilio refused the call; try again in a minute") from error
    log.info(
        "ringing operator for the next caller", extra={"operator_id": operator.id, "to": mask_phone(operator.phone)}
    )
    return str(call.sid)


# --- what the operator hears and sees --------------------------------------------------


def triage_keys(row: QueuedCall, relay: bool = False) -> list[str]:
    """The catalogue keys that describe a queued caller's triage, in the order the operator hears them.

    A relay (711) call is announced first: the operator must wait for the relay
    operator to type and read, and a relay caller skips the triage questions.
    """
    first = ["whisper.relay"] if relay else []
    if not row.triage_given:
        return [*first, f"live.language.{row.language}", "live.triage_not_given"]
    keys = [
        *first,
        f"live.language.{row.language}",
        f"live.caller_type.{row.caller_type or 'none'}",
        f"live.need.{row.need or 'none'}",
    ]
    keys.append({True: "live.urgent.yes", False: "live.urgent.no", None: "live.urgent.none"}[row.urgent])
    return keys


def screen_pop(row: QueuedCall, relay: bool = False) -> dict[str, Any]:
    """A queued caller for the dashboard and the API: the stored answers and the same sentences as the whisper."""
    cat = catalogue()
    summary = [cat.text(OPERATOR_LANGUAGE, key, {}) for key in triage_keys(row, relay)]
    return {**row.as_dict(), "relay": relay, "summary": summary}


def screen_pops(session: Session, rows: list[QueuedCall]) -> list[dict[str, Any]]:
    """Screen pops of several queued callers, with the relay calls among them found in one query."""
    relays = CallSession.relay_calls(session, [row.call_sid for row in rows])
    return [screen_pop(row, row.call_sid in relays) for row in rows]


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
    lines += [Line(key, OPERATOR_LANGUAGE) for key in triage_keys(row, relay)]
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
    lang = catalogue().resolve(row.language if row else None)
    response = VoiceResponse()
    say_lines(response, (Line("queue.connected", lang),), catalogue())
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


# --- the operator API -----------------------------------------------------------------------

api = api_blueprint("live_api", __name__, "The live queue: callers holding on the phone.")


class OperatorCall(ma.Schema):
    """The call ringing the operator's phone."""

    operator_call_sid = fields.String()


class LiveCall(ma.Schema):
    """A caller holding or connected; null triage answers were not given."""

    call_sid = fields.String()
    language = fields.String()
    caller_type = fields.String(allow_none=True)
    need = fields.String(allow_none=True)
    urgent = fields.Boolean(allow_none=True)
    triage_given = fields.Boolean()
    queue = fields.String(validate=validate.OneOf(["urgent", "normal"]))
    status = fields.String()
    enqueued_at = Timestamp(allow_none=True)
    operator_id = fields.Integer(allow_none=True)
    connected_at = Timestamp(allow_none=True)
    callback_request_id = fields.Integer(allow_none=True)
    relay = fields.Boolean(metadata={"description": "a relay (711) call: wait for the relay operator"})
    summary = fields.List(fields.String(), metadata={"description": "what the operator hears in the whisper"})


class LiveCallList(ma.Schema):
    """Callers holding, in the order they will be answered."""

    calls = fields.List(fields.Nested(LiveCall))


@api.route("/live/take-next", methods=["POST"])
@api.doc(operationId="takeNextCaller")
@api.response(201, OperatorCall)
@api.alt_response(204, description="nobody is holding")
@api.alt_response(409, schema=Error, description="the operator's phone could not be rung")
def api_take_next() -> Any:
    """Ring my phone and connect me with the next caller holding (urgent first); 204 when nobody holds."""
    try:
        sid = take_next(db_session(), settings(), g.operator)
    except NobodyWaiting:
        return Response(status=204)
    except LiveQueueError as error:
        raise Conflict(str(error)) from None
    return {"operator_call_sid": sid}


@api.route("/live/current")
@api.doc(operationId="currentCaller")
@api.response(200, LiveCall)
@api.alt_response(204, description="no caller is connected to me")
def api_current() -> Any:
    """The caller I am connected to or about to be (screen pop); 204 when none."""
    session = db_session()
    row = QueuedCall.current_for(session, g.operator.id, utcnow())
    if row is None:
        return Response(status=204)
    [pop] = screen_pops(session, [row])
    return pop


@api.route("/live/waiting")
@api.doc(operationId="waitingCallers")
@api.response(200, LiveCallList)
def api_waiting() -> dict[str, Any]:
    """Callers holding for an operator, in the order they will be answered, with their triage."""
    session = db_session()
    return {"calls": screen_pops(session, QueuedCall.waiting(session))}


# --- the dashboard ------------------------------------------------------------------------


def _panel_context() -> dict[str, Any]:
    session = db_session()
    current = QueuedCall.current_for(session, current_user.id, utcnow())
    return {
        "current": screen_pops(session, [current])[0] if current else None,
        "waiting": screen_pops(session, QueuedCall.waiting(session)),
    }


@ops.get("/")
@login_required
def page() -> ResponseReturnValue:
    """The live queue: "Take next caller", the caller on my line (screen pop), and who is holding."""
    return render_template("ops/live.html", refresh=REFRESH_SECONDS, **_panel_context())


@ops.get("/panel")
@login_required
def panel() -> ResponseReturnValue:
    """The screen pop and the holding list, refreshed by the page."""
    return render_template("ops/_live_panel.html", **_panel_context())


@ops.post("/take-next")
@login_required
def take_next_caller() -> ResponseReturnValue:
    """Ring my phone for the next caller."""
    try:
        take_next(db_session(), settings(), current_user)
    except NobodyWaiting:
        flash("Nobody is holding right now.", "ok")
    except LiveQueueError as error:
        flash(f"Could not ring your phone: {error}.", "error")
    else:
        flash("Your phone is ringing. Answer it to hear the next caller.", "ok")
    return redirect(url_for("ops_live.page"))
