"""Twilio's recording and transcription callbacks: attach the message to the call's callback request.

Both arrive after the caller has moved on, possibly more than once: attaching
is an update to the same values, so a repeat changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from models.base import utcnow
from models.callback import CallbackRequest
from web.context import hotline
from web.phone.webhooks import call_sid, no_content, twilio_blueprint, twilio_recording_url

log = logging.getLogger("voice.web.phone.recordings")
bp = Blueprint("voice_recordings", __name__, url_prefix="/voice")
# The caller is not on these requests: a failure is logged and Twilio gets an empty 204.
twilio_blueprint(bp, fallback=no_content)

MAX_TRANSCRIPTION_CHARS = 10_000


@bp.post("/recording")
def recording() -> Response:
    """``recordingStatusCallback``: a finished recording's URL and length."""
    sid = call_sid()
    form = request.form
    url = twilio_recording_url(form.get("RecordingUrl"))
    if form.get("RecordingStatus", "completed") != "completed" or url is None:
        log.warning(
            "recording not usable",
            extra={"call_sid": sid, "status": form.get("RecordingStatus"), "twilio_host": url is not None},
        )
        return no_content()
    duration = form.get("RecordingDuration", "")
    with hotline().database.session() as session:
        attached = CallbackRequest.attach_recording(
            session, sid, url, int(duration) if duration.isdigit() else None, utcnow()
        )
    log.info("recording callback", extra={"call_sid": sid, "attached": attached})
    return no_content()


@bp.post("/transcription")
def transcription() -> Response:
    """``transcribeCallback``: the text of an English voice message."""
    sid = call_sid()
    form = request.form
    text = form.get("TranscriptionText", "").strip()
    if form.get("TranscriptionStatus", "completed") != "completed" or not text:
        log.warning("transcription not usable", extra={"call_sid": sid, "status": form.get("TranscriptionStatus")})
        return no_content()
    with hotline().database.session() as session:
        attached = CallbackRequest.attach_transcription(session, sid, text[:MAX_TRANSCRIPTION_CHARS], utcnow())
    log.info("transcription callback", extra={"call_sid": sid, "attached": attached})
    return no_content()
