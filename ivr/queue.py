"""The operator queue's wait message: Twilio fetches it while a caller holds, and loops it."""

from __future__ import annotations

import logging
from functools import lru_cache

from flask import Blueprint, Response, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from callflows.catalogue import catalogue
from callflows.engine import Line
from ivr.signature import form_field, twilio_request
from ivr.twiml import say_lines

log = logging.getLogger("voice.ivr.queue")
bp = Blueprint("voice_queue", __name__, url_prefix="/voice")

# Twilio plays the wait document, then requests it again: the pause sets how often
# the position is announced (a silent line for longer makes callers think they were cut off).
HOLD_PAUSE_SECONDS = 20
# Positions are announced exactly up to here; beyond, the sentence is the same for everyone.
MAX_ANNOUNCED_POSITION = 100


def _twiml(document: str) -> Response:
    return Response(document, status=200, mimetype="text/xml")


@lru_cache(maxsize=512)
def wait_message(lang: str | None, position: int, slow: bool = False) -> str:
    """The wait TwiML for one language and queue position (built once per pair)."""
    cat = catalogue()
    code = cat.resolve(lang)
    lines = [Line("queue.next", code) if position <= 1 else Line("queue.position", code, (("position", position),))]
    lines.append(Line("queue.hold", code))
    response = VoiceResponse()
    say_lines(response, tuple(lines), cat, slow)
    response.pause(length=HOLD_PAUSE_SECONDS)
    return str(response)


@bp.post("/queue-wait")
@twilio_request
def queue_wait() -> Response:
    """Announce the caller's place in the operator queue (``QueuePosition``), then hold."""
    raw = request.form.get("QueuePosition", "")
    position = min(int(raw), MAX_ANNOUNCED_POSITION) if raw.isdigit() else 1
    # s=1: the caller asked for slower speech (key 8) or is a relay call.
    return _twiml(wait_message(request.args.get("l"), position, request.args.get("s") == "1"))


@bp.errorhandler(Exception)
def hold_calmly(error: Exception) -> Response | HTTPException:
    """A broken wait message must not drop a caller from the queue: keep them holding."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return error
    log.exception("queue wait failed", extra={"call_sid": form_field("CallSid")})
    response = VoiceResponse()
    response.pause(length=HOLD_PAUSE_SECONDS)
    return _twiml(str(response))
