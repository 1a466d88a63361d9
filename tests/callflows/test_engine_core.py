"""The engine's own rules, on a small tree and catalogue built here (no server)."""

from __future__ import annotations

import pytest

from callflows.catalogue import Catalogue, Language
from callflows.engine import (
    CallState,
    Digits,
    Enter,
    Hangup,
    Outcome,
    Silence,
    Speech,
    resume,
    step,
)
from callflows.tree import Action, Ask, LanguageMenu, Menu, Option, Reprompt, Say, Tree, TreeError

EN = Language("en", "English", 1, "Polly.Joanna", "en-US", "en-US")
ES = Language("es", "Español", 2, "Polly.Lupe", "es-US", "es-US")
PROMPTS = {
    "hello": "Hello.",
    "language.choose": "For English, press {digit}.",
    "language.words": ["english"],
    "menu.globals": "9 repeats, 0 for an operator.",
    "menu.invalid": "Sorry.",
    "menu.silence": "Nothing heard.",
    "global.repeat.words": ["repeat"],
    "global.operator.words": ["operator"],
    "ask.start_over": "Again.",
    "pick": "Pick.",
    "a": "For apples, press {digit}.",
    "a.words": ["apples"],
    "b": "For bananas, press {digit}.",
    "b.words": ["bananas"],
    "number": "Your number?",
    "readback": "You said {number_groups}.",
    "bye": "Bye.",
    "op": "Operator.",
}
CAT = Catalogue([EN, ES], {"en": PROMPTS, "es": {**PROMPTS, "language.choose": "Para español, oprima {digit}."}})
TREE = Tree.build(
    [
        LanguageMenu("welcome", ("hello",), "pick", Reprompt("menu.invalid", "op"), Reprompt("menu.silence", "op", 2)),
        Menu(
            "pick",
            ("pick",),
            (Option("1", "a", "number", {"fruit": "apple"}), Option("2", "b", "lookup")),
            on_invalid=Reprompt("menu.invalid", "op"),
            on_silence=Reprompt("menu.silence", "op", 2),
        ),
        Ask(
            "number",
            ("number",),
            "a_number",
            "number",
            "readback",
            Reprompt("menu.invalid", "op"),
            Reprompt("menu.silence", "op"),
        ),
        Say("readback", ("readback",), None),
        Action("lookup", "demo.lookup", {"found": "bye", "error": "op"}),
        Say("bye", ("bye",), None),
        Say("op", ("op",), None),
    ],
    entry="welcome",
    operator="op",
)


def keys(turn) -> list[str]:
    return [line.key for line in turn.lines]


def at(node: str, **ctx: str) -> CallState:
    return CallState(node=node, lang="en").with_values(ctx)


def test_language_menu_offers_every_language_in_its_own_language() -> None:
    turn = step(TREE, CallState("welcome"), Enter(), CAT)
    assert [(line.key, line.lang) for line in turn.lines] == [
        ("hello", "en"),
        ("language.choose", "en"),
        ("hello", "es"),
        ("language.choose", "es"),
    ]


@pytest.mark.parametrize(
    ("event", "node", "outcome"),
    [
        (Digits("1"), "number", "option:1"),
        (Speech("Apples, please."), "number", "option:1"),
        (Speech("two"), "lookup", "option:2"),
        (Digits("9"), "pick", "repeat"),
        (Digits("0"), "op", "operator"),
        (Speech("operator"), "op", "operator"),
        (Digits("7"), "pick", "invalid"),
        (Silence(), "pick", "silence"),
    ],
)
def test_menu_answers(event, node: str, outcome: str) -> None:
    turn = step(TREE, at("pick"), event, CAT)
    assert (turn.state.node, turn.outcome) == (node, outcome)


def test_an_option_stores_its_values_in_the_context() -> None:
    assert step(TREE, at("pick"), Digits("1"), CAT).state.get("fruit") == "apple"


def test_reprompts_count_tries_then_give_up_to_the_fallback() -> None:
    turn = step(TREE, at("pick"), Silence(), CAT)
    assert turn.state.tries == 1 and keys(turn)[0] == "menu.silence"
    turn = step(TREE, turn.state, Silence(), CAT)
    assert turn.outcome == "silence:give_up" and turn.state.node == "op"
    assert isinstance(turn.end, Hangup)


def test_a_valid_answer_resets_the_tries() -> None:
    turn = step(TREE, at("pick").at("pick", tries=2), Digits("1"), CAT)
    assert turn.state.tries == 0


def test_ask_parses_keys_and_reads_them_back_in_groups() -> None:
    turn = step(TREE, at("number"), Digits("20134567"), CAT)
    assert turn.state.get("number") == "020134567"
    assert dict(turn.lines[0].params)["number_groups"] == "0 2 0, 1 3 4, 5 6 7"


def test_star_starts_the_entry_over_without_counting_a_try() -> None:
    turn = step(TREE, at("number"), Digits("12*"), CAT)
    assert (turn.state.node, turn.state.tries, keys(turn)[0]) == ("number", 0, "ask.start_over")


def test_action_asks_for_its_effect_and_resumes_with_the_outcome() -> None:
    turn = step(TREE, at("pick"), Digits("2"), CAT)
    assert turn.effect is not None and turn.effect.name == "demo.lookup"
    done = resume(TREE, turn, Outcome.of("found", where="here"), CAT)
    assert keys(done)[-1] == "bye" and done.state.get("where") == "here"


def test_an_unknown_outcome_goes_to_the_actions_error_branch() -> None:
    turn = step(TREE, at("lookup"), Outcome.of("exploded"), CAT)
    assert turn.state.node == "op"


@pytest.mark.parametrize(
    "state", [CallState("no.such.node", "en"), at("readback")], ids=["unknown node", "missing context"]
)
def test_a_stale_url_starts_the_call_over_instead_of_failing(state: CallState) -> None:
    turn = step(TREE, state, Enter(), CAT)
    assert turn.state.node == "welcome" and turn.listen is not None


def test_state_survives_the_round_trip_through_the_url() -> None:
    state = at("pick", phone="+12025550143", zip="10001").at("pick", tries=2)
    assert CallState.from_query(state.to_query()) == state


@pytest.mark.parametrize(
    "nodes",
    [
        [Say("welcome", ("hello",), "nowhere"), Say("op", ("op",), None)],
        [Say("welcome", ("hello",), None), Say("op", ("op",), None), Say("island", ("bye",), None)],
    ],
    ids=["dangling transition", "unreachable node"],
)
def test_a_malformed_tree_does_not_load(nodes) -> None:
    with pytest.raises(TreeError):
        Tree.build(nodes, entry="welcome", operator="op")


def test_a_menu_cannot_take_the_global_digits() -> None:
    bad = Menu(
        "m", ("pick",), (Option("9", "a", "op"),), Reprompt("menu.invalid", "op"), Reprompt("menu.silence", "op")
    )
    with pytest.raises(TreeError, match="9 and 0"):
        Tree.build([Say("welcome", ("hello",), "m"), bad, Say("op", ("op",), None)], entry="welcome", operator="op")
