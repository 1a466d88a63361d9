"""Key 8 (slower speech) inside the menus added by "help near you" (key 4) and notifications (key 5).

Walked by real key presses in both languages: 8 says so, repeats the same menu slowly
(every sentence in <prosody>) with a doubled wait, and the next nodes stay slow.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from callflows.catalogue import catalogue
from tests.e2e.conftest import PHRASES, choose
from tests.e2e.test_call_tree import start

LANGS = ["en", "es"]
NATIONAL = {"en": "a free national hotline", "es": "una línea nacional gratuita"}


def gather_timeout(caller) -> str | None:
    gather = ET.fromstring(caller.documents[-1]).find("Gather")
    assert gather is not None
    return gather.get("timeout")


def all_slow(caller) -> bool:
    says = list(ET.fromstring(caller.documents[-1]).iter("Say"))
    return bool(says) and all([child.tag for child in say] == ["prosody"] for say in says)


def presses_8(caller, lang: str, menu_prompt: str):
    """Press 8 at a menu: the caller hears that the call slows down, then the same menu, slowly."""
    normal = gather_timeout(caller)
    caller.press("8")
    said = caller.last_heard()
    assert said.startswith(catalogue().text(lang, "slower.on")), said
    assert catalogue().text(lang, menu_prompt, {}) in said
    assert all_slow(caller) and int(gather_timeout(caller) or 0) == 2 * int(normal or 0)
    return caller


@pytest.mark.parametrize("lang", LANGS)
def test_eight_slows_the_help_near_you_menus_and_the_next_menu_stays_slow(call, lang) -> None:
    caller = choose(start(call, lang), lang, "help_near_you").press("78520#")
    presses_8(caller, lang, "referrals.which")
    caller.press(caller.option_for(PHRASES[lang]["more_help"]))
    assert caller.option_for(PHRASES[lang]["ice_office"]) == "4"
    assert all_slow(caller) and gather_timeout(caller) == "10"


@pytest.mark.parametrize("lang", LANGS)
def test_eight_slows_the_national_lines_menu_of_help_near_you(call, lang) -> None:
    # A ZIP code the directory does not know offers the national lines.
    caller = choose(start(call, lang), lang, "help_near_you").press("00000#").press("1")
    caller.press(caller.option_for(NATIONAL[lang]))
    presses_8(caller, lang, "referrals.national_intro")
    assert caller.option_for(PHRASES[lang]["ndvh"]) == "1"


@pytest.mark.parametrize("lang", LANGS)
def test_eight_slows_the_notification_menus_and_the_a_number_question_waits_longer(call, lang) -> None:
    caller = start(call, lang).press("5")
    presses_8(caller, lang, "notify.voice.intro")
    caller.press("1")
    assert catalogue().text(lang, "custody.ask_a_number", {}) in caller.last_heard()
    assert all_slow(caller) and gather_timeout(caller) == "16"
    # At a question that takes digits, 8 is a digit: the A-number is read back, still slowly.
    caller.press("201345678#")
    assert "2 0 1, 3 4 5, 6 7 8" in caller.last_heard() and all_slow(caller)
