"""The engine over the hotline's real tree, without a server: tables of state + event → where the call goes."""

from __future__ import annotations

import pytest

from callflows.engine import (
    CallState,
    Digits,
    Effect,
    Enter,
    JoinQueue,
    Outcome,
    Recorded,
    RecordMessage,
    Silence,
    Speech,
    Turn,
    resume,
    step,
)
from callflows.flows import TREE
from callflows.tree import Action, Menu


def at(node: str, lang: str = "en", tries: int = 0, **ctx: str) -> CallState:
    return CallState(node=node, lang=lang, tries=tries, ctx=tuple(sorted(ctx.items())))


def where(turn: Turn) -> str:
    """Where a turn leaves the call: the node it waits at, or its effect."""
    if turn.effect is not None:
        return f"effect:{turn.effect.name}"
    return turn.state.node


@pytest.mark.parametrize(
    ("state", "event", "goes_to"),
    [
        # the main menu, keys and speech, both languages
        (at("main"), Digits("2"), "callback.who"),
        (at("main"), Digits("3"), "removal.custody"),
        (at("main"), Digits("4"), "referrals"),
        (at("main"), Digits("0"), "effect:operator.check_hours"),
        (at("main"), Digits("9"), "main"),
        (at("main"), Speech("call me back please"), "callback.who"),
        (at("main", "es"), Speech("que me llamen"), "callback.who"),
        (at("main", "es"), Speech("dos"), "callback.who"),
        (at("main"), Speech("help near me"), "referrals"),
        (at("main", "es"), Speech("operador"), "effect:operator.check_hours"),
        # triage
        (at("callback.who"), Digits("2"), "callback.need"),
        (at("callback.need"), Digits("3"), "removal.offer"),
        (at("callback.danger"), Digits("1"), "effect:operator.check_hours"),
        (at("callback.danger"), Digits("2"), "effect:callback.caller_id"),
        (at("operator.danger"), Digits("2"), "effect:queue.join"),
        (at("operator.danger"), Digits("1"), "effect:queue.join"),
        # the callback number
        # the request is stored as soon as the number is confirmed (docs/decisions/callback-stored-on-confirm.md)
        (at("callback.confirm_phone", caller="+12025550143"), Digits("1"), "effect:callback.create"),
        (at("callback.confirm_phone", caller="+12025550143"), Digits("2"), "callback.enter_phone"),
        (at("callback.enter_phone"), Digits("2025550188"), "effect:callback.spell_phone"),
        (at("callback.enter_phone"), Digits("8005550100"), "callback.enter_phone"),
        (at("callback.enter_phone"), Digits("0"), "effect:operator.check_hours"),
        (
            at("callback.enter_phone"),
            Speech("two oh two five five five oh one eight eight"),
            "effect:callback.spell_phone",
        ),
        (at("callback.confirm_entered", phone="+12025550188", phone_spoken="x"), Digits("2"), "callback.enter_phone"),
        (at("callback.message_offer"), Digits("1"), "callback.record"),
        (at("callback.message_offer"), Digits("2"), "effect:callback.update"),
        (at("callback.record"), Recorded("https://api.twilio.com/x", 9), "effect:callback.update"),
        # safe-contact questions
        (at("callback.safe_to_call"), Digits("1"), "callback.voicemail"),
        (at("callback.safe_to_call"), Digits("2"), "effect:callback.withdraw"),
        (at("callback.safe_to_call", "es"), Speech("no es seguro"), "effect:callback.withdraw"),
        # Silence at "is it safe?" goes on to the next question: none is skipped.
        (at("callback.safe_to_call", tries=1), Silence(), "callback.voicemail"),
        (at("callback.not_safe"), Digits("1"), "callback.enter_phone"),
        (at("callback.not_safe"), Digits("2"), "effect:callback.our_hours"),
        (at("callback.voicemail"), Digits("2"), "callback.identify"),
        (at("callback.identify"), Digits("1"), "callback.window"),
        (at("callback.window"), Digits("3"), "callback.message_offer"),
        (at("callback.window", "es"), Speech("por la tarde"), "callback.message_offer"),
        # the office
        (at("office"), Digits("30301"), "effect:office.find"),
        (at("office"), Digits("303"), "office"),
        (at("office", "es"), Speech("tres cero tres cero uno"), "effect:office.find"),
        (at("office.unknown", zip_spoken="0"), Digits("1"), "office"),
        # the operator
        (at("operator.closed_offer", operator_hours="x"), Digits("1"), "callback.who"),
        (at("operator.closed_offer", operator_hours="x"), Digits("2"), "main"),
        (at("operator.missed"), Digits("1"), "effect:callback.caller_id"),
    ],
)
def test_answers_lead_where_the_tree_says(state: CallState, event, goes_to: str) -> None:
    assert where(step(TREE, state, event)) == goes_to


