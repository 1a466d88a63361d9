"""The live queue, office side: "Take next caller" on the dashboard and the API, the screen pop.

Pressing "Take next caller" rings the operator's phone (``workers.dialling``);
when they answer, the phone side (``web.phone.live_queue``) whispers the next
caller's triage and connects them. The screen pop shows the same sentences the
operator hears in the whisper.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from marshmallow import fields, validate
from sqlalchemy.orm import Session
from werkzeug.exceptions import Conflict

from callflows.catalogue import OPERATOR_LANGUAGE, catalogue
from models.base import utcnow
from models.call import CallSession
from models.live_queue import QueuedCall
from web.auth import office_pages
from web.context import db_session, settings
from web.office.openapi import Error, Timestamp, api_blueprint
from workers.dialling import LiveQueueError, NobodyWaiting, take_next

ops = Blueprint("ops_live", __name__, url_prefix="/ops/live", template_folder="templates")
office_pages(ops)
REFRESH_SECONDS = 5


def screen_pop(row: QueuedCall, relay: bool = False) -> dict[str, Any]:
    """A queued caller for the dashboard and the API: the stored answers and the same sentences as the whisper."""
    cat = catalogue()
    summary = [cat.text(OPERATOR_LANGUAGE, key, {}) for key in row.triage_keys(relay)]
    return {**row.as_dict(), "relay": relay, "summary": summary}


def screen_pops(session: Session, rows: list[QueuedCall]) -> list[dict[str, Any]]:
    """Screen pops of several queued callers, with the relay calls among them found in one query."""
    relays = CallSession.relay_calls(session, [row.call_sid for row in rows])
    return [screen_pop(row, row.call_sid in relays) for row in rows]


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
