"""Main menu 3: the removal process explained, in parts, then a call back from the area's officer."""

from __future__ import annotations

import pytest

from callflows import engine
from callflows.catalogue import catalogue
from callflows.engine import CallState, Digits, Enter, Silence
from callflows.flows import TREE
from callflows.flows.removal import PARTS
from tests.e2e.conftest import PHRASES, choose, heard, requests, safe_contact

LANGS = ["en", "es"]
# A calm, clear IVR voice speaks about 150 words a minute; the limit is three minutes at that rate.
WORDS_PER_MINUTE = 150
LIMIT_SECONDS = 180

EXPLAINER = {
    "en": {"removal": "how the immigration removal process works", "cro": "the Community Relations Officer",
           "main": "the main menu", "end": "end of the explanation", "offer": "a short explanation",
           "custody": "Part one: custody", "judge": "Part two", "register": "Part five"},
    "es": {"removal": "cómo funciona el proceso de deportación", "cro": "el Oficial de Relaciones con la Comunidad",
           "main": "volver al menú principal", "end": "Aquí termina la explicación", "offer": "una explicación corta",
           "custody": "Primera parte: la custodia", "judge": "Segunda parte", "register": "Quinta parte"},
}  # fmt: skip


def explainer_text(lang: str) -> str:
    """Everything a caller who only listens hears from main menu 3 to the choice after the explainer."""
    cat = catalogue()
    state = CallState(node="main", lang=lang)
    turn = engine.step(TREE, state, Digits("3"))
    lines = list(turn.lines)
    while turn.state.node != "removal.after":
        turn = engine.step(TREE, turn.state, Silence())
        lines += turn.lines
    return " ".join(cat.text(line.lang, line.key, dict(line.params)) for line in lines)


def press(caller, lang: str, what: str):
    return caller.press(caller.option_for(EXPLAINER[lang][what]))


@pytest.mark.parametrize("lang", LANGS)
def test_explainer_lasts_under_three_minutes_of_speech(lang) -> None:
    words = len(explainer_text(lang).split())
    seconds = words / WORDS_PER_MINUTE * 60
    assert seconds < LIMIT_SECONDS, f"{lang}: {words} words, {seconds:.0f} s"


@pytest.mark.parametrize("lang", LANGS)
def test_a_caller_who_only_listens_hears_all_five_parts_in_their_language(lang) -> None:
    text = explainer_text(lang)
    cat = catalogue()
    for key in PARTS:
        assert cat.text(lang, key) in text
    assert text.index(cat.text(lang, PARTS[0])) < text.index(cat.text(lang, PARTS[-1]))


def test_main_menu_three_is_the_explainer_and_operator_is_still_zero() -> None:
    turn = engine.step(TREE, CallState(node="main", lang="en"), Enter())
    spoken = " ".join(catalogue().text(line.lang, line.key, dict(line.params)) for line in turn.lines)
    assert "To hear how the immigration removal process works, press 3." in spoken
    assert "For an operator, press 0." in spoken
    assert engine.step(TREE, CallState(node="main", lang="en"), Digits("0")).state.node != "removal"


@pytest.mark.parametrize("lang", LANGS)
def test_a_part_can_be_skipped_repeated_or_the_rest_skipped(call, lang) -> None:
    caller = call().press(PHRASES[lang]["language"])
    caller = press(caller, lang, "removal")
    assert EXPLAINER[lang]["custody"] in caller.last_heard()
    caller.press("9")
    assert EXPLAINER[lang]["custody"] in caller.last_heard()
    caller.press("1")
    assert EXPLAINER[lang]["judge"] in caller.last_heard()
    caller.press("2")
    assert EXPLAINER[lang]["end"] in caller.last_heard() and EXPLAINER[lang]["register"] not in caller.last_heard()
    press(caller, lang, "main")
    assert heard(caller, lang, "main")


@pytest.mark.parametrize("lang", LANGS)
def test_after_the_explainer_the_caller_gets_a_call_back_request_for_their_areas_officer(app, call, lang) -> None:
    caller = call(caller="+12025550143").press(PHRASES[lang]["language"])
    caller = press(caller, lang, "removal")
    for _ in PARTS:
        caller.silence()
    caller = press(caller, lang, "cro")
    caller.press("77002")
    assert "Houston" in caller.last_heard()
    choose(caller, lang, "danger_no")
    safe_contact(choose(caller, lang, "this_number"), lang)
    choose(caller, lang, "skip")
    assert heard(caller, lang, "saved")
    [request] = requests(app)
    assert (request.phone, request.language, request.need, request.field_office) == (
        "+12025550143",
        lang,
        "removal_process",
        "HOU",
    )


def test_an_unknown_zip_still_gets_a_call_back_from_a_specialist(app, call) -> None:
    caller = press(call(caller="+12025550144").press("1"), "en", "removal")
    caller.press("2")
    press(caller, "en", "cro")
    for _ in range(3):
        caller.press("1")
    assert "a victim assistance specialist will call you back" in caller.last_heard()
    choose(caller, "en", "danger_no")
    safe_contact(choose(caller, "en", "this_number"), "en")
    choose(caller, "en", "skip")
    [request] = requests(app)
    assert (request.need, request.field_office) == ("removal_process", None)


@pytest.mark.parametrize("lang", LANGS)
def test_asking_a_call_back_about_removal_offers_the_explainer_then_the_officer(app, call, lang) -> None:
    caller = choose(call(caller="+12025550146").press(PHRASES[lang]["language"]), lang, "callback")
    choose(choose(caller, lang, "victim"), lang, "removal_process")
    caller.press(caller.option_for(EXPLAINER[lang]["offer"]))
    assert EXPLAINER[lang]["custody"] in caller.last_heard()
    caller.press("2")
    press(caller, lang, "cro")
    caller.press("77002")
    choose(caller, lang, "danger_no")
    safe_contact(choose(caller, lang, "this_number"), lang)
    choose(caller, lang, "skip")
    [request] = requests(app)
    assert (request.caller_type, request.need, request.field_office) == ("victim", "removal_process", "HOU")
