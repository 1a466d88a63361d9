"""A caller in danger (docs/decisions/callers-in-danger.md), walked end to end in English and Spanish.

Out of hours: the 911 notice, the national lines as a <Dial> choice, then the callback, marked urgent.
In hours: the 911 notice, then the urgent queue (no national lines in the way).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from config.referrals import ReferralSettings
from tests.e2e.conftest import PHRASES, choose, heard, requests, safe_contact
from tests.e2e.test_call_tree import start

LANGS = ["en", "es"]


def in_danger(call, lang: str, caller: str = "+12025550143"):
    """Main menu → call back → victim, offender information, "I am in danger now"."""
    caller_ = choose(start(call, lang, caller), lang, "callback")
    caller_ = choose(choose(caller_, lang, "victim"), lang, "offender_info")
    return choose(caller_, lang, "danger_yes")


def dialled_number(caller) -> str:
    dial = ET.fromstring(caller.documents[-1]).find("Dial")
    assert dial is not None
    return (dial.text or "").strip()


def finish_callback(caller, lang: str):
    """Keep the caller ID, answer the safe-contact questions, leave no message."""
    return choose(safe_contact(choose(caller, lang, "this_number"), lang), lang, "skip")


@pytest.mark.parametrize("lang", LANGS)
def test_out_of_hours_a_caller_in_danger_hears_911_then_the_national_lines_with_every_key(
    call, closed_hours, lang
) -> None:
    caller = in_danger(call, lang)
    said = caller.last_heard()
    assert heard(caller, lang, "danger_notice") and heard(caller, lang, "danger_lines")
    assert said.index(PHRASES[lang]["danger_notice"]) < said.index(PHRASES[lang]["danger_lines"])
    keys = [caller.option_for(PHRASES[lang][name]) for name in ("ndvh", "rainn", "lifeline", "callback_instead")]
    assert keys == ["1", "2", "3", "4"]
    # 9 and 0 as at every menu.
    assert ("press 9" in said and "press 0" in said) if lang == "en" else ("oprima 9" in said and "oprima 0" in said)
    assert caller.waiting_tag == "Gather"


@pytest.mark.parametrize("lang", LANGS)
def test_out_of_hours_a_caller_in_danger_is_connected_to_a_national_line_then_asked_for_the_callback(
    app, call, closed_hours, lang
) -> None:
    caller = choose(in_danger(call, lang), lang, "ndvh")
    assert caller.ended == "dialled" and dialled_number(caller) == "+18007997233"
    assert requests(app) == []
    # The national line's call ends with the caller still on the line: the callback, already urgent.
    caller.dial_ends("completed")
    assert heard(caller, lang, "back_with_us") and caller.option_for(PHRASES[lang]["this_number"]) == "1"
    finish_callback(caller, lang)
    [request] = requests(app)
    assert (request.urgent, request.priority, request.language, request.caller_type) == (True, 10, lang, "victim")


@pytest.mark.parametrize("lang", LANGS)
def test_out_of_hours_a_caller_in_danger_may_go_straight_to_an_urgent_callback(app, call, closed_hours, lang) -> None:
    caller = choose(in_danger(call, lang), lang, "callback_instead")
    assert caller.option_for(PHRASES[lang]["this_number"]) == "1"
    finish_callback(caller, lang)
    assert not any("<Dial" in document for document in caller.documents)
    [request] = requests(app)
    assert request.urgent is True and request.priority == 10


@pytest.mark.parametrize("lang", LANGS)
def test_out_of_hours_a_silent_caller_in_danger_goes_on_to_the_callback(app, call, closed_hours, lang) -> None:
    caller = in_danger(call, lang).silence().silence()
    assert caller.option_for(PHRASES[lang]["this_number"]) == "1"
    finish_callback(caller, lang)
    assert requests(app)[0].urgent is True


@pytest.mark.parametrize(("line", "digit"), [("ndvh", "1"), ("rainn", "2"), ("lifeline", "3")])
def test_the_national_lines_offered_to_a_caller_in_danger_come_from_settings(app, call, closed_hours, line, digit):
    hotline = app.extensions["hotline"]
    numbers = {"ndvh": "+18005550101", "rainn": "+18005550102", "lifeline": "+18005550103"}
    hotline.settings = hotline.settings.replace(referrals=ReferralSettings(**numbers))
    caller = in_danger(call, "en").press(digit)
    assert caller.ended == "dialled" and dialled_number(caller) == numbers[line]


@pytest.mark.parametrize("lang", LANGS)
def test_at_the_national_lines_nine_repeats_eight_slows_and_zero_reaches_the_operator_path(
    call, closed_hours, lang
) -> None:
    caller = in_danger(call, lang).press("9")
    assert heard(caller, lang, "danger_lines")
    caller.press("8")
    assert heard(caller, lang, "danger_lines")
    gather = ET.fromstring(caller.documents[-1]).find("Gather")
    assert gather is not None and gather.get("timeout") == "10"
    caller.press("0")
    # Out of hours the operator path says the hours and offers the call back.
    assert heard(caller, lang, "closed") and caller.option_for(PHRASES[lang]["offer_callback"]) == "1"


@pytest.mark.parametrize("lang", LANGS)
def test_in_hours_a_caller_in_danger_goes_to_the_urgent_queue_without_the_national_lines(app, call, lang) -> None:
    caller = in_danger(call, lang)
    assert heard(caller, lang, "danger_notice") and not heard(caller, lang, "danger_lines")
    assert caller.ended == "enqueued:operators-urgent" and requests(app) == []
