"""Texting with a specialist: free text opens or continues a conversation; operators claim, reply and close.

Replies go back only to the number that wrote (its own caller ID,
docs/decisions/who-may-be-called-or-texted.md), from the hotline number through Twilio's REST API,
and never to a number that sent STOP. Each reply is written as "sending" with its
intent before Twilio is asked and marked after (``workers.deliveries``), so a
crash in between is visible, not silent, and never sends it twice.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from marshmallow import fields, validate
from sqlalchemy.orm import Session
from werkzeug.exceptions import Conflict

from callflows.masking import mask_phone
from config import Settings
from models.base import utcnow
from models.conversation import (
    MAX_BODY,
    OUTBOUND,
    Conversation,
    ConversationError,
    ConversationMessage,
)
from models.texting import SmsConsent
from web.auth import office_pages
from web.context import db_session, hotline, settings
from web.office.openapi import Error, Input, Timestamp, api_blueprint, id_parameter
from workers.deliveries import Delivery, Outgoing, deliver
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.web.office.conversations")
ops = Blueprint("ops_texts", __name__, url_prefix="/ops/texts", template_folder="templates")
office_pages(ops)


# --- the operators' side ---------------------------------------------------------------


def clean_body(raw: object) -> str:
    """An operator's reply as it may be sent; ConversationError when it cannot."""
    body = str(raw or "").strip()
    if not body:
        raise ConversationError("write a reply first")
    if "\x00" in body:
        raise ConversationError("the reply contains a character that cannot be sent")
    if len(body) > MAX_BODY:
        raise ConversationError(f"a reply can be at most {MAX_BODY} characters")
    return body


def send_reply(
    session: Session, current: Settings, conversation_id: int, operator_id: int, raw: object
) -> ConversationMessage:
    """Text the operator's reply to the texter from the hotline number (only a conversation they hold)."""
    body = clean_body(raw)
    conversation = Conversation.held(session, conversation_id, operator_id)
    if SmsConsent.is_opted_out(session, conversation.phone):
        raise ConversationError("the texter sent STOP: they get no more texts")
    message = ConversationMessage(
        conversation_id=conversation.id, direction=OUTBOUND, body=body, operator_id=operator_id, status="sending",
        at=utcnow(),
    )  # fmt: skip
    session.add(message)
    session.commit()
    message_id = message.id
    text = Outgoing(f"conversation-reply:{message_id}", conversation.phone, current.hotline_number, body)

    def mark(marking: Session, results: list[Delivery]) -> None:
        (delivery,) = results
        row = marking.get(ConversationMessage, message_id)
        if delivery.sid is not None:
            row.message_sid, row.status = delivery.sid, "sent"
        elif delivery.code is not None and delivery.code >= 0:
            row.status = "failed"

    (delivery,) = deliver(hotline().database, twilio_client(current), [text], mark=mark)
    session.refresh(message)
    if delivery.sid is None:
        log.warning("reply not sent", extra={"conversation_id": conversation_id, "code": delivery.code})
        if delivery.code is not None and delivery.code >= 0:
            raise ConversationError("Twilio refused the text; try again in a minute")
        # The connection broke: the reply stays "sending" until someone checks it went out.
        raise ConversationError("the text may not have gone out; look before you send it again")
    log.info(
        "reply sent",
        extra={"conversation_id": conversation_id, "operator_id": operator_id, "to": mask_phone(conversation.phone)},
    )
    return message


def shown(conversation: Conversation, viewer_id: int) -> dict[str, Any]:
    """A conversation as one operator may see it: the full number only for the one who holds it."""
    data = conversation.as_dict()
    if not (conversation.status == "claimed" and conversation.claimed_by_id == viewer_id):
        data["phone"] = mask_phone(conversation.phone)
    return data


def thread(session: Session, conversation: Conversation, viewer_id: int) -> dict[str, Any]:
    """A conversation with its messages."""
    return {**shown(conversation, viewer_id), "messages": [m.as_dict() for m in conversation.messages(session)]}


def _conversation_or_404(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id) if 0 < conversation_id < 2**31 else None
    if conversation is None:
        abort(404, "no such conversation")
    return conversation


# --- the operator API -----------------------------------------------------------------------

api = api_blueprint("texts_api", __name__, "Texting with a specialist: conversations and replies.")
CONVERSATION_ID = [id_parameter("conversation_id")]


class ConversationSchema(ma.Schema):
    """A text conversation; ``phone`` is in full only for the operator who holds it."""

    id = fields.Integer()
    phone = fields.String(metadata={"description": "E.164 for the holder, else its last four digits"})
    language = fields.String()
    status = fields.String(validate=validate.OneOf(["open", "claimed", "closed"]))
    callback_request_id = fields.Integer(allow_none=True)
    claimed_by_id = fields.Integer(allow_none=True)
    created_at = Timestamp()
    last_message_at = Timestamp(allow_none=True)
    closed_at = Timestamp(allow_none=True)
    closed_by = fields.String(allow_none=True, validate=validate.OneOf(["operator", "stop"]))


class ConversationMessageSchema(ma.Schema):
    """One text in a conversation."""

    id = fields.Integer()
    direction = fields.String(validate=validate.OneOf(["in", "out"]))
    body = fields.String()
    operator_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(["received", "sending", "sent", "failed"]))
    at = Timestamp()


