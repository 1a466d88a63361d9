"""Turning an engine Turn into TwiML with the twilio library's VoiceResponse."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlencode

# ElementTree's own escaping, so that to_xml writes what tostring writes.
from xml.etree.ElementTree import Element, _escape_attrib, _escape_cdata

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Gather, VoiceResponse

from callflows.catalogue import Catalogue, catalogue
from callflows.engine import CallState, DialOut, Hangup, JoinQueue, Line, Listen, RecordMessage, Turn
from web.phone.url_state import UrlStateCodec, current_codec

STEP_PATH = "/voice/step"
HINT_LIMIT = 500  # Twilio accepts up to 500 hint phrases.


def queue_name(operator_queue: str, urgent: bool) -> str:
    """The Twilio queue a caller holds in: urgency is a second queue, because ``<Enqueue>`` is first-in, first-out."""
    return f"{operator_queue}-urgent" if urgent else operator_queue


DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def to_xml(document: TwiML) -> str:
    """``str(document)`` character for character, without ElementTree's general writer.

    The twilio library builds an element tree and serialises it with ``ElementTree.tostring``,
    whose set-up (namespace scan, writer wrappers, encode and decode) cost about a fifth of a
    navigation step. TwiML has no namespaces, comments or processing instructions, so the
    tree is written directly with ElementTree's own escaping.
    """
    parts = [DECLARATION]
    _write(document.xml(), parts.append)
    # As tostring(encoding="utf-8") writes a character UTF-8 cannot carry (a lone surrogate).
    return "".join(parts).encode("utf-8", "xmlcharrefreplace").decode("utf-8")


def _write(element: Element, write: Callable[[str], object]) -> None:
    write("<" + element.tag)
    for name, value in element.items():
        write(f' {name}="{_escape_attrib(value)}"')
    if element.text or len(element):
        write(">")
        if element.text:
            write(_escape_cdata(element.text))
        for child in element:
            _write(child, write)
        write("</" + element.tag + ">")
    else:
        write(" />")
    if element.tail:
        write(_escape_cdata(element.tail))


def step_url(state: CallState, codec: UrlStateCodec | None = None) -> str:
    """The Gather/Record/Enqueue action URL that carries ``state`` (its context sealed)."""
    return (codec or current_codec()).url(STEP_PATH, state)


def say_lines(target: VoiceResponse | Gather, lines: tuple[Line, ...], cat: Catalogue, slow: bool = False) -> None:
    """Add one ``<Say>`` per line, in the line's language and voice (slower when the caller asked)."""
    for line in lines:
        language = cat.language(line.lang)
        text = cat.text(line.lang, line.key, dict(line.params))
        if slow and language.slow_rate:
            say = target.say(voice=language.voice, language=language.say_language)
            say.prosody(text, rate=language.slow_rate)
        else:
            target.say(text, voice=language.voice, language=language.say_language)


def render_turn(
    turn: Turn, operator_queue: str, cat: Catalogue | None = None, codec: UrlStateCodec | None = None
) -> str:
    """The TwiML document for a turn without a pending effect."""
    return to_xml(turn_response(turn, operator_queue, cat, codec))


def turn_response(
    turn: Turn, operator_queue: str, cat: Catalogue | None = None, codec: UrlStateCodec | None = None
) -> VoiceResponse:
    """The TwiML for a turn without a pending effect, as the twilio library's ``VoiceResponse``."""
    cat = cat or catalogue()
    response = VoiceResponse()
    if turn.listen is not None:
        gather = response.gather(**_gather_attributes(turn.listen, step_url(turn.state, codec)))
        # Prompts sit inside the Gather so a caller can press a key before they end (barge-in).
        say_lines(gather, turn.lines, cat, turn.state.slow)
        return response
    say_lines(response, turn.lines, cat, turn.state.slow)
    lang = cat.resolve(turn.state.lang)
    if isinstance(turn.end, RecordMessage):
        response.record(
            action=step_url(turn.state, codec),
            method="POST",
            max_length=turn.end.max_seconds,
            timeout=5,
            finish_on_key="#",
            play_beep=True,
            recording_status_callback="/voice/recording",
            recording_status_callback_method="POST",
            # Twilio's built-in transcription is English only.
            transcribe=lang == "en",
            transcribe_callback="/voice/transcription" if lang == "en" else None,
        )
    elif isinstance(turn.end, JoinQueue):
        response.enqueue(
            queue_name(operator_queue, turn.end.urgent),
            action=step_url(turn.state, codec),
            method="POST",
            wait_url="/voice/queue-wait?"
            + urlencode(
                {
                    # No language yet (a relay call, or no choice made): the wait message is said in every language.
                    **({"l": lang} if turn.state.lang in cat.codes else {}),
                    "q": "urgent" if turn.end.urgent else "normal",
                    **({"s": "1"} if turn.state.slow else {}),
                    **({"r": "1"} if turn.state.get("relay") == "1" else {}),
                }
            ),
            wait_url_method="POST",
        )
    elif isinstance(turn.end, DialOut):
        # After the transferred call the caller returns to the tree (the action gets DialCallStatus).
        response.dial(turn.end.number, action=step_url(turn.state, codec), method="POST", timeout=30)
    else:
        if not isinstance(turn.end, Hangup):
            raise ValueError(f"turn at {turn.state.node!r} neither listens nor ends")
        response.hangup()
    return response


def _gather_attributes(listen: Listen, action: str) -> dict[str, object]:
    attributes: dict[str, object] = {
        "input": "dtmf speech",
        "action": action,
        "method": "POST",
        "timeout": listen.timeout,
        # Without this a timeout falls through to the next verb; with it, silence
        # comes to the action like any other answer and the engine re-prompts.
        "action_on_empty_result": True,
        "language": listen.speech_language,
    }
    if listen.num_digits:
        attributes["num_digits"] = listen.num_digits
    if listen.finish_on_key:
        attributes["finish_on_key"] = listen.finish_on_key
    if listen.digits_only_speech:
        # speechTimeout="auto" is not allowed with an explicit speechModel.
        attributes["speech_model"] = "numbers_and_commands"
        attributes["speech_timeout"] = 3
        attributes["hints"] = "$OOV_CLASS_DIGIT_SEQUENCE"
    else:
        attributes["speech_timeout"] = "auto"
        if listen.hints:
            attributes["hints"] = ", ".join(dict.fromkeys(listen.hints[:HINT_LIMIT]))
    return attributes


@lru_cache(maxsize=64)
def apology(lang: str | None, operator_number: str) -> str:
    """The calm answer when something broke: apologise, give the operator number, hang up.

    Without a known language (a fallback request) it is said in every language.
    """
    cat = catalogue()
    codes = [cat.resolve(lang)] if lang in cat.codes else list(cat.codes)
    spoken = " ".join(operator_number.removeprefix("+1").removeprefix("+"))
    response = VoiceResponse()
    for code in codes:
        lines = (Line("error.apology", code), Line("error.operator", code, (("number", spoken),)))
        say_lines(response, lines, cat)
    response.hangup()
    return str(response)
