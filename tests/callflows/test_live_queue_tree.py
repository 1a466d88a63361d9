"""The operator path as data: 0 skips the triage to the queue, danger holds in the urgent queue."""

from __future__ import annotations

import pytest

from callflows.engine import CallState, Digits, JoinQueue, Outcome, Speech, resume, step
from callflows.flows import TREE


def at(node: str, lang: str = "en", **ctx: str) -> CallState:
    return CallState(node=node, lang=lang).with_values(ctx)


@pytest.mark.parametrize("node", ["operator.who", "operator.need", "operator.danger"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_zero_at_an_operator_triage_question_goes_straight_to_the_queue(node: str, lang: str) -> None:
    # The hours are checked once more (they may have ended while the caller answered), then the queue.
    turn = step(TREE, at(node, lang), Digits("0"))
    assert turn.effect is not None and turn.effect.name == "operator.check_hours"
    turn = resume(TREE, turn, Outcome.of("open"))
    assert turn.effect is not None and turn.effect.name == "queue.join"
    joined = resume(TREE, turn, Outcome.of("normal"))
    assert isinstance(joined.end, JoinQueue)


def test_saying_operator_at_a_triage_question_also_goes_to_the_queue() -> None:
    turn = step(TREE, at("operator.who"), Speech("operator"))
    turn = resume(TREE, turn, Outcome.of("open"))
    assert turn.effect is not None and turn.effect.name == "queue.join"


def test_zero_at_an_operator_triage_question_after_hours_ended_offers_the_call_back() -> None:
    turn = resume(TREE, step(TREE, at("operator.who"), Digits("0")), Outcome.of("closed", operator_hours="x"))
    assert turn.state.node == "operator.closed_offer"


def test_zero_at_a_callback_triage_question_still_leads_to_the_operator_path() -> None:
    turn = step(TREE, at("callback.who"), Digits("0"))
    assert turn.effect is not None and turn.effect.name == "operator.check_hours"


def test_a_caller_in_danger_hears_911_then_holds_in_the_urgent_queue() -> None:
    turn = step(TREE, at("operator.danger"), Digits("1"))
    assert turn.state.get("urgent") == "1"
    assert [line.key for line in turn.lines][:1] == ["triage.call_911"]
    joined = resume(TREE, turn, Outcome.of("urgent"))
    assert joined.end == JoinQueue(urgent=True)


def test_zero_at_the_language_menu_reaches_the_operator_path_in_every_language() -> None:
    turn = step(TREE, CallState(node="welcome"), Digits("0"))
    # The promise first, then the hours check that leads to the queue; no language is assumed.
    assert turn.effect is not None and turn.effect.name == "promise.terms"
    assert turn.state.lang is None and turn.state.node == "language.unchosen"


def test_a_caller_who_chose_a_call_back_while_holding_hears_they_keep_their_place_then_the_safety_questions() -> None:
    turn = step(TREE, at("operator.queue"), Outcome.of("leave"))
    assert turn.effect is not None and turn.effect.name == "queue.left"
    values = {"request_id": 7, "callback_number": "+12025550143", "callback_to": "caller", "caller": "+12025550143"}
    done = resume(TREE, turn, Outcome.of("callback", **values))
    keys = [line.key for line in done.lines]
    assert keys.index("queue.kept_place") < keys.index("callback.safe_to_call")
    assert done.state.node == "callback.safe_to_call"


@pytest.mark.parametrize(
    ("state", "key"),
    [
        (at("office.unknown", zip_spoken="0 0 0 0 0"), "2"),
        (at("operator.closed_offer", operator_hours="x"), "2"),
        (at("custody.next"), "2"),
    ],
)
def test_coming_back_to_the_main_menu_says_welcome_back_not_main_menu(state: CallState, key: str) -> None:
    turn = step(TREE, state, Digits(key))
    assert turn.state.node == "main"
    assert [line.key for line in turn.lines][:2] == ["main.welcome_back", "main.intro"]


def test_the_first_main_menu_has_no_welcome_back() -> None:
    turn = step(TREE, CallState(node="welcome"), Digits("1"))
    assert "main.welcome_back" not in [line.key for line in turn.lines]