class ConversationThread(ConversationSchema):
    """A conversation with its messages."""

    messages = fields.List(fields.Nested(ConversationMessageSchema))


class ConversationList(ma.Schema):
    """Open and claimed conversations."""

    conversations = fields.List(fields.Nested(ConversationSchema))


class Reply(Input):
    """An operator's reply to the texter (a blank or too long reply is refused by the conversation: 409)."""

    text = fields.String(required=True, metadata={"maxLength": MAX_BODY})


@api.route("/conversations")
@api.doc(operationId="listConversations")
@api.response(200, ConversationList)
def api_list() -> dict[str, Any]:
    """Open and claimed text conversations, the longest-waiting open ones first."""
    return {"conversations": [shown(c, g.operator.id) for c in Conversation.waiting(db_session())]}


@api.route("/conversations/claim-next", methods=["POST"])
@api.doc(operationId="claimNextConversation")
@api.response(200, ConversationThread)
@api.alt_response(204, description="no conversation is open")
def api_claim_next() -> Any:
    """Claim the open conversation that has waited longest; 204 when none is open."""
    session = db_session()
    conversation = Conversation.claim_next(session, g.operator.id, utcnow())
    session.commit()
    if conversation is None:
        return Response(status=204)
    return thread(session, conversation, g.operator.id)


@api.route("/conversations/<int:conversation_id>", parameters=CONVERSATION_ID)
@api.doc(operationId="getConversation")
@api.response(200, ConversationThread)
@api.alt_response(404, schema=Error, description="no such conversation")
def api_show(conversation_id: int) -> dict[str, Any]:
    """One conversation with its messages."""
    session = db_session()
    return thread(session, _conversation_or_404(session, conversation_id), g.operator.id)


@api.route("/conversations/<int:conversation_id>/reply", methods=["POST"], parameters=CONVERSATION_ID)
@api.doc(operationId="replyToConversation")
@api.arguments(Reply)
@api.response(201, ConversationMessageSchema)
@api.alt_response(404, schema=Error, description="no such conversation")
@api.alt_response(409, schema=Error, description="not my conversation, the texter sent STOP, or Twilio refused")
def api_reply(data: dict[str, Any], conversation_id: int) -> dict[str, Any]:
    """Text a reply to the texter (the conversation must be mine)."""
    try:
        message = send_reply(db_session(), settings(), conversation_id, g.operator.id, data["text"])
    except ConversationError as error:
        db_session().rollback()
        raise Conflict(str(error)) from None
    return message.as_dict()


@api.route("/conversations/<int:conversation_id>/close", methods=["POST"], parameters=CONVERSATION_ID)
@api.doc(operationId="closeConversation")
@api.response(200, ConversationSchema)
@api.alt_response(404, schema=Error, description="no such conversation")
@api.alt_response(409, schema=Error, description="not my conversation")
def api_close(conversation_id: int) -> dict[str, Any]:
    """Close my conversation."""
    session = db_session()
    try:
        conversation = Conversation.held(session, conversation_id, g.operator.id)
    except ConversationError as error:
        session.rollback()
        raise Conflict(str(error)) from None
    conversation.close(utcnow())
    session.commit()
    return conversation.as_dict()


# --- the dashboard ------------------------------------------------------------------------


@ops.get("/")
@login_required
def inbox() -> ResponseReturnValue:
    """Text conversations waiting for a specialist, and "Claim next"."""
    return render_template("ops/texts.html", conversations=Conversation.waiting(db_session()))


@ops.post("/claim")
@login_required
def claim() -> ResponseReturnValue:
    """Claim the conversation that has waited longest and open it."""
    session = db_session()
    conversation = Conversation.claim_next(session, current_user.id, utcnow())
    session.commit()
    if conversation is None:
        flash("No text is waiting.", "ok")
        return redirect(url_for("ops_texts.inbox"))
    return redirect(url_for("ops_texts.show", conversation_id=conversation.id))


@ops.get("/<int:conversation_id>")
@login_required
def show(conversation_id: int) -> ResponseReturnValue:
    """One conversation: the thread, a reply box and "Close" for the operator who holds it."""
    session = db_session()
    conversation = _conversation_or_404(session, conversation_id)
    mine = conversation.status == "claimed" and conversation.claimed_by_id == current_user.id
    return render_template(
        "ops/text_thread.html", conversation=conversation, messages=conversation.messages(session), mine=mine
    )


@ops.post("/<int:conversation_id>/reply")
@login_required
def reply(conversation_id: int) -> ResponseReturnValue:
    """Send the reply typed on the dashboard."""
    try:
        send_reply(db_session(), settings(), conversation_id, current_user.id, request.form.get("text"))
    except ConversationError as error:
        db_session().rollback()
        flash(f"Not sent: {error}.", "error")
    else:
        flash("Reply sent.", "ok")
    return redirect(url_for("ops_texts.show", conversation_id=conversation_id))


@ops.post("/<int:conversation_id>/close")
@login_required
def close(conversation_id: int) -> ResponseReturnValue:
    """Close the conversation."""
    session = db_session()
    try:
        Conversation.held(session, conversation_id, current_user.id).close(utcnow())
    except ConversationError as error:
        session.rollback()
        flash(f"Not closed: {error}.", "error")
        return redirect(url_for("ops_texts.show", conversation_id=conversation_id))
    session.commit()
    flash("Conversation closed.", "ok")
    return redirect(url_for("ops_texts.inbox"))
