"""Voice webhooks: a call arrives, each answer steps the call tree, Twilio reports status.

Each route reads like a sentence: check the signature, read the state from the
URL, ask the engine, carry out the side effects, render TwiML.
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache

from flask import Blueprint, Response, g, request
from twilio.twiml.voice_response import VoiceResponse

from callflows import engine, hours
from callflows.catalogue import catalogue
from callflows.engine import CLOSED, CallState, Digits, Enter, Event, Line, Outcome, Recorded, Silence, Speech, Turn
from callflows.flows import TREE
from callflows.flows.relay import is_relay_call, relay_start
from callflows.masking import mask_phone
from callflows.phones import to_e164
from callflows.tree import Ask
from config.logs import info_line
from models.base import utcnow
from models.call import FINAL_STATUSES
from web.context import hotline
from web.phone import actions, lookup_step
from web.phone.twiml import render_turn, say_lines
from web.phone.url_state import TamperedState, UrlStateCodec, current_codec
from web.phone.webhooks import (
    apologise,
    call_sid,
    hang_up,
    no_content,
    readable_form,
    twilio_blueprint,
    twilio_recording_url,
    twiml,
)

log = logging.getLogger("voice.web.phone.voice")
bp = Blueprint("voice", __name__, url_prefix="/voice")


def apologise_in_the_calls_language() -> Response:
    """The apology in the language the action URL carries (every language without one)."""
    return apologise(request.args.get("l"))


twilio_blueprint(bp, fallback=apologise_in_the_calls_language, route_fallbacks={"neutral": hang_up})

_KEYS = re.compile(r"[0-9*#]{1,64}")


def event_from_form() -> Event:
    """What the caller did, from a Gather, Record or Enqueue action request."""
    form = request.form
    recording = twilio_recording_url(form.get("RecordingUrl"))
    if recording:
        seconds = form.get("RecordingDuration", "0")
        return Recorded(recording, int(seconds) if seconds.isascii() and seconds.isdigit() else 0)
    if form.get("QueueResult"):
        return Outcome(form["QueueResult"])
    speech = form.get("SpeechResult", "").strip()
    if speech:
        try:
            confidence = float(form["Confidence"]) if form.get("Confidence") else None
        except ValueError:
            confidence = None
        return Speech(speech[:500], confidence)
    digits = form.get("Digits", "").strip()
    if digits:
        # Anything but keypad characters (a malformed or hostile request) counts as invalid input.
        return Digits(digits if _KEYS.fullmatch(digits) else "invalid")
    return Silence()


@lru_cache(maxsize=8192)
def _navigate(state: CallState, event: Event, operator_queue: str, codec: UrlStateCodec) -> tuple[Turn, str | None]:
    # The engine is pure, so a step without a side effect always gives the same
    # TwiML for the same state and input: render it once per process.
    turn = engine.step(TREE, state, event)
    return turn, None if turn.effect else render_turn(turn, operator_queue, codec=codec)


@lru_cache(maxsize=4096)
def _render(turn: Turn, operator_queue: str, codec: UrlStateCodec) -> str:
    # After an effect the turn depends on what the effect found, but the same answer
    # (e.g. the same look-up result) still renders to the same document.
    return render_turn(turn, operator_queue, codec=codec)


def answer(state: CallState, event: Event, sid: str, lean: bool = True) -> str:
    """Step the call, carry out any effects, record the event, and render TwiML.

    The keypad look-up is served by ``web.phone.lookup_step`` (``lean=False`` keeps it on the
    general path: its property test compares the two).
    """
    current = hotline()
    codec = current_codec()
    operator_queue = current.settings.operator_queue_name
    turn, document = _navigate(state, event, operator_queue, codec)
    served: lookup_step.Answered | Outcome | None = None
    if turn.effect is not None:
        caller = to_e164(request.form.get("From"))
        # Straight from the environ: Werkzeug's header lookup raises and catches a KeyError when it is absent.
        token = request.environ.get("HTTP_I_TWILIO_IDEMPOTENCY_TOKEN")
        if lean:
            context = actions.CallContext(
                call_sid=sid, caller=caller, settings=current.settings, now=utcnow(), idempotency_token=token
            )
            served = lookup_step.serve(state, event, turn, context, operator_queue, codec)
            if isinstance(served, Outcome):
                # The look-up was asked; the engine goes on from its outcome (a country to confirm, an error).
                turn, document = engine.resume(TREE, turn, served), None
    if isinstance(served, lookup_step.Answered):
        document, recorded, language = served.document, served.outcome, served.language
    else:
        while turn.effect is not None:
            context = actions.CallContext(
                call_sid=sid, caller=caller, settings=current.settings, now=utcnow(), idempotency_token=token
            )
            outcome = actions.run(turn.effect.name, turn.effect.state, context)
            turn = engine.resume(TREE, turn, outcome)
            document = None
        if document is None:
            document = _render(turn, operator_queue, codec)
        recorded, language = turn.outcome, turn.state.lang
    g.node = state.node
    current.events.record(sid, state.node, input=_loggable_input(state, event), outcome=recorded, language=language)
    return document


def _loggable_input(state: CallState, event: Event) -> str | None:
    node = TREE.nodes.get(state.node)
    if isinstance(event, Digits):
        raw = event.value
    elif isinstance(event, Speech):
        raw = event.text
    elif isinstance(event, Outcome):
        return event.name
    else:
        return None
    if isinstance(node, Ask) and node.sensitive:
        return f"(withheld: {len(raw)} characters)"
    return raw


@lru_cache(maxsize=1)
def _not_available() -> str:
    # One sentence in the first language, naming nobody: the same for every caller, so built once.
    response = VoiceResponse()
    say_lines(response, (Line("neutral.unavailable", catalogue().default),), catalogue())
    response.hangup()
    return str(response)


@bp.post("/neutral")
def neutral() -> Response:
    """The neutral number's Voice URL: whoever calls it back hears that the person is not available, nothing more."""
    call_sid()
    return twiml(_not_available())


