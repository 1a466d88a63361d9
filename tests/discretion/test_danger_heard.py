"""Danger said aloud is heard at every menu and question, in each language, and wins over "repeat"."""

from __future__ import annotations

import pytest

from callflows.catalogue import catalogue
from callflows.engine import CallState, Speech, step
from callflows.flows import TREE
from callflows.tree import Ask, Menu
from tests.e2e.conftest import PHRASES, choose, heard
from tests.e2e.test_call_tree import start

SAID = {
    "en": ["I'm in danger", "help", "he hit me again", "Help me please", "he is going to kill me"],
    "es": ["estoy en peligro", "ayuda", "me pegó otra vez", "ayúdeme por favor", "me va a matar"],
    "zh": ["我有危险", "救命", "他又打我了", "救救我", "他要杀我"],
}
NOT_DANGER = {
    "en": ["I am not in danger", "help near you", "repeat", "say that again"],
    "es": ["no estoy en peligro", "otra vez", "repetir"],
    "zh": ["我没有危险", "再说一遍"],
}


# The walk through a real call uses the English and Spanish phrases of tests/e2e; Chinese is held by the
# engine-level test below, at every menu and question.
@pytest.mark.parametrize(("lang", "words"), [(lang, w) for lang, ws in SAID.items() if lang != "zh" for w in ws])
def test_danger_at_the_main_menu_takes_the_danger_path_in_hours(call, lang, words) -> None:
    caller = start(call, lang).say(words)
    assert heard(caller, lang, "danger_notice")
    # Operators answer: straight to the urgent queue.
    assert caller.queue is not None and caller.ended.startswith("enqueued")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_danger_out_of_hours_leads_to_the_national_lines(call, closed_hours, lang) -> None:
    caller = start(call, lang).say(SAID[lang][2])
    said = caller.last_heard()
    assert heard(caller, lang, "danger_notice") and heard(caller, lang, "danger_lines")
    assert said.index(PHRASES[lang]["danger_notice"]) < said.index(PHRASES[lang]["danger_lines"])


@pytest.mark.parametrize("lang", ["en", "es"])
def test_danger_is_heard_in_the_middle_of_a_question(call, lang) -> None:
    caller = choose(start(call, lang), lang, "callback")
    caller = choose(caller, lang, "victim").say(SAID[lang][0])
    assert heard(caller, lang, "danger_notice")


def test_danger_before_a_language_is_chosen_is_heard_in_that_language(call) -> None:
    caller = call().say("me pegó otra vez")
    assert heard(caller, "es", "danger_notice")


def _question_nodes() -> list[str]:
    return sorted(name for name, node in TREE.nodes.items() if isinstance(node, (Menu, Ask)))


@pytest.mark.parametrize("node", _question_nodes())
def test_every_menu_and_question_hears_danger(node: str) -> None:
    for lang in catalogue().codes:
        state = CallState(node=node, lang=lang)
        turn = step(TREE, state, Speech(SAID[lang][2]))
        assert turn.state.node == TREE.danger or (turn.effect and turn.effect.state.node.startswith("callback.danger"))
        assert any(line.key == "triage.call_911" for line in turn.lines)


@pytest.mark.parametrize(("lang", "words"), [(lang, w) for lang, ws in NOT_DANGER.items() for w in ws])
def test_words_that_are_not_danger_are_left_to_the_menu(lang, words) -> None:
    turn = step(TREE, CallState(node="main", lang=lang), Speech(words))
    assert not any(line.key == "triage.call_911" for line in turn.lines)
