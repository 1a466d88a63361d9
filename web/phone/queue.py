"""The live queue's wait message, and the key a holding caller presses to keep their place with a call back.

Twilio fetches the wait document while a caller holds and fetches it again when
it ends. Every announcement says the caller's place (urgent callers are answered
first, so they count for a caller in the normal queue), an honest wait from
recent answers (or "we can't tell"), and the offer: press 1 to keep your place
and get a call back. Twilio's ``waitUrl`` document may hold ``<Gather>`` and
``<Leave>``; the Gather's action answers ``<Leave>`` once the request is stored.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callflows.catalogue import catalogue
from callflows.engine import CallState, Line
from callflows.masking import mask_phone
from callflows.phones import to_e164
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.live_queue import CALLBACK, QueuedCall
from web.context import hotline
from web.phone import actions
from web.phone.twiml import say_lines
from web.phone.webhooks import form_field, twilio_blueprint, twiml

log = logging.getLogger("voice.web.phone.queue")
bp = Blueprint("voice_queue", __name__, url_prefix="/voice")

# Twilio plays the wait document, then requests it again: the Gather's timeout sets how
# often the position is announced (a silent line for longer makes callers think they were cut off).
HOLD_PAUSE_SECONDS = 20
# Positions are announced exactly up to here; beyond, the sentence is the same for everyone.
MAX_ANNOUNCED_POSITION = 100
KEEP_PLACE_DIGIT = "1"


def keep_holding() -> Response:
    """A broken wait message must not drop a caller from the queue: a pause, then Twilio asks again."""
    response = VoiceResponse()
    response.pause(length=HOLD_PAUSE_SECONDS)
    return twiml(response)


twilio_blueprint(bp, fallback=keep_holding)


def _int(name: str) -> int | None:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 9 else None


@lru_cache(maxsize=2048)
def wait_message(
    lang: str | None,
    position: int,
    wait_minutes: int | None = None,
    long_wait: bool = False,
    slow: bool = False,
    relay: bool = False,
) -> str:
    """The wait TwiML for one language, place in line, estimate and patience (built once per combination).

    Without a chosen language it is said in every language. A relay call is not offered the
    call back from here: its caller ID is the relay service's, not the caller's.
    """
    cat = catalogue()
    codes = (lang,) if lang in cat.codes else cat.codes
    lines = []
    for code in codes:
        if position <= 1:
            lines.append(Line("queue.next", code))
        else:
            lines.append(Line("queue.position", code, (("position", position),)))
        if wait_minutes is None:
            lines.append(Line("queue.wait_unknown", code))
        else:
            lines.append(Line("queue.wait_minutes", code, (("wait", wait_minutes),)))
        if long_wait:
            lines.append(Line("queue.long_wait", code))
        if not relay:
            lines.append(Line("queue.keep_place", code, (("digit", KEEP_PLACE_DIGIT),)))
        lines.append(Line("queue.hold", code))
    response = VoiceResponse()
    query = {**({"l": lang} if lang in cat.codes else {}), **({"r": "1"} if relay else {})}
    gather = response.gather(
        input="dtmf",
        num_digits=1,
        timeout=HOLD_PAUSE_SECONDS,
        action="/voice/queue-key" + (f"?{urlencode(query)}" if query else ""),
        method="POST",
    )
    say_lines(gather, tuple(lines), cat, slow)
    return str(response)


def spoken_minutes(wait: timedelta) -> int:
    """A wait rounded up to whole minutes (5-minute steps past ten), never less than one."""
    minutes = wait.total_seconds() / 60
    return max(1, math.ceil(minutes)) if minutes <= 10 else math.ceil(minutes / 5) * 5


@bp.post("/queue-wait")
def queue_wait() -> Response:
    """Announce the caller's place and the wait, offer the call back, then hold (``QueuePosition``, ``QueueTime``)."""
    position = min(_int("QueuePosition") or 1, MAX_ANNOUNCED_POSITION)
    current = hotline()
    wait_minutes = None
    try:
        with current.database.session() as session:
            if request.args.get("q") != "urgent":
                position = min(position + QueuedCall.urgent_waiting(session), MAX_ANNOUNCED_POSITION)
            recent = QueuedCall.recent_wait(session, utcnow())
        wait_minutes = spoken_minutes(recent) if recent is not None else None
    except SQLAlchemyError:
        # Without the database the caller still hears Twilio's place in line and keeps holding.
        log.exception("queue wait estimate failed", extra={"call_sid": form_field("CallSid")})
    long_wait = (_int("QueueTime") or 0) >= current.settings.queue_max_hold_minutes * 60
    # s=1: the caller asked for slower speech (key 8) or is a relay call.
    slow = request.args.get("s") == "1"
    relay = request.args.get("r") == "1"
    return twiml(wait_message(request.args.get("l"), position, wait_minutes, long_wait, slow, relay))


@bp.post("/queue-key")
def queue_key() -> Response:
    """A key pressed while holding: 1 stores a call back that keeps the caller's place, and leaves the queue."""
    cat = catalogue()
    lang = cat.resolve(request.args.get("l"))
    response = VoiceResponse()
    if request.form.get("Digits", "").strip() != KEEP_PLACE_DIGIT or request.args.get("r") == "1":
        # Any other key, or a relay call (never offered the call back here): keep holding.
        return twiml(response)
    sid = form_field("CallSid") or ""
    caller = to_e164(request.form.get("From"))
    outcome = keep_place(sid, caller, lang)
    if outcome is None:
        say_lines(response, (Line("queue.no_callback_number", lang),), cat)
        return twiml(response)
    response.leave()
    return twiml(response)


def keep_place(call_sid: str, caller: str | None, lang: str) -> int | None:
    """Store the call back (with the triage given and the wait so far); the request id, or None without a number.

    The request is made by the call tree's own "callback.create" effect, so it follows
    the same rules as one asked for from the menu; it is then dated from the moment the
    caller joined the queue, which keeps their place in line.
    """
    current = hotline()
    now = utcnow()
    with current.database.session() as session:
        row = session.get(QueuedCall, call_sid)
        if row is not None and row.status == CALLBACK and row.callback_request_id:
            return row.callback_request_id  # a Twilio retry of the same key press
        values: dict[str, str | None] = {"callback_to": "caller", "caller": caller}
        enqueued_at = now
        if row is not None:
            enqueued_at = row.enqueued_at
            values.update(caller_type=row.caller_type, need=row.need, urgent=_flag(row.urgent))
    state = CallState(node="operator.queue", lang=lang).with_values(values)
    context = actions.CallContext(call_sid=call_sid, caller=caller, settings=current.settings, now=now)
    outcome = actions.run("callback.create", state, context)
    request_id = dict(outcome.values).get("request_id", "")
    if outcome.name != "created" or not request_id.isdigit():
        return None
    with current.database.session() as session:
        waited = int((now - enqueued_at).total_seconds() // 60)
        _keep_place(session, int(request_id), enqueued_at, waited)
        QueuedCall.keep_place_with_callback(session, call_sid, int(request_id), now)
    log.info(
        "holding caller chose a call back",
        extra={"call_sid": call_sid, "request_id": request_id, "from": mask_phone(caller), "waited_minutes": waited},
    )
    return int(request_id)


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


def _keep_place(session: Session, request_id: int, enqueued_at: datetime, waited: int) -> None:
    item = session.get(CallbackRequest, request_id)
    if item is None:
        return
    if item.created_at > enqueued_at:
        item.created_at = enqueued_at
    claims.record(session, item, "from_live_queue", utcnow(), None, item.status, f"held {waited} min before asking")