@bp.post("/incoming")
def incoming() -> Response:
    """Twilio's Voice URL: a new call hears the welcome and the language menu."""
    sid = call_sid()
    form = request.form
    current = hotline()
    if form.get("To") == current.settings.neutral_number:
        # The neutral number pointed at the hotline's own URL by mistake must still give nothing away.
        return twiml(_not_available())
    relay = is_relay_call(form.get("From"), current.settings.relay_caller_ids)
    current.events.start_call(sid, form.get("From"), form.get("To"), form.get("Direction"), relay=relay)
    state = relay_start() if relay else engine.start(TREE)
    # Whether operators answer now words every menu's "press 0" sentence (a person, or a call back).
    settings = current.settings
    open_now = hours.is_open(utcnow(), settings.business_hours, settings.holidays, settings.tz)
    return twiml(answer(state.with_values({CLOSED: "0" if open_now else "1"}), Enter(), sid))


@bp.post("/step")
def step() -> Response:
    """A Gather, Record or Enqueue action: the caller's answer at the node in the URL."""
    sid = call_sid()
    try:
        state = current_codec().decode(request.args)
    except TamperedState:
        # A changed or foreign action URL: start the call over calmly, never a 500.
        log.warning("action url refused: sealed state does not verify", extra={"call_sid": sid})
        return twiml(answer(engine.start(TREE), Enter(), sid))
    return twiml(answer(state, event_from_form(), sid))


@bp.post("/status")
def status() -> Response:
    """Twilio's status callback: the call's final status and duration."""
    sid = call_sid()
    duration = request.form.get("CallDuration", "")
    call_status = request.form.get("CallStatus", "unknown")[:32]
    events = hotline().events
    events.record_status(sid, call_status, int(duration) if duration.isascii() and duration.isdigit() else None)
    if call_status in FINAL_STATUSES:
        # Written now, not with the next batch: a look-up step replayed after the call ended
        # checks the call's row in its own transaction and must find it ended (once per call).
        events.flush()
    return no_content()


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's fallback URL: the main webhook failed; apologise without touching the database."""
    log.error(
        "voice fallback",
        extra={
            "call_sid": request.form.get("CallSid"),
            "error_code": request.form.get("ErrorCode"),
            "error_url": request.form.get("ErrorUrl"),
        },
    )
    return apologise_in_the_calls_language()


@bp.after_request
def log_request(response: Response) -> Response:
    form = readable_form()
    context = g._get_current_object()  # one context lookup for both reads
    # Timed from the app's first hook (web.metrics), so the signature check counts too.
    started = getattr(context, "metrics_started", None)
    info_line(
        log,
        "voice webhook",
        {
            "route": request.path,
            "call_sid": form.get("CallSid"),
            "node": getattr(context, "node", None),
            "from": mask_phone(form.get("From")),
            "status": response.status_code,
            "ms": 0.0 if started is None else round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response
