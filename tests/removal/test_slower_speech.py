"""Key 8 at any menu: slower speech (SSML prosody) and longer waits for the rest of the call."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from cryptography.fernet import Fernet

from callflows import engine
from callflows.catalogue import catalogue
from callflows.engine import CallState, Digits, Enter, Speech
from callflows.flows import TREE
from tests.e2e.conftest import PHRASES, choose
from web.phone.twiml import render_turn
from web.phone.url_state import UrlStateCodec

LANGS = ["en", "es"]


def spoken(turn) -> list[str]:
    return [line.key for line in turn.lines]


def says(document: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(document).iter("Say")]


def test_the_offer_is_never_said_before_the_language_choice() -> None:
    welcome = engine.step(TREE, engine.start(TREE), Enter())
    assert "slower.offer" not in spoken(welcome)


@pytest.mark.parametrize(("digit", "lang"), [("1", "en"), ("2", "es")])
def test_the_offer_is_said_once_right_after_the_language_choice(digit, lang) -> None:
    turn = engine.step(TREE, engine.start(TREE), Digits(digit))
    assert spoken(turn)[0] == "slower.offer" and turn.lines[0].lang == lang
    again = engine.step(TREE, turn.state, Digits("9"))
    assert "slower.offer" not in spoken(again)


@pytest.mark.parametrize("event", [Digits("8"), Speech("slower please"), Speech("más despacio")])
def test_eight_or_asking_for_slower_at_a_menu_slows_the_call_and_waits_longer(event) -> None:
    lang = "es" if "despacio" in getattr(event, "text", "") else "en"
    before = engine.step(TREE, CallState(node="main", lang=lang), Enter())
    turn = engine.step(TREE, CallState(node="main", lang=lang), event)
    assert turn.state.node == "main" and turn.state.slow
    assert spoken(turn)[0] == "slower.on"
    assert turn.listen.timeout == 2 * before.listen.timeout


def test_eight_where_digits_are_entered_is_a_digit() -> None:
    turn = engine.step(TREE, CallState(node="custody.a_number", lang="en"), Digits("8"))
    assert not turn.state.slow and turn.state.node == "custody.a_number"


def test_slow_speech_carries_on_to_the_next_nodes_with_longer_timeouts() -> None:
    slow = CallState(node="main", lang="en").with_values({"slow": "1"})
    turn = engine.step(TREE, slow, Digits("4"))
    assert turn.state.node == "referrals" and turn.state.slow
    assert turn.listen.timeout == 16


def test_slow_turns_render_every_sentence_inside_prosody() -> None:
    slow = CallState(node="main", lang="es").with_values({"slow": "1"})
    codec = UrlStateCodec(Fernet.generate_key())
    document = render_turn(engine.step(TREE, slow, Enter()), "q", codec=codec)
    rate = catalogue().language("es").slow_rate
    for say in says(document):
        [prosody] = list(say)
        assert prosody.tag == "prosody" and prosody.get("rate") == rate and prosody.text
    assert 'timeout="10"' in document
    normal = render_turn(engine.step(TREE, CallState(node="main", lang="es"), Enter()), "q", codec=codec)
    assert "prosody" not in normal


@pytest.mark.parametrize("lang", LANGS)
def test_a_caller_who_presses_8_hears_slower_prompts_for_the_rest_of_the_call(call, lang) -> None:
    caller = call().press(PHRASES[lang]["language"])
    offer = catalogue().text(lang, "slower.offer")
    assert offer in caller.last_heard()
    caller.press("8")
    assert catalogue().text(lang, "slower.on") in caller.last_heard()
    start = len(caller.documents)
    choose(caller, lang, "help_near_you")
    caller.press("77002")
    for document in caller.documents[start:]:
        for say in says(document):
            assert [child.tag for child in say] == ["prosody"], document
    assert caller.transcript.count(offer) == 1
