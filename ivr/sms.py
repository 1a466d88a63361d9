"""SMS webhooks: a text arrives, the hotline replies with one short message."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from callflows.catalogue import catalogue
from config.logs import mask_phone
from ivr.signature import form_field, twilio_request

log = logging.getLogger("voice.ivr.sms")
bp = Blueprint("sms", __name__, url_prefix="/sms")


def reply(text: str | None) -> Response:
    """A TwiML messaging answer with one message, or none."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), status=200, mimetype="text/xml")


@bp.post("/incoming")
@twilio_request
def incoming() -> Response:
    """Twilio's Messaging URL: every text gets the help text for now."""
    log.info(
        "sms received",
        extra={"message_sid": request.form.get("MessageSid"), "from": mask_phone(request.form.get("From"))},
    )
    return reply(catalogue().text("en", "sms.help"))


@bp.post("/fallback")
@twilio_request
def fallback() -> Response:
    """Twilio's messaging fallback URL: stay silent rather than send a broken reply."""
    log.error(
        "sms fallback",
        extra={"message_sid": request.form.get("MessageSid"), "error_code": request.form.get("ErrorCode")},
    )
    return reply(None)


@bp.errorhandler(Exception)
def fail_quietly(error: Exception) -> Response | HTTPException:
    """Never a 500 to Twilio: log the cause and answer with an empty ``<Response/>``."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return error
    log.exception("sms webhook failed", extra={"message_sid": form_field("MessageSid")})
    return reply(None)