@pytest.mark.parametrize(
    ("node", "outcome", "goes_to"),
    [
        ("operator", "open", "operator.who"),
        ("operator", "closed", "operator.closed_offer"),
        ("callback.phone", "known", "callback.confirm_phone"),
        ("callback.phone", "withheld", "callback.enter_phone"),
        ("callback.create", "created", "callback.safe_to_call"),
        ("callback.create", "no_number", "effect:callback.caller_id"),
        ("callback.update", "created", "effect:callback.fit_window"),
        ("callback.fit_window", "fits", "effect:callback.estimate"),
        ("callback.fit_window", "nearest", "effect:callback.estimate"),
        ("callback.withdraw", "ok", "callback.not_safe"),
        ("callback.our_hours", "ok", "goodbye"),
        ("callback.estimate", "minutes", "effect:confirmation.check"),
        ("callback.estimate", "unknown", "effect:confirmation.check"),
        ("office.lookup", "found", "office.found"),
        ("office.lookup", "no_phone", "office.found_no_phone"),
        ("office.lookup", "unknown", "office.unknown"),
        ("callback.create", "something unexpected", "effect:operator.check_hours"),
    ],
)
def test_effect_outcomes_lead_where_the_tree_says(node: str, outcome: str, goes_to: str) -> None:
    values = {"caller": "+12025550143", "callback_number": "+12025550143", "position": "1", "wait": "5"}
    values |= {"operator_hours": "x", "office_name": "x", "office_phone": "1", "zip_spoken": "0", "calling_hours": "x"}
    assert where(step(TREE, at(node), Outcome.of(outcome, **values))) == goes_to


@pytest.mark.parametrize(
    ("node", "fallback"),
    [
        ("main", "effect:operator.check_hours"),
        ("callback.who", "callback.need"),
        ("callback.need", "callback.danger"),
        ("callback.danger", "effect:callback.caller_id"),
        ("callback.message_offer", "effect:callback.update"),
        ("office", "effect:operator.check_hours"),
        ("operator.closed_offer", "goodbye"),
    ],
)
@pytest.mark.parametrize("event", [Silence(), Digits("7")], ids=["silence", "garbage"])
def test_three_failed_tries_lead_to_the_fallback_never_a_silent_end(node: str, fallback: str, event) -> None:
    ctx = {"operator_hours": "x"}
    state = at(node, **ctx)
    turn = step(TREE, state, event)
    assert where(turn) == node and turn.lines[0].key in {
        "menu.silence",
        "menu.invalid",
        "ask.silence",
        "office.zip_invalid",
    }
    turn = step(TREE, at(node, tries=2, **ctx), event)
    if isinstance(TREE[node], Menu) and isinstance(event, Digits) and node == "office":
        return
    assert where(turn) == fallback
    assert turn.lines, "a fallback always says something"


def test_one_leads_into_the_custody_part() -> None:
    # The custody part has its own tests (tests/custody): only the entry is this test's business.
    assert "custody" in where(step(TREE, at("main"), Digits("1")))


