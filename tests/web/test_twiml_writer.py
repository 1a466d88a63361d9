"""The direct TwiML writer says exactly what the twilio library's own serialiser says."""

from __future__ import annotations

from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from callflows import engine
from callflows.catalogue import catalogue
from callflows.engine import CallState, Digits, Enter, Silence
from callflows.flows import TREE
from web.phone.twiml import to_xml, turn_response
from web.phone.url_state import UrlStateCodec

CODEC = UrlStateCodec(Fernet.generate_key())
TEXT = st.text(st.characters(blacklist_categories=("Cc",)) | st.sampled_from("&<>\"'\n\r\t"), max_size=40)


@st.composite
def documents(draw) -> VoiceResponse:
    response = VoiceResponse()
    for _ in range(draw(st.integers(0, 4))):
        verb = draw(st.sampled_from(["gather", "say", "prosody", "hangup", "enqueue", "dial", "record", "redirect"]))
        if verb == "gather":
            gather = response.gather(
                action=draw(TEXT), input="dtmf speech", timeout=draw(st.integers(1, 20)), hints=draw(TEXT),
                action_on_empty_result=draw(st.booleans()),
            )  # fmt: skip
            for _ in range(draw(st.integers(0, 3))):
                gather.say(draw(TEXT), voice="Polly.Joanna", language=draw(TEXT))
        elif verb == "say":
            response.say(draw(TEXT), voice=draw(TEXT))
        elif verb == "prosody":
            response.say(voice="Polly.Lupe").prosody(draw(TEXT), rate="85%")
        elif verb == "hangup":
            response.hangup()
        elif verb == "enqueue":
            response.enqueue(draw(TEXT), action=draw(TEXT), wait_url=draw(TEXT))
        elif verb == "dial":
            response.dial(draw(TEXT), action=draw(TEXT), timeout=30)
        elif verb == "record":
            response.record(action=draw(TEXT), play_beep=True, transcribe=draw(st.booleans()))
        else:
            response.redirect(draw(TEXT))
    return response


@settings(max_examples=300, deadline=None)
@given(documents())
def test_any_document_is_written_as_the_library_writes_it(document: VoiceResponse) -> None:
    assert to_xml(document) == str(document)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=3))
def test_any_text_reply_is_written_as_the_library_writes_it(bodies: list[str]) -> None:
    response = MessagingResponse()
    for body in bodies:
        response.message(body)
    assert to_xml(response) == str(response)


def test_a_lone_surrogate_is_written_as_a_character_reference_as_the_library_does() -> None:
    response = VoiceResponse()
    response.say("a\ud800b")
    assert to_xml(response) == str(response)


def test_every_node_of_the_tree_renders_as_before_in_every_language() -> None:
    cat = catalogue()
    values = {"a_number": "201345678", "callback": "+13125550177", "zip": "20500", "slow": "1"}
    checked = 0
    for node in TREE.nodes:
        for lang in cat.codes:
            for state in (CallState(node, lang), CallState(node, lang).with_values(values)):
                for event in (Enter(), Silence(), Digits("1"), Digits("9")):
                    turn = engine.step(TREE, state, event)
                    if turn.effect is not None:
                        continue
                    response = turn_response(turn, "q", codec=CODEC)
                    assert to_xml(response) == str(response)
                    checked += 1
    assert checked > 100
