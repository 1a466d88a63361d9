"""Twilio's recording and transcription callbacks: attach the message to the call's callback request.

Both arrive after the caller has moved on, possibly more than once: attaching
is an update to the same values, so a repeat changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from ivr.extensions import hotline
from ivr.signature import form_field, twilio_request
from ivr.voice import call_sid
from models.base import utcnow
from models.callback import CallbackRequest

log = logging.getLogger("voice.ivr.recordings")
bp = Blueprint("voice_recordings", __name__, url_prefix="/voice")

MAX_TRANSCRIPTION_CHARS = 10_000


@bp.post("/recording")
@twilio_request
def recording() -> Response:
    """``recordingStatusCallback``: a finished recording's URL and length."""
    sid = call_sid()
    form = request.form
    if form.get("RecordingStatus", "completed") != "completed" or not form.get("RecordingUrl"):
        log.warning("recording not usable", extra={"call_sid": sid, "status": form.get("RecordingStatus")})
        return Response(status=204)
    duration = form.get("RecordingDuration", "")
    with hotline().database.session() as session:
        attached = CallbackRequest.attach_recording(
            session, sid, form["RecordingUrl"], int(duration) if duration.isdigit() else None, utcnow()
        )
    log.info("recording callback", extra={"call_sid": sid, "attached": attached})
    return Response(status=204)


@bp.post("/transcription")
@twilio_request
def transcription() -> Response:
    """``transcribeCallback``: the text of an English voice message."""
    sid = call_sid()
    form = request.form
    text = form.get("TranscriptionText", "").strip()
    if form.get("TranscriptionStatus", "completed") != "completed" or not text:
        log.warning("transcription not usable", extra={"call_sid": sid, "status": form.get("TranscriptionStatus")})
        return Response(status=204)
    with hotline().database.session() as session:
        attached = CallbackRequest.attach_transcription(session, sid, text[:MAX_TRANSCRIPTION_CHARS], utcnow())
    log.info("transcription callback", extra={"call_sid": sid, "attached": attached})
    return Response(status=204)


@bp.errorhandler(Exception)
def log_failure(error: Exception) -> Response | HTTPException:
    """The caller is not on these requests: log the cause and answer Twilio with an empty 204."""
    if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
        return error
    log.exception("recording callback failed", extra={"call_sid": form_field("CallSid"), "route": request.path})
    return Response(status=204)