def test_operator_in_hours_triages_then_joins_the_queue() -> None:
    turn = resume(TREE, step(TREE, at("operator.danger"), Digits("2")), Outcome.of("normal"))
    assert isinstance(turn.end, JoinQueue) and not turn.end.urgent
    assert [line.key for line in turn.lines] == ["operator.connecting"]


def test_danger_yes_says_911_and_marks_urgent() -> None:
    turn = step(TREE, at("callback.danger"), Digits("1"))
    assert turn.state.get("urgent") == "1"
    assert turn.effect is not None and turn.effect.name == "operator.check_hours"
    closed = resume(TREE, turn, Outcome.of("closed", operator_hours="x"))
    # Out of hours the national lines come first (callflows/flows/danger.py), then the callback.
    assert [line.key for line in closed.lines][:2] == ["triage.call_911", "danger.lines_intro"]
    assert closed.state.node == "danger.lines" and closed.listen is not None
    callback = step(TREE, closed.state, Digits("4"))
    assert [line.key for line in callback.lines] == ["callback.marked_urgent"]
    assert callback.state.get("urgent") == "1" and callback.effect is not None


def test_danger_yes_in_hours_says_911_then_joins_the_urgent_queue() -> None:
    turn = resume(TREE, step(TREE, at("callback.danger"), Digits("1")), Outcome.of("open"))
    assert [line.key for line in turn.lines] == ["triage.call_911"]
    assert turn.effect is not None and turn.effect.name == "queue.join"
    assert resume(TREE, turn, Outcome.of("urgent")).end == JoinQueue(urgent=True)


def test_record_is_announced_before_recording() -> None:
    turn = step(TREE, at("callback.message_offer"), Digits("1"))
    assert isinstance(turn.end, RecordMessage) and turn.end.max_seconds == 120
    assert [line.key for line in turn.lines] == ["callback.record_notice"]


def test_recorded_message_rides_in_the_state_to_the_update_effect() -> None:
    turn = step(TREE, at("callback.record"), Recorded("https://api.twilio.com/R1", 31))
    assert turn.effect == Effect("callback.update", turn.state)
    assert turn.state.get("message_url") == "https://api.twilio.com/R1" and turn.state.get("message_seconds") == "31"


def test_the_entered_number_is_stored_in_e164() -> None:
    turn = step(TREE, at("callback.enter_phone"), Digits("2025550188"))
    assert turn.state.get("phone") == "+12025550188"


# Custody menus have their own tests (tests/custody).
MENUS = sorted(n for n, node in TREE.nodes.items() if isinstance(node, Menu) and not n.startswith("custody"))


@pytest.mark.parametrize("name", MENUS)
def test_every_menu_has_at_most_five_options_and_speaks_each(name: str) -> None:
    node = TREE[name]
    assert len(node.options) <= 5
    ctx = {"caller": "+12025550143", "phone_spoken": "2 0 2", "operator_hours": "x", "office_name": "Atlanta"}
    ctx |= {"office_phone": "4 0 4", "zip_spoken": "0 0 0 0 0", "a_number": "201345678", "country_name": "Mexico"}
    ctx |= {"s1": "One.", "s2": "Two.", "s3": "Three.", "max_miles": "60"}
    turn = step(TREE, at(name, **ctx), Enter())
    # Each option is its own whole sentence with its digit in it (none where an earlier prompt explained the keys).
    said = [line.key for line in turn.lines]
    expected = 1 if node.announce_options else 0
    assert all(said.count(option.label) == expected for option in node.options)
    for line in turn.lines:
        if line.key in {option.label for option in node.options}:
            assert dict(line.params)["digit"] in {option.digit for option in node.options}


def test_every_action_node_names_an_effect_and_outcomes() -> None:
    for node in TREE.nodes.values():
        if isinstance(node, Action):
            assert node.effect and node.outcomes


def test_the_state_survives_the_round_trip_through_the_url() -> None:
    state = at("callback.confirm_entered", "es", 2, phone="+12025550188", caller_type="victim", urgent="1")
    assert CallState.from_query(state.to_query()) == state
